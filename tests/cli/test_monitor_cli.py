"""`herverdeling monitor` and `herverdeling whatif` on the hand-made base case: the Dutch table,
monitor.xlsx as a civil servant opens it, the shortfall map, the wat-als files with seed and
method, byte-identical reruns, and bad input as one line with exit 2 and nothing written."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from herverdeling.checker import write_proposals
from herverdeling.cli import app
from herverdeling.scenario.io import write_scenario
from tests.strategies import base_case

runner = CliRunner()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> tuple[Path, Path, Path]:
    tmp = tmp_path_factory.mktemp("monitor")
    s, ps = base_case()
    folder = write_scenario(s, tmp / "base")
    (tmp / "export.csv").write_text(
        "Gemeentecode;Gerealiseerd;Categorie;Peildatum;Bron\n"
        "GM0101;80;regulier;31-12-2025;monitor PA\nGM0204;69;regulier;31-12-2025;monitor RB\n"
        "GM0201;60;regulier;31-12-2025;monitor RB\n", encoding="utf-8")
    return folder, write_proposals(ps, tmp / "proposals.json"), tmp / "export.csv"


MAP = ["--map", "cbs_code=Gemeentecode", "--map", "realised=Gerealiseerd", "--map",
       "category=Categorie", "--map", "date=Peildatum", "--map", "source=Bron"]


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def test_monitor_table_xlsx_and_map(inputs, tmp_path):
    folder, proposals, export = inputs
    out = tmp_path / "mon"
    result = run("monitor", "-s", folder, "-p", proposals, "-r", export, *MAP, "--out", out)
    assert result.exit_code == 0, result.output
    assert "IBT-monitor, scenario base" in result.output
    assert "Gemeente 201 (GM0201)" in result.output  # gets 3 back when P-1's relief lapses
    assert {p.name for p in out.iterdir()} == {
        "monitor.xlsx", "monitor.csv", "monitor.json", "monitor.txt", "kaart-tekort.html",
        "kaart-tekort.png", "realisation.csv", "manifest.json"}
    book = load_workbook(out / "monitor.xlsx")
    assert book.sheetnames == ["monitor", "afspraken", "regels", "provincies", "toelichting"]
    ws = book["monitor"]
    header = [c.value for c in ws[1]]
    assert header[:5] == ["CBS-code", "gemeente", "provincie", "categorie", "IBT-taak na afspraken"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == ws.dimensions
    assert ws.column_dimensions["J"].width == 60
    rows = {(r[0], r[3]): dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2,
                                                                                  values_only=True)}
    host = rows[("GM0204", "regulier")]
    assert (host["provincie"], host["tekort"], host["tekort na faalclausule"]) == ("Provincie RB", 23, 23)
    assert rows[("GM0201", "regulier")]["terug naar deze gemeente"] == 3
    html = (out / "kaart-tekort.html").read_text(encoding="utf-8")
    assert "tekort 1 tot 25 plaatsen" in html
    assert "geen realisatiemelding" in html
    sources = re.findall(r"<(?:script|link|img)\b[^>]*\b(?:src|href)\s*=\s*[\"']([^\"']*)", html)
    assert not [u for u in sources if "://" in u or u.startswith("//")], sources  # offline
    assert (out / "kaart-tekort.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["variant"] == "clausules"
    assert manifest["agreements"] == ["P-1", "M-1", "U-1"]


def test_monitor_files_are_byte_identical_on_a_rerun(inputs, tmp_path):
    folder, proposals, export = inputs
    for name in ("a", "b"):
        assert run("monitor", "-s", folder, "-p", proposals, "-r", export, *MAP, "--out",
                   tmp_path / name).exit_code == 0
    for f in ("monitor.xlsx", "monitor.csv", "monitor.json", "kaart-tekort.html", "kaart-tekort.png"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f


@pytest.mark.parametrize(("body", "fragment"), [
    ("GM0101;-5;regulier;31-12-2025;x\n", "export.csv, row 2, field 'Gerealiseerd (realised)'"),
    ("GM0101;5;regulier;31-02-2025;x\n", "row 2, field 'Peildatum (date)': expected a date"),
    ("GM0999;5;regulier;31-12-2025;x\n", "unknown CBS code 'GM0999'"),
    ("GM0101;5;regulier;31-12-2025;x\nGM0101;6;regulier;31-12-2025;x\n", "row 3"),
])
def test_bad_export_is_one_line_exit_2_and_nothing_written(inputs, tmp_path, body, fragment):
    folder, proposals, _ = inputs
    bad = tmp_path / "export.csv"
    bad.write_text("Gemeentecode;Gerealiseerd;Categorie;Peildatum;Bron\n" + body, encoding="utf-8")
    out = tmp_path / "mon"
    result = run("monitor", "-s", folder, "-p", proposals, "-r", bad, *MAP, "--out", out)
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    assert fragment in lines[0]
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["export.csv"]


def test_unknown_variant_is_refused_before_any_work(inputs):
    folder, proposals, _export = inputs
    result = run("monitor", "-s", folder, "-p", proposals, "--variant", "wishful")
    assert result.exit_code == 2
    assert "unknown failure-clause variant 'wishful'" in result.output


def test_whatif_writes_its_method_and_seed(inputs, tmp_path):
    folder, proposals, _ = inputs
    out = tmp_path / "wi"
    result = run("whatif", "-s", folder, "-p", proposals, "--out", out)
    assert result.exit_code == 0, result.output
    assert "Methode: exact" in result.output
    assert "Faalclausules vergeleken" in result.output
    data = json.loads((out / "wat-als.json").read_text(encoding="utf-8"))
    assert (data["method"], data["seed"], data["parties"]) == ("exact", 20250115, 4)
    assert {p.name for p in out.iterdir()} == {"wat-als.json", "wat-als.md", "wat-als-afspraken.csv",
                                               "wat-als-gemeenten.csv", "manifest.json"}
    sim = run("whatif", "-s", folder, "-p", proposals, "--methode", "simulatie")
    assert sim.exit_code == 0
    assert "simulatie met 20000 trekkingen, seed 20250115" in sim.output
    assert run("whatif", "-s", folder, "-p", proposals, "--methode", "gok").exit_code == 2


def test_the_scenario_folders_realisation_csv_is_read_by_default(inputs, tmp_path):
    folder, proposals, _ = inputs
    import shutil

    copy = Path(shutil.copytree(folder, tmp_path / "scen"))
    (copy / "realisation.csv").write_text("cbs_code,category,realised,date,source\n"
                                          "GM0204,regulier,69,2026-12-31,monitor RB\n",
                                          encoding="utf-8")
    result = run("monitor", "-s", copy, "-p", proposals)
    assert result.exit_code == 0, result.output
    assert "realisatie: realisation.csv" in result.output
    assert "Gemeente 204 (GM0204)" in result.output
    assert " 23 " in result.output
    bad = run("monitor", "-s", copy, "-p", proposals, "--map", "realised=X")
    assert bad.exit_code == 2
    assert "--map and --sheet apply to --realisatie FILE" in bad.output
