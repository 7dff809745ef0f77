"""preferences.csv and partners.csv: read, checked, written back, and respected by the deal chain."""

from __future__ import annotations

import pytest

from herverdeling.errors import ScenarioError
from herverdeling.pipeline import run_chain
from herverdeling.run import RunSettings
from herverdeling.scenario.io import load_scenario, write_scenario
from tests import factories as f


def country():
    return f.scenario([
        f.municipality(1, "AA", vb=(300, 30), extra=(60, 6), lat=52.50, lon=6.00),
        f.municipality(2, "AA", vb=(200, 20), extra=(40, 4), lat=52.55, lon=6.10),
        f.municipality(3, "BB", vb=(30, 5), rest=(30, 5), lat=51.50, lon=5.00),
        f.municipality(4, "BB", vb=(40, 6), rest=(40, 6), lat=51.55, lon=5.05),
        f.municipality(5, "BB", vb=(400, 40), rest=(50, 7), lat=51.52, lon=5.10),
        f.municipality(6, "BB", vb=(200, 20), lat=51.45, lon=5.25),
    ], name="wensen")


@pytest.fixture
def folder(tmp_path):
    return write_scenario(country(), tmp_path / "s")


def test_wishes_load_and_round_trip(folder, tmp_path):
    (folder / "preferences.csv").write_text("cbs_code,relief,back_surplus,host\n"
                                            "GM0004,refused,,\nGM0002,any,no,\nGM0006,,,nee\n")
    (folder / "partners.csv").write_text("sink,source,partner\nBB,AA,preferred\n")
    s = load_scenario(folder)
    assert s.preferences.relief("GM0004") == "refused"
    assert not s.preferences.may_back("GM0002")
    assert not s.may_take_on(s.municipality("GM0006"))
    assert s.preferences.partner("BB", "AA") == "preferred"
    again = load_scenario(write_scenario(s, tmp_path / "again"))
    assert again.preferences == s.preferences
    assert again.content_hash() == s.content_hash()


@pytest.mark.parametrize(("file", "text", "row", "field", "fragment"), [
    ("preferences.csv", "cbs_code,relief\nGM9999,wanted\n", 2, "cbs_code", "unknown municipality"),
    ("preferences.csv", "cbs_code,relief\nGM0003,maybe\n", 2, "relief", "not one of"),
    ("preferences.csv", "cbs_code,relief\nGM0006,wanted\n", 2, "relief", "no restopgave"),
    ("preferences.csv", "cbs_code,back_surplus\nGM0003,yes\n", 2, "back_surplus", "no extra places"),
    ("preferences.csv", "cbs_code,relief\nGM0003,any\nGM0003,refused\n", 3, "cbs_code", "two rows"),
    ("preferences.csv", "cbs_code,relief,hots\nGM0003,any,\n", None, None, "hots"),
    ("partners.csv", "sink,source,partner\nAA,BB,allowed\n", 2, "source", "no plusprovincie"),
    ("preferences.csv", "cbs_code\nGM0003\n", 1, None, "no wish column"),
    ("preferences.csv", "cbs_code;relief\nGM0003;maybe\n", 2, "relief", "not one of"),
])
def test_bad_wishes_name_file_row_and_field(folder, file, text, row, field, fragment):
    (folder / file).write_text(text)
    with pytest.raises(ScenarioError, match=fragment) as err:
        load_scenario(folder)
    assert err.value.file == file
    if row is not None:
        assert (err.value.row, err.value.field) == (row, field)


def test_wishes_as_excel_saves_them(folder):
    """A Dutch Excel saves ';' in Windows-1252 and keeps a code as typed: both read as meant."""
    (folder / "preferences.csv").write_bytes("cbs_code;relief;back_surplus;host\n"
                                             "gm0004;geweigerd;;\nGM0006;;;nee\n".encode("cp1252"))
    (folder / "partners.csv").write_text("sink;source;partner\nBB;AA;voorkeur\n")
    s = load_scenario(folder)
    assert s.preferences.relief("GM0004") == "refused"
    assert not s.may_take_on(s.municipality("GM0006"))
    assert s.preferences.partner("BB", "AA") == "preferred"


@pytest.mark.parametrize("name", ["preferences.xlsx", "partners.xlsx", "preferences.xls"])
def test_a_workbook_beside_the_wishes_is_refused_with_the_import_command(folder, name):
    """A workbook in the folder would be ignored without a word: it is refused, naming it and
    the import that reads it."""
    (folder / name).write_bytes(b"PK\x03\x04")
    with pytest.raises(ScenarioError, match="herverdeling import") as err:
        load_scenario(folder)
    assert err.value.file == name
    assert "--wensen" in str(err.value)


def test_contradicting_wishes_are_refused(folder):
    (folder / "preferences.csv").write_text("cbs_code,relief\nGM0003,wanted\n")
    (folder / "partners.csv").write_text("sink,source,partner\nBB,AA,refused\n")
    with pytest.raises(ScenarioError, match="refuses every plusprovincie"):
        load_scenario(folder)


def test_the_deal_chain_respects_a_refused_relief_and_a_host_no(folder):
    plain = load_scenario(folder)
    base = run_chain(plain, RunSettings(scenario=plain.name, surplus_model="deals"))
    relieved = {t.from_code for p in base.proposals.proposals if p.kind == "surplus_swap"
                for t in p.transfers}
    assert "GM0005" in relieved
    (folder / "preferences.csv").write_text("cbs_code,relief\nGM0005,refused\n")
    pinned = load_scenario(folder)
    result = run_chain(pinned, RunSettings(scenario=pinned.name, surplus_model="deals"))
    assert result.report is not None
    assert result.report.errors == ()
    assert "GM0005" not in {t.from_code for p in result.proposals.proposals
                            if p.kind == "surplus_swap" for t in p.transfers}


def test_show_lists_the_wishes(folder):
    from herverdeling.scenario.views import province_overview, render_overview

    (folder / "preferences.csv").write_text("cbs_code,relief\nGM0004,refused\n")
    s = load_scenario(folder)
    text = render_overview(s, province_overview(s))
    assert "Wensen" in text
    assert "(GM0004): ontlasting refused" in text
