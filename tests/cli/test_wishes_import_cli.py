"""`herverdeling import TABLE --wensen voorkeuren|partners`: a Dutch Excel table of wishes becomes a
new scenario folder that `show` lists; a bad row is one line and exit 2, and nothing is written."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from herverdeling.cli import app
from herverdeling.scenario.io import load_scenario, write_scenario
from tests.scenario.test_wishes_import import PART_HEADER, PREF_HEADER, PREF_ROWS, country, xlsx

runner = CliRunner()
PREF_ARGS = ["--wensen", "voorkeuren", "-m", "cbs_code=Gemeentecode", "-m", "name=Gemeente",
             "-m", "relief=Ontlasting", "-m", "back_surplus=Overschot inzetten",
             "-m", "host=Gastgemeente", "-m", "ignore=Toelichting"]
PART_ARGS = ["--wensen", "partners", "-m", "sink=Restopgaveprovincie", "-m", "source=Plusprovincie",
             "-m", "partner=Wens"]


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def test_import_both_kinds_then_show_lists_them(tmp_path: Path):
    base = write_scenario(country(), tmp_path / "base")
    prefs = xlsx(tmp_path / "voorkeuren.xlsx", PREF_HEADER, PREF_ROWS)
    first = run("import", prefs, "-s", base, "--out", tmp_path / "a", *PREF_ARGS)
    assert first.exit_code == 0, first.output
    assert "4 voorkeuren, 0 partnerwensen" in first.output
    partners = xlsx(tmp_path / "partners.xlsx", PART_HEADER, [["Provincie BB", "AA", "voorkeur"]])
    second = run("import", partners, "-s", tmp_path / "a", "--out", tmp_path / "b", *PART_ARGS,
                 "--sheet", "Wensen")
    assert second.exit_code == 0, second.output
    loaded = load_scenario(tmp_path / "b")
    assert [p.relief for p in loaded.preferences.municipalities] == ["wanted", "refused", "any",
                                                                      "any"]
    assert loaded.preferences.partner("BB", "AA") == "preferred"
    shown = run("show", "-s", tmp_path / "b")
    assert shown.exit_code == 0, shown.output
    assert "Gemeente 3 (GM0003): ontlasting wanted, surplus inzetten -, gastgemeente ja" in shown.output
    assert "BB door AA: preferred" in shown.output


def test_a_bad_row_is_one_line_exit_2_and_nothing_written(tmp_path: Path):
    base = write_scenario(country(), tmp_path / "base")
    rows = [*PREF_ROWS[:1], ["GM9999", "Nergens", "gewenst", "", "", ""]]
    table = xlsx(tmp_path / "voorkeuren.xlsx", PREF_HEADER, rows)
    out = tmp_path / "never"
    result = run("import", table, "-s", base, "--out", out, *PREF_ARGS)
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    assert "voorkeuren.xlsx" in lines[0]
    assert "row 3" in lines[0]
    assert "Gemeentecode (cbs_code)" in lines[0]
    assert not out.exists()


def test_an_unknown_kind_or_field_is_refused(tmp_path: Path):
    base = write_scenario(country(), tmp_path / "base")
    table = xlsx(tmp_path / "voorkeuren.xlsx", PREF_HEADER, PREF_ROWS)
    kind = run("import", table, "-s", base, "--out", tmp_path / "x", "--wensen", "dromen")
    assert kind.exit_code == 2
    assert "--wensen must be voorkeuren or partners" in kind.output
    field = run("import", table, "-s", base, "--out", tmp_path / "x", "--wensen", "partners",
                "-m", "relief=Ontlasting")
    assert field.exit_code == 2
    assert "unknown field 'relief'" in field.output
    assert not (tmp_path / "x").exists()
