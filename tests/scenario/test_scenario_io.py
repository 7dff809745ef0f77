"""Loading, writing and rejecting scenario folders: every bad input names file, row and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from herverdeling.cli import app
from herverdeling.errors import ScenarioError
from herverdeling.resources import bundled_dir
from herverdeling.scenario.io import load_scenario, resolve_scenario, write_scenario

runner = CliRunner()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    dst = tmp_path / "sc"
    shutil.copytree(bundled_dir("scenarios") / "nl-2025", dst)
    return dst


def edit_csv(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell; `row` is the spreadsheet row (header = 1)."""
    import csv

    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    col = rows[0].index(column)
    rows[row - 1][col] = value
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def cell(path: Path, row: int, column: str) -> str:
    import csv

    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[row - 1][rows[0].index(column)]


def expect_error(folder: Path, *fragments: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(folder)
    text = str(info.value)
    for fragment in fragments:
        assert fragment in text, text
    # the CLI turns it into one line on stderr and exit code 2
    result = runner.invoke(app, ["show", "--scenario", str(folder)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    return info.value


def test_round_trip_is_exact(tmp_path: Path, nl2025):
    out = write_scenario(nl2025, tmp_path / "copy")
    again = load_scenario(out)
    assert again == nl2025
    assert again.content_hash() == nl2025.content_hash()
    for name in ("scenario.yaml", "provinces.csv", "municipalities.csv"):
        original = (bundled_dir("scenarios") / "nl-2025" / name).read_text(encoding="utf-8")
        assert (out / name).read_text(encoding="utf-8") == original


def test_bundled_name_and_folder_resolve(folder: Path):
    assert resolve_scenario("nl-2025").name == "nl-2025"
    assert resolve_scenario(folder) == folder
    with pytest.raises(ScenarioError, match="unknown scenario 'nope'"):
        resolve_scenario("nope")


def test_invalid_cbs_code(folder: Path):
    edit_csv(folder / "municipalities.csv", 5, "cbs_code", "GX12")
    err = expect_error(folder, "municipalities.csv", "row 5", "cbs_code", "GX12")
    assert err.row == 5


def test_duplicate_cbs_code(folder: Path):
    f = folder / "municipalities.csv"
    edit_csv(f, 7, "cbs_code", cell(f, 3, "cbs_code"))
    expect_error(folder, "municipalities.csv", "row 7", "duplicate CBS code")


def test_unknown_province(folder: Path):
    edit_csv(folder / "municipalities.csv", 4, "province", "XX")
    expect_error(folder, "municipalities.csv", "row 4", "province", "unknown province 'XX'")


@pytest.mark.parametrize(("value", "fragment"), [("-3", "must be >= 0"), ("2.5", "whole numbers"),
                                                 ("abc", "expected a whole number")])
def test_bad_places(folder: Path, value: str, fragment: str):
    edit_csv(folder / "municipalities.csv", 9, "verdeelbesluit_amv", value)
    expect_error(folder, "municipalities.csv", "row 9", "verdeelbesluit_amv", fragment)


def test_missing_column(folder: Path):
    f = folder / "provinces.csv"
    lines = f.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace("opgave_amv", "opgave_xyz")
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expect_error(folder, "provinces.csv", "missing column 'opgave_amv'")


def test_totals_do_not_reconcile(folder: Path):
    f = folder / "provinces.csv"
    edit_csv(f, 2, "opgave_regulier", str(int(cell(f, 2, "opgave_regulier")) + 10))
    expect_error(folder, "provinces.csv", "row 2", "opgave_regulier", "totals do not reconcile",
                 "Groningen", "surplus regulier")


def test_verdeelbesluit_below_opgave(folder: Path):
    f = folder / "provinces.csv"
    assert cell(f, 12, "code") == "NB"
    edit_csv(f, 12, "opgave_amv", str(int(cell(f, 12, "opgave_amv")) + 1))
    expect_error(folder, "provinces.csv", "row 12", "opgave_amv", "below its opgave")


def test_unreadable_files(folder: Path):
    (folder / "municipalities.csv").write_bytes(b"\xff\xfe\x00garbage\x81\x82")
    expect_error(folder, "municipalities.csv", "cannot read file")


def test_missing_file(folder: Path):
    (folder / "provinces.csv").unlink()
    expect_error(folder, "provinces.csv", "file not found")


def test_bad_yaml(folder: Path):
    (folder / "scenario.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    expect_error(folder, "scenario.yaml", "not valid YAML")


def test_dates_out_of_order(folder: Path):
    meta = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    meta["round"]["notification_deadline"] = "2025-08-01"
    (folder / "scenario.yaml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    expect_error(folder, "scenario.yaml", "round", "dates out of order")


def test_yaml_is_never_executed(folder: Path, tmp_path: Path):
    marker = tmp_path / "pwned"
    text = (folder / "scenario.yaml").read_text(encoding="utf-8")
    text += f"exploit: !!python/object/apply:os.system ['touch {marker}']\n"
    (folder / "scenario.yaml").write_text(text, encoding="utf-8")
    expect_error(folder, "scenario.yaml", "not valid YAML")
    assert not marker.exists()


def test_norms_min_above_max(folder: Path):
    meta = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    meta["norms"]["amv"]["min_size"] = 500
    (folder / "scenario.yaml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    expect_error(folder, "scenario.yaml", "norms.amv", "min_size 500 is above max_size")


def test_write_refuses_existing_folder(tmp_path: Path, nl2025):
    target = tmp_path / "exists"
    target.mkdir()
    (target / "keep.txt").write_text("x")
    from herverdeling.errors import OutputExistsError

    with pytest.raises(OutputExistsError):
        write_scenario(nl2025, target)
    assert (target / "keep.txt").exists()


def test_blank_line_keeps_row_numbers(folder: Path):
    """A blank line in a CSV is skipped, and later rows keep the line number an editor shows."""
    f = folder / "municipalities.csv"
    lines = f.read_text(encoding="utf-8").splitlines()
    lines.insert(3, "")  # a blank line 4
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    edit_csv(f, 9, "verdeelbesluit_amv", "-1")
    expect_error(folder, "municipalities.csv", "row 9", "verdeelbesluit_amv")
