"""The optional uitruil columns of municipalities.csv: read, validated, written back exactly."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from herverdeling.errors import ScenarioError
from herverdeling.resources import bundled_dir
from herverdeling.scenario.io import MUNICIPALITY_COLUMNS, UITRUIL_COLUMNS, load_scenario, write_scenario
from herverdeling.scenario.model import Tasks, UitruilInputs
from herverdeling.uitruil import load_uitruil_settings
from tests.factories import municipality, scenario


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    dst = tmp_path / "sc"
    shutil.copytree(bundled_dir("scenarios") / "nl-2025", dst)
    return dst


def rewrite(path: Path, edit) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows = edit(rows)
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    def edit(rows):
        rows[row - 1][rows[0].index(column)] = value
        return rows
    rewrite(path, edit)


def test_round_trip_of_uitruil_inputs_is_exact(tmp_path: Path):
    ms = [municipality(1, "AA", vb=(20, 3)).model_copy(update={"uitruil": UitruilInputs(
              request=Tasks(regulier=12, amv=2), statushouders_task=40, ukraine_reception=90,
              offers_in_return="oekrainers")}),
          municipality(2, "AA", vb=(300, 20)).model_copy(update={"uitruil": UitruilInputs(
              offer=Tasks(regulier=60, amv=4), statushouders_task=700)}),
          municipality(3, "AA", vb=(5, 0))]
    s = scenario(ms)
    out = write_scenario(s, tmp_path / "a")
    again = load_scenario(out)
    assert again == s
    out2 = write_scenario(again, tmp_path / "b")
    for name in ("scenario.yaml", "provinces.csv", "municipalities.csv"):
        assert (out / name).read_text(encoding="utf-8") == (out2 / name).read_text(encoding="utf-8")


def test_bundled_scenario_has_the_layer_and_round_trips(nl2025, tmp_path: Path):
    assert any(m.uitruil.request.total for m in nl2025.municipalities)
    assert any(m.uitruil.offer.total for m in nl2025.municipalities)
    assert "A-uitruil" in {a.id for a in nl2025.assumptions}
    out = write_scenario(nl2025, tmp_path / "copy")
    original = (bundled_dir("scenarios") / "nl-2025" / "municipalities.csv").read_text(encoding="utf-8")
    assert (out / "municipalities.csv").read_text(encoding="utf-8") == original
    assert MUNICIPALITY_COLUMNS[-len(UITRUIL_COLUMNS):] == UITRUIL_COLUMNS


def test_absent_columns_read_as_zero(folder: Path):
    path = folder / "municipalities.csv"

    def drop(rows):
        keep = [i for i, c in enumerate(rows[0]) if c not in UITRUIL_COLUMNS]
        return [[r[i] for i in keep] for r in rows]
    rewrite(path, drop)
    s = load_scenario(folder)
    assert all(m.uitruil == UitruilInputs() for m in s.municipalities)


@pytest.mark.parametrize(("column", "value", "fragment"), [
    ("offer_regulier", "-5", "must be >= 0"),
    ("request_amv", "2.5", "whole numbers"),
    ("statushouders_task", "veel", "expected a whole number"),
    ("ukraine_reception", "-1", "must be >= 0"),
    ("offers_in_return", "geld", "expected one of none, statushouders, oekrainers"),
])
def test_bad_value_names_file_row_and_field(folder: Path, column: str, value: str, fragment: str):
    set_cell(folder / "municipalities.csv", 9, column, value)
    with pytest.raises(ScenarioError) as info:
        load_scenario(folder)
    err = info.value
    assert (err.file, err.row, err.field) == ("municipalities.csv", 9, column)
    assert fragment in str(err)
    assert value in str(err)


def test_settings_load_with_sources():
    cfg = load_uitruil_settings()
    assert cfg.id == "default"
    assert cfg.exchange_rates.statushouders == 1.0  # the public Amsterdam example, 1:1
    for key in ("exchange_rates", "tolerance", "max_distance_km", "solver"):
        assert cfg.sources.get(key)
    assert cfg.solver.num_workers == 1
    assert cfg.solver.max_deterministic_time is not None
