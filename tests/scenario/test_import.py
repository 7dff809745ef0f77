"""A province brings its own verdeelbesluit table (CSV with ';' or Excel) through a column mapping."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from herverdeling.cli import app
from herverdeling.errors import ScenarioError
from herverdeling.scenario.io import load_scenario
from herverdeling.scenario.tables import import_verdeelbesluit, parse_mapping

runner = CliRunner()
MAP = ["cbs_code=Gemeentecode", "province=Provincie", "verdeelbesluit_regulier=Taak regulier",
       "verdeelbesluit_amv=Taak amv", "ignore=Gemeente"]
MAP_ARGS = [arg for m in MAP for arg in ("--map", m)]


def nb_table(nl2025) -> pd.DataFrame:
    rows = [{"Gemeentecode": m.cbs_code, "Gemeente": m.name, "Provincie": "Noord-Brabant",
             "Taak regulier": m.verdeelbesluit.regulier, "Taak amv": m.verdeelbesluit.amv}
            for m in nl2025.municipalities_in("NB")]
    return pd.DataFrame(rows)


def shifted(nl2025) -> pd.DataFrame:
    """Move 10 regular places between the first two municipalities: totals still reconcile."""
    t = nb_table(nl2025)
    giver = int(t["Taak regulier"].idxmax())
    taker = 0 if giver != 0 else 1
    t.loc[giver, "Taak regulier"] -= 10
    t.loc[taker, "Taak regulier"] += 10
    return t


def write(frame: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".xlsx":
        frame.to_excel(path, index=False, sheet_name="Verdeelbesluit")
    else:
        frame.to_csv(path, index=False, sep=";")
    return path


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_import_replaces_tasks(tmp_path: Path, nl2025, suffix: str):
    table = shifted(nl2025)
    path = write(table, tmp_path / f"nb{suffix}")
    out = tmp_path / "mine"
    result = runner.invoke(app, ["import", str(path), "--out", str(out), *MAP_ARGS])
    assert result.exit_code == 0, result.output
    new = load_scenario(out)
    for r in table.to_dict("records"):
        m = new.municipality(r["Gemeentecode"])
        assert m.verdeelbesluit.regulier == r["Taak regulier"]
        assert m.verdeelbesluit.amv == r["Taak amv"]
    assert new.verdeelbesluit_total("NB") == nl2025.verdeelbesluit_total("NB")
    others = [m for m in nl2025.municipalities if m.province != "NB"]
    assert all(new.municipality(m.cbs_code) == m for m in others)


def test_import_into_plusprovince_rederives_extra(tmp_path: Path, nl2025):
    rows = [{"cbs_code": m.cbs_code, "verdeelbesluit_regulier": m.verdeelbesluit.regulier + 1,
             "verdeelbesluit_amv": m.verdeelbesluit.amv} for m in nl2025.municipalities_in("DR")]
    path = write(pd.DataFrame(rows), tmp_path / "dr.csv")
    new = import_verdeelbesluit(nl2025, path, {})
    assert new.surplus("DR").regulier == nl2025.surplus("DR").regulier + len(rows)
    assert sum(m.extra.regulier for m in new.municipalities_in("DR")) == new.surplus("DR").regulier


def bad(tmp_path: Path, nl2025, mutate, *fragments: str):
    table = nb_table(nl2025)
    table = mutate(table)
    path = write(table, tmp_path / "bad.csv")
    with pytest.raises(ScenarioError) as info:
        import_verdeelbesluit(nl2025, path, parse_mapping(MAP))
    for f in fragments:
        assert f in str(info.value), str(info.value)
    out = tmp_path / "never"
    result = runner.invoke(app, ["import", str(path), "--out", str(out), *MAP_ARGS])
    assert result.exit_code == 2
    assert not out.exists()  # nothing written


def test_unknown_code(tmp_path, nl2025):
    def f(t):
        t.loc[3, "Gemeentecode"] = "GM9999"
        return t
    bad(tmp_path, nl2025, f, "bad.csv", "row 5", "Gemeentecode (cbs_code)", "unknown CBS code 'GM9999'")


def test_duplicate_code(tmp_path, nl2025):
    def f(t):
        t.loc[4, "Gemeentecode"] = t.loc[2, "Gemeentecode"]
        return t
    bad(tmp_path, nl2025, f, "row 6", "duplicate CBS code")


def test_wrong_province(tmp_path, nl2025):
    def f(t):
        t.loc[1, "Provincie"] = "Limburg"
        return t
    bad(tmp_path, nl2025, f, "row 3", "Provincie (province)", "is in Noord-Brabant, not in 'Limburg'")


def test_fractional(tmp_path, nl2025):
    def f(t):
        t["Taak amv"] = t["Taak amv"].astype(float)
        t.loc[0, "Taak amv"] = 1.5
        return t
    bad(tmp_path, nl2025, f, "row 2", "Taak amv (verdeelbesluit_amv)", "whole numbers")


def test_missing_column(tmp_path, nl2025):
    bad(tmp_path, nl2025, lambda t: t.drop(columns=["Taak amv"]),
        "row 1", "missing column 'Taak amv' for verdeelbesluit_amv")


def test_totals_must_reconcile(tmp_path, nl2025):
    def f(t):
        t.loc[int(t["Taak regulier"].idxmax()), "Taak regulier"] = 0
        return t
    bad(tmp_path, nl2025, f, "totals do not reconcile", "Noord-Brabant", "below its opgave")


def test_bad_mapping():
    with pytest.raises(ScenarioError, match="FIELD=COLUMN"):
        parse_mapping(["cbs_code"])
    with pytest.raises(ScenarioError, match="unknown field 'colour'"):
        parse_mapping(["colour=Kleur"])


def test_sheet_on_a_csv_is_refused(tmp_path, nl2025):
    path = write(shifted(nl2025), tmp_path / "nb.csv")
    with pytest.raises(ScenarioError, match="--sheet only applies to Excel files"):
        import_verdeelbesluit(nl2025, path, parse_mapping(MAP), sheet="Verdeelbesluit")
    out = tmp_path / "never"
    result = runner.invoke(app, ["import", str(path), "--out", str(out), "--sheet", "Verdeelbesluit",
                                 *MAP_ARGS])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: nb.csv: ")
    assert "--sheet only applies to Excel files" in lines[0]
    assert not out.exists()  # nothing written


def test_sheet_on_an_excel_file_is_used(tmp_path, nl2025):
    path = write(shifted(nl2025), tmp_path / "nb.xlsx")
    out = tmp_path / "mine"
    result = runner.invoke(app, ["import", str(path), "--out", str(out), "--sheet", "Verdeelbesluit",
                                 *MAP_ARGS])
    assert result.exit_code == 0, result.output
    assert load_scenario(out).verdeelbesluit_total("NB") == nl2025.verdeelbesluit_total("NB")
    result = runner.invoke(app, ["import", str(path), "--out", str(tmp_path / "no"), "--sheet", "Blad1",
                                 *MAP_ARGS])
    assert result.exit_code == 2
    assert "no sheet named 'Blad1'" in result.output
