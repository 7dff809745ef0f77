"""Wishes from a user's own Excel/CSV table (`import_wishes`): Dutch headers and values in, the
canonical preferences.csv / partners.csv out; every bad row named by file, Excel row and the
user's own column."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from herverdeling.errors import ScenarioError
from herverdeling.scenario.io import load_scenario, write_scenario
from herverdeling.scenario.preferences import MunicipalityPreference, PartnerPreference, Preferences
from herverdeling.scenario.tables import parse_mapping
from herverdeling.scenario.wishes import PARTNER_FIELDS, PREFERENCE_FIELDS, import_wishes
from tests import factories as f

PREF_MAP = parse_mapping(["cbs_code=Gemeentecode", "name=Gemeente", "relief=Ontlasting",
                          "back_surplus=Overschot inzetten", "host=Gastgemeente",
                          "ignore=Toelichting"], PREFERENCE_FIELDS)
PREF_HEADER = ["Gemeentecode", "Gemeente", "Ontlasting", "Overschot inzetten", "Gastgemeente",
               "Toelichting"]
PART_MAP = parse_mapping(["sink=Restopgaveprovincie", "source=Plusprovincie", "partner=Wens"],
                         PARTNER_FIELDS)
PART_HEADER = ["Restopgaveprovincie", "Plusprovincie", "Wens"]


def country():
    """AA has surplus (GM0001, GM0002 back it); BB has restopgave in GM0003-5, none in GM0006."""
    return f.scenario([
        f.municipality(1, "AA", vb=(300, 30), extra=(60, 6)),
        f.municipality(2, "AA", vb=(200, 20), extra=(40, 4)),
        f.municipality(3, "BB", vb=(30, 5), rest=(30, 5)),
        f.municipality(4, "BB", vb=(40, 6), rest=(40, 6)),
        f.municipality(5, "BB", vb=(400, 40), rest=(50, 7)),
        f.municipality(6, "BB", vb=(200, 20)),
    ], name="wensen")


def xlsx(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Wensen"
    ws.append(header)
    for r in rows:
        ws.append(r)
    book.save(path)
    return path


# the table as a civil servant types it, and (independently) what each row means
PREF_ROWS: list[list[object]] = [
    ["GM0003", "Gemeente 3", "Gewenst", "", "ja", "wil graag ontlast worden"],
    ["GM0004", "Gemeente 4", "geweigerd", None, "NEE", ""],
    ["GM0001", "Gemeente 1", "geen voorkeur", "nee", True, "WAAR uit een vinkje"],
    ["GM0002", "Gemeente 2", None, "Ja", "geen voorkeur", None],
]
PREF_MEANT = (
    MunicipalityPreference(cbs_code="GM0003", relief="wanted", back_surplus=None, host=True),
    MunicipalityPreference(cbs_code="GM0004", relief="refused", back_surplus=None, host=False),
    MunicipalityPreference(cbs_code="GM0001", relief="any", back_surplus=False, host=True),
    MunicipalityPreference(cbs_code="GM0002", relief="any", back_surplus=True, host=None),
)


def test_dutch_preferences_from_excel_round_trip_into_the_scenario(tmp_path):
    path = xlsx(tmp_path / "voorkeuren.xlsx", PREF_HEADER, PREF_ROWS)
    new = import_wishes(country(), path, "preferences", PREF_MAP, name="mijn")
    out = write_scenario(new, tmp_path / "s")
    loaded = load_scenario(out)
    assert loaded.preferences == Preferences(municipalities=PREF_MEANT)
    assert loaded.name == "mijn"
    # the csv holds the canonical values, not the words typed in Excel
    assert (out / "preferences.csv").read_text() == (
        "cbs_code,relief,back_surplus,host\nGM0003,wanted,,yes\nGM0004,refused,,no\n"
        "GM0001,any,no,yes\nGM0002,any,yes,\n")
    assert loaded.municipalities == country().municipalities  # only the wishes changed


def test_partners_by_province_name_or_code_and_the_other_kind_is_kept(tmp_path):
    base = import_wishes(country(), xlsx(tmp_path / "v.xlsx", PREF_HEADER, PREF_ROWS),
                         "preferences", PREF_MAP)
    path = xlsx(tmp_path / "partners.xlsx", PART_HEADER, [["Provincie BB", "aa", "Voorkeur"]])
    new = import_wishes(base, path, "partners", PART_MAP)
    loaded = load_scenario(write_scenario(new, tmp_path / "s"))
    assert loaded.preferences.partners == (PartnerPreference(sink="BB", source="AA",
                                                             partner="preferred"),)
    assert loaded.preferences.municipalities == PREF_MEANT
    assert (tmp_path / "s" / "partners.csv").read_text() == "sink,source,partner\nBB,AA,preferred\n"


def test_a_csv_with_semicolons_reads_too(tmp_path):
    path = tmp_path / "voorkeuren.csv"
    path.write_text("Gemeentecode;Ontlasting\nGM0005;geweigerd\n", encoding="cp1252")
    new = import_wishes(country(), path, "preferences",
                        parse_mapping(["cbs_code=Gemeentecode", "relief=Ontlasting"],
                                      PREFERENCE_FIELDS))
    assert new.preferences.relief("GM0005") == "refused"


def _pref_error(tmp_path, rows, base=None, header=PREF_HEADER, mapping=PREF_MAP) -> ScenarioError:
    path = xlsx(tmp_path / "voorkeuren.xlsx", header, rows)
    with pytest.raises(ScenarioError) as err:
        import_wishes(base or country(), path, "preferences", mapping)
    assert err.value.file == "voorkeuren.xlsx"
    return err.value


def _row(code, relief="", back="", host="", name=None):
    return [code, name or f"Gemeente {int(code[2:])}", relief, back, host, ""]


@pytest.mark.parametrize(("rows", "row", "field", "fragment"), [
    ([_row("GM0003", "gewenst"), _row("GM9999", "gewenst", name="X")], 3,
     "Gemeentecode (cbs_code)", "unknown municipality 'GM9999'"),
    ([_row("GM0003", "misschien")], 2, "Ontlasting (relief)", "'misschien' is not one of"),
    ([_row("GM0003", host="soms")], 2, "Gastgemeente (host)", "not one of yes, ja"),
    ([_row("GM0003"), _row("GM0004"), _row("GM0003", "geweigerd")], 4, "Gemeentecode (cbs_code)",
     "two rows (first on row 2)"),
    ([_row("GM0006", "gewenst")], 2, "Ontlasting (relief)", "no restopgave"),
    ([_row("GM0003", back="ja")], 2, "Overschot inzetten (back_surplus)", "no extra places"),
    ([_row("GM0003", name="Gemeente 4")], 2, "Gemeente (name)", "is Gemeente 3"),
])
def test_a_bad_preference_names_the_excel_row_and_the_users_column(tmp_path, rows, row, field,
                                                                   fragment):
    err = _pref_error(tmp_path, rows)
    assert (err.row, err.field) == (row, field)
    assert fragment in err.reason


def test_an_unknown_column_is_refused_with_a_hint(tmp_path):
    err = _pref_error(tmp_path, [[*_row("GM0003", "gewenst"), "x"]],
                      header=[*PREF_HEADER, "Opmerking"])
    assert (err.row, err.field) == (1, "Opmerking")
    assert "--map ignore=COLUMN" in err.reason


def test_a_table_without_a_wish_column_is_refused(tmp_path):
    err = _pref_error(tmp_path, [["GM0003", "Gemeente 3"]], header=["Gemeentecode", "Gemeente"],
                      mapping=parse_mapping(["cbs_code=Gemeentecode", "name=Gemeente"],
                                            PREFERENCE_FIELDS))
    assert "no wish column" in err.reason


def _partners(tmp_path, rows) -> Path:
    return xlsx(tmp_path / "partners.xlsx", PART_HEADER, rows)


def test_relief_wanted_against_refused_partners_is_a_contradiction(tmp_path):
    refusing = import_wishes(country(), _partners(tmp_path, [["BB", "AA", "geweigerd"]]),
                             "partners", PART_MAP)
    err = _pref_error(tmp_path, [_row("GM0004"), _row("GM0003", "gewenst")], base=refusing)
    assert (err.row, err.field) == (3, "Ontlasting (relief)")
    assert "refuses every plusprovincie" in err.reason


def test_refusing_the_last_partner_of_a_wanted_relief_is_a_contradiction(tmp_path):
    wanting = import_wishes(country(), xlsx(tmp_path / "v.xlsx", PREF_HEADER, PREF_ROWS),
                            "preferences", PREF_MAP)
    with pytest.raises(ScenarioError) as err:
        import_wishes(wanting, _partners(tmp_path, [["BB", "AA", "uitgesloten"]]), "partners",
                      PART_MAP)
    assert (err.value.file, err.value.row, err.value.field) == ("partners.xlsx", 2, "Wens (partner)")
    assert "GM0003 wants relief" in err.value.reason


@pytest.mark.parametrize(("rows", "row", "field", "fragment"), [
    ([["BB", "ZZ", "voorkeur"]], 2, "Plusprovincie (source)", "unknown province 'ZZ'"),
    ([["AA", "BB", "voorkeur"]], 2, "Plusprovincie (source)", "no plusprovincie"),
    ([["AA", "AA", "voorkeur"]], 2, "Restopgaveprovincie (sink)", "had no restopgave"),
    ([["BB", "AA", "misschien"]], 2, "Wens (partner)", "not one of preferred"),
    ([["BB", "AA", "voorkeur"], ["Provincie BB", "aa", "toegestaan"]], 3, "Plusprovincie (source)",
     "two rows (first on row 2)"),
])
def test_a_bad_partner_wish_names_the_excel_row_and_the_users_column(tmp_path, rows, row, field,
                                                                     fragment):
    with pytest.raises(ScenarioError) as err:
        import_wishes(country(), _partners(tmp_path, rows), "partners", PART_MAP)
    assert (err.value.file, err.value.row, err.value.field) == ("partners.xlsx", row, field)
    assert fragment in err.value.reason
