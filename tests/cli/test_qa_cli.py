"""QA pass: what a user gets from bad output paths, interrupted runs and spreadsheet cells.

Each case is one clear line on stderr, the right exit code, no traceback and nothing half written.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from herverdeling.cli import app
from herverdeling.errors import ScenarioError

runner = CliRunner()


def one_line_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [ln for ln in result.output.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, result.output
    for f in fragments:
        assert f in lines[0], lines[0]


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    f = tmp_path / "notes.txt"
    f.write_text("not a folder\n", encoding="utf-8")
    return f


@pytest.mark.parametrize("command", [["swaps"], ["ledger"]])
def test_file_output_under_a_file_is_one_line(tmp_path: Path, a_file: Path, command: list[str]):
    result = runner.invoke(app, [*command, "--out", str(a_file / "x.csv")])
    one_line_error(result, str(a_file / "x.csv"), "is a file, not a folder")
    assert a_file.read_text(encoding="utf-8") == "not a folder\n"


def test_file_output_onto_a_folder_is_one_line(tmp_path: Path):
    result = runner.invoke(app, ["swaps", "--out", str(tmp_path)])
    one_line_error(result, "is a folder")


def test_file_output_in_a_new_folder_is_written(tmp_path: Path):
    out = tmp_path / "new" / "swaps.json"
    result = runner.invoke(app, ["swaps", "--json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("{")
    assert [p.name for p in out.parent.iterdir()] == ["swaps.json"]  # no temporary left


@pytest.mark.parametrize("command", [["propose"], ["import", "TABLE"]])
def test_folder_output_under_a_file_is_one_line(tmp_path: Path, a_file: Path, command: list[str],
                                               nl2025):
    if "TABLE" in command:
        m = nl2025.municipalities[0]
        table = tmp_path / "t.csv"
        table.write_text("cbs_code;verdeelbesluit_regulier;verdeelbesluit_amv\n"
                         f"{m.cbs_code};{m.verdeelbesluit.regulier};{m.verdeelbesluit.amv}\n",
                         encoding="utf-8")
        command = ["import", str(table)]
    result = runner.invoke(app, [*command, "--out", str(a_file / "run")])
    one_line_error(result, "is a file, not a folder")
    result = runner.invoke(app, [*command, "--out", str(a_file), "--force"])
    one_line_error(result, str(a_file), "is a file, not a folder")
    assert a_file.read_text(encoding="utf-8") == "not a folder\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["notes.txt", *(["t.csv"] if "import" in command else [])])


def test_ctrl_c_after_a_cp_sat_solve_is_a_keyboard_interrupt():
    """CP-SAT's SIGINT handler used to stay installed as SIG_DFL: Ctrl-C killed the process
    outright, so an output folder being written was left behind as a hidden temporary."""
    code = textwrap.dedent("""
        import os, signal, time
        from herverdeling.scenario.io import load_scenario
        from herverdeling.mergers import propose_mergers
        from herverdeling.uitruil import propose_uitruil
        s = load_scenario("nl-2025")
        propose_mergers(s, province="UT")
        propose_uitruil(s, province="UT")
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(2)
        except KeyboardInterrupt:
            print("interrupt reached Python")
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert "interrupt reached Python" in done.stdout, (done.returncode, done.stderr[-2000:])


def _scenario_with_cell(tmp_path: Path, column: str, value: str) -> Path:
    """A copy of nl-2025 with one cell of Almere's row (spreadsheet row 3) replaced."""
    import shutil

    import pandas as pd

    from herverdeling.resources import bundled_dir

    folder = tmp_path / "s"
    shutil.copytree(bundled_dir("scenarios") / "nl-2025", folder)
    frame = pd.read_csv(folder / "municipalities.csv", dtype=str, keep_default_na=False)
    frame.loc[1, column] = value
    frame.to_csv(folder / "municipalities.csv", index=False)
    return folder


@pytest.mark.parametrize(("column", "value", "fragment"), [
    ("indicative_regulier", "inf", "expected a whole number, got 'inf'"),
    ("indicative_regulier", "nan", "expected a whole number, got 'nan'"),
    ("population", "1e400", "expected a whole number"),
    ("indicative_regulier", "12,5", "decimal comma"),      # was read as 125
    ("verdeelbesluit_regulier", "1.044", "thousands separator"),
    ("lat", "nan", "expected a number, got 'nan'"),
    ("lat", "52,37", "decimal point"),
])
def test_bad_number_cells_name_row_and_field(tmp_path: Path, column: str, value: str, fragment: str):
    folder = _scenario_with_cell(tmp_path, column, value)
    result = runner.invoke(app, ["show", "--scenario", str(folder)])
    one_line_error(result, "municipalities.csv, row 3", f"field '{column}'", fragment)


def test_thousands_separator_is_refused_with_a_hint(tmp_path: Path, nl2025):
    """Issue 18: `1,250` was read as 1250; in a Dutch file it may mean 1.25. Nothing is guessed."""
    almere = nl2025.municipality("GM0034")
    folder = _scenario_with_cell(tmp_path, "population", f"{almere.population:,}")
    result = runner.invoke(app, ["show", "--scenario", str(folder)])
    one_line_error(result, "municipalities.csv, row 3", "field 'population'", "thousands separator",
                   f"write {almere.population}")


def _nb_rows(nl2025, province_name: str = "Noord-Brabant") -> list[dict]:
    return [{"Gemeentecode": m.cbs_code, "Gemeente": m.name, "Provincie": province_name,
             "Taak regulier": m.verdeelbesluit.regulier, "Taak amv": m.verdeelbesluit.amv}
            for m in nl2025.municipalities_in("NB")]


IMPORT_MAP = ["--map", "cbs_code=Gemeentecode", "--map", "verdeelbesluit_regulier=Taak regulier",
              "--map", "verdeelbesluit_amv=Taak amv", "--map", "province=Provincie",
              "--map", "ignore=Gemeente"]


def test_import_missing_sheet_lists_the_sheets(tmp_path: Path, nl2025):
    import pandas as pd

    table = tmp_path / "nb.xlsx"
    pd.DataFrame(_nb_rows(nl2025)).to_excel(table, index=False, sheet_name="Verdeelbesluit")
    result = runner.invoke(app, ["import", str(table), "--sheet", "Blad1", "--out",
                                 str(tmp_path / "o"), *IMPORT_MAP])
    one_line_error(result, "nb.xlsx", "'Blad1'", "sheets: Verdeelbesluit")
    assert not (tmp_path / "o").exists()


def test_import_dutch_excel_csv_with_empty_rows_and_windows_1252(tmp_path: Path, nl2025):
    """Dutch Excel saves 'CSV (puntkomma)' in Windows-1252, often with empty rows below."""
    import pandas as pd

    from herverdeling.scenario.io import load_scenario

    rows = _nb_rows(nl2025)
    rows[0]["Gemeente"] = "Súdwest-Fryslân test"  # a character that differs in Windows-1252
    table = tmp_path / "nb.csv"
    text = pd.DataFrame(rows).to_csv(sep=";", index=False) + ";;;;\n;;;;\n"
    table.write_bytes(text.encode("cp1252"))
    out = tmp_path / "mine"
    result = runner.invoke(app, ["import", str(table), "--out", str(out), *IMPORT_MAP])
    assert result.exit_code == 0, result.output
    assert load_scenario(out).verdeelbesluit_total("NB") == nl2025.verdeelbesluit_total("NB")


def test_sweep_help_shows_the_install_extra():
    """Rich markup ate '[cluster]', so the help said to install plain 'herverdeling'."""
    result = runner.invoke(app, ["sweep", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "herverdeling[cluster]" in result.output, result.output


def test_province_is_resolved_from_code_or_name_in_any_case(nl2025):
    assert nl2025.resolve_province("nb") == "NB"
    assert nl2025.resolve_province("Noord-Brabant") == "NB"
    assert nl2025.resolve_province(" fryslân ") == "FR"
    with pytest.raises(ScenarioError, match=r"unknown province 'Zz'; known: GR \(Groningen\)"):
        nl2025.resolve_province("Zz")
    for command in ("mergers", "uitruil"):
        ok = CliRunner().invoke(app, [command, "--province", "ze"])
        assert ok.exit_code == 0, ok.output
        bad = CliRunner().invoke(app, [command, "--province", "Zz"])
        assert bad.exit_code == 2
        assert "known: GR (Groningen)" in bad.output


def test_check_explains_a_single_stage_file(tmp_path):
    out = tmp_path / "swaps.json"
    assert CliRunner().invoke(app, ["swaps", "--json", "--out", str(out)]).exit_code == 0
    result = CliRunner().invoke(app, ["check", str(out)])
    assert result.exit_code == 2
    assert "not a proposal set" in result.output
    assert "Traceback" not in result.output
