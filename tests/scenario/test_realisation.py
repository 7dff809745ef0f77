"""realisation.csv and monitor exports: both layouts, the column mapping, and one clear error
(file, row, field) for every kind of bad cell; the scenario's content hash does not move."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from herverdeling.errors import ScenarioError
from herverdeling.scenario.io import load_scenario, write_scenario
from herverdeling.scenario.realisation import (
    REALISATION_FIELDS,
    REALISATION_FILE,
    read_realisation,
    realisation_frame,
    scenario_realisation,
)
from herverdeling.scenario.tables import parse_mapping
from tests.strategies import base_case

HEAD = "cbs_code,category,realised,date,source\n"


@pytest.fixture(scope="module")
def s():
    return base_case()[0]


def _csv(tmp_path: Path, body: str, head: str = HEAD, name: str = "r.csv") -> Path:
    path = tmp_path / name
    path.write_text(head + body, encoding="utf-8")
    return path


def test_long_layout_reads_and_round_trips(s, tmp_path):
    path = _csv(tmp_path, "GM0101,regulier,80,2025-12-31,monitor PA\nGM0101,AMV,4,31-12-2025,\n")
    r = read_realisation(path, s)
    got = r.of("GM0101", "amv")
    assert got is not None
    assert (got.realised, got.date) == (4, dt.date(2025, 12, 31))
    assert r.of("GM0101", "regulier").source == "monitor PA"
    assert r.of("GM0102", "regulier") is None
    again = tmp_path / REALISATION_FILE
    realisation_frame(r).to_csv(again, index=False, lineterminator="\n")
    assert read_realisation(again, s).rows == r.rows


def test_a_province_export_in_excel_through_the_mapping(s, tmp_path):
    book = Workbook()
    ws = book.active
    ws.append(["Gemeentecode", "Gemeente", "Gerealiseerd regulier", "Gerealiseerd AMV", "Peildatum",
               "Opmerking"])
    ws.append(["GM0204", "Gemeente 204", 69, 8, dt.datetime(2025, 12, 31), "x"])
    path = tmp_path / "export.xlsx"
    book.save(path)
    mapping = parse_mapping(["cbs_code=Gemeentecode", "name=Gemeente",
                             "realised_regulier=Gerealiseerd regulier",
                             "realised_amv=Gerealiseerd AMV", "date=Peildatum", "ignore=Opmerking"],
                            REALISATION_FIELDS)
    r = read_realisation(path, s, mapping)
    assert [(x.category, x.realised, x.date) for x in r.rows] == [
        ("regulier", 69, dt.date(2025, 12, 31)), ("amv", 8, dt.date(2025, 12, 31))]
    # an unmapped extra column is refused, with the closest field
    with pytest.raises(ScenarioError) as err:
        read_realisation(path, s, {k: v for k, v in mapping.items() if k != "ignore"})
    assert (err.value.file, err.value.row, err.value.field) == ("export.xlsx", 1, "Opmerking")


@pytest.mark.parametrize(("body", "row", "field", "fragment"), [
    ("GM9999,regulier,1,2025-12-31,\n", 2, "cbs_code", "unknown CBS code 'GM9999'"),
    ("GM0101,regulier,-3,2025-12-31,\n", 2, "realised", "must be >= 0"),
    ("GM0101,regulier,2.5,2025-12-31,\n", 2, "realised", "whole numbers"),
    ("GM0101,regulier,1.250,2025-12-31,\n", 2, "realised", "thousands separator"),
    ("GM0101,regulier,1,2025-13-45,\n", 2, "date", "expected a date"),
    ("GM0101,regulier,1,gisteren,\n", 2, "date", "expected a date"),
    ("GM0101,regulier,1,2025-12-31,\nGM0101,regulier,2,2025-12-31,\n", 3, "category",
     "two rows for regulier (first on row 2)"),
    ("GM0101,asiel,1,2025-12-31,\n", 2, "category", "not a category"),
    ("GM0101,regulier,,2025-12-31,\n", 2, "realised", "empty cell"),
])
def test_bad_cells_name_file_row_and_field(s, tmp_path, body, row, field, fragment):
    with pytest.raises(ScenarioError) as err:
        read_realisation(_csv(tmp_path, body), s)
    assert (err.value.file, err.value.row, err.value.field) == ("r.csv", row, field)
    assert fragment in err.value.reason


def test_a_mapped_column_is_named_as_the_user_wrote_it(s, tmp_path):
    path = _csv(tmp_path, "GM0101,regulier,-1,2025-12-31\n", head="code,cat,Aantal,datum\n")
    mapping = parse_mapping(["cbs_code=code", "category=cat", "realised=Aantal", "date=datum"],
                            REALISATION_FIELDS)
    with pytest.raises(ScenarioError) as err:
        read_realisation(path, s, mapping)
    assert err.value.field == "Aantal (realised)"
    with pytest.raises(ScenarioError, match="unknown field 'realized'"):
        parse_mapping(["realized=Aantal"], REALISATION_FIELDS)


def test_missing_and_mixed_layouts_are_refused(s, tmp_path):
    with pytest.raises(ScenarioError, match="missing column 'date'"):
        read_realisation(_csv(tmp_path, "GM0101,regulier,1\n", head="cbs_code,category,realised\n"), s)
    with pytest.raises(ScenarioError, match="not both"):
        read_realisation(_csv(tmp_path, "GM0101,regulier,1,1,2025-01-01\n",
                              head="cbs_code,category,realised,realised_amv,date\n"), s)
    with pytest.raises(ScenarioError, match="no rows"):
        read_realisation(_csv(tmp_path, ""), s)


def test_realisation_does_not_change_the_scenario_hash(s, tmp_path):
    """The proposals are bound to the content hash; a new monitor export must not unbind them."""
    folder = write_scenario(s, tmp_path / "scen")
    before = load_scenario(folder).content_hash()
    _csv(folder, "GM0101,regulier,80,2025-12-31,\n", name=REALISATION_FILE)
    assert load_scenario(folder).content_hash() == before == s.content_hash()
    assert len(scenario_realisation(folder, s).rows) == 1
    assert scenario_realisation(tmp_path, s).rows == ()
