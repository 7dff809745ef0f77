"""preferences.csv and partners.csv: the users' own wishes, read and checked against the scenario.

Both files are optional. A wish that names an unknown code, cannot hold (relief wanted where no
relief is possible, backing offered without extra places, a partner that is no plusprovincie or a
sink without restopgave) or contradicts another (relief wanted while every plusprovincie is
refused as partner) is refused with the file, row and field.

`import_wishes` reads the same wishes from a user's own Excel/CSV table through the column
mapping of the verdeelbesluit import (`tables.read_mapped`), and accepts the Dutch words a civil
servant types (gewenst, geweigerd, geen voorkeur, ja, nee, voorkeur, toegestaan); the csv files
hold the canonical English values.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from herverdeling.errors import ScenarioError
from herverdeling.scenario.model import CATEGORIES, Scenario
from herverdeling.scenario.preferences import (
    MunicipalityPreference,
    PartnerPreference,
    PartnerWish,
    Preferences,
    ReliefWish,
)
from herverdeling.scenario.readers import EXCEL_SUFFIXES, Rows, TableSpec, check_columns, read_table
from herverdeling.scenario.tables import read_mapped

PREFERENCES_FILE = "preferences.csv"
PARTNERS_FILE = "partners.csv"
PREFERENCE_COLUMNS = ("cbs_code", "relief", "back_surplus", "host")
PARTNER_COLUMNS = ("sink", "source", "partner")
WISH_TABLES = {
    PREFERENCES_FILE: TableSpec(PREFERENCES_FILE, PREFERENCE_COLUMNS, ("cbs_code",)),
    PARTNERS_FILE: TableSpec(PARTNERS_FILE, PARTNER_COLUMNS, PARTNER_COLUMNS),
}
T = TypeVar("T")
# The words a civil servant types in Excel, Dutch or English, and the value stored for each.
RELIEF_WORDS: dict[str, ReliefWish] = {
    "wanted": "wanted", "gewenst": "wanted",
    "refused": "refused", "geweigerd": "refused",
    "any": "any", "geen voorkeur": "any", "maakt niet uit": "any", "": "any",
}
PARTNER_WORDS: dict[str, PartnerWish] = {
    "preferred": "preferred", "voorkeur": "preferred", "voorkeurspartner": "preferred",
    "allowed": "allowed", "toegestaan": "allowed", "geen voorkeur": "allowed",
    "refused": "refused", "geweigerd": "refused", "uitgesloten": "refused",
}
# an Excel checkbox (WAAR/ONWAAR) arrives as true/false; empty: the scenario's own value holds
YES_NO: dict[str, bool | None] = {
    "yes": True, "ja": True, "true": True, "waar": True,
    "no": False, "nee": False, "false": False, "onwaar": False,
    "": None, "geen voorkeur": None,
}
# the fields a user's table may map with --map FIELD=COLUMN (`herverdeling import --wensen`)
PREFERENCE_FIELDS = {"cbs_code": "str", "name": "str", "relief": "str", "back_surplus": "str",
                     "host": "str"}
PARTNER_FIELDS = {"sink": "str", "source": "str", "partner": "str"}
WISH_KINDS = ("preferences", "partners")


def _word(value: str, words: Mapping[str, T], file: str, row: int, field: str) -> T:
    v = " ".join(value.lower().split())
    if v not in words:
        shown = ", ".join(dict.fromkeys(w or "(empty)" for w in words))
        raise ScenarioError(f"'{value}' is not one of {shown}", file=file, row=row, field=field)
    return words[v]


def read_wishes(folder: Path, scenario: Scenario) -> Preferences:
    """The wishes of a scenario folder (empty when neither file is there), checked."""
    muni: list[MunicipalityPreference] = []
    pairs: list[PartnerPreference] = []
    seen: dict[str, int] = {}
    for name, kind in ((PREFERENCES_FILE, "voorkeuren"), (PARTNERS_FILE, "partners")):
        # a workbook saved beside the csv would be ignored without a word: say how it is read
        for suffix in (*EXCEL_SUFFIXES, ".xls"):
            other = Path(name).with_suffix(suffix).name
            if (folder / other).is_file():
                raise ScenarioError(f"a scenario folder reads its wishes from {name}, not from a "
                                    f"workbook: import it with 'herverdeling import {other} --wensen "
                                    f"{kind} --scenario {folder} --out NEW_FOLDER'", file=other)
    path = folder / PREFERENCES_FILE
    if path.is_file():
        rows = _rows(path, PREFERENCES_FILE)
        if not set(rows.frame.columns) & {"relief", "back_surplus", "host"}:
            raise ScenarioError(f"no wish column: give at least one of relief, back_surplus, host "
                                f"(columns found: {', '.join(map(str, rows.frame.columns))})",
                                file=PREFERENCES_FILE, row=1)
        muni, seen = _preference_rows(scenario, rows)
    path = folder / PARTNERS_FILE
    if path.is_file():
        pairs, _ = _partner_rows(scenario, _rows(path, PARTNERS_FILE))
    prefs = Preferences(municipalities=tuple(muni), partners=tuple(pairs))
    hit = _contradiction(prefs, scenario)
    if hit is not None:
        code, sink = hit
        raise ScenarioError(f"{code} wants relief, but {PARTNERS_FILE} refuses every "
                            f"plusprovincie as partner of {sink}", file=PREFERENCES_FILE,
                            row=seen[code], field="relief")
    return prefs


def _preference_rows(scenario: Scenario, rows: Rows, *, named: bool = False
                     ) -> tuple[list[MunicipalityPreference], dict[str, int]]:
    """The rows of a preferences table, each checked; and the row each code is on.

    `named`: the table has a name column, checked against the CBS code."""
    file = rows.file
    muni: list[MunicipalityPreference] = []
    seen: dict[str, int] = {}
    for row, get in rows.cells():
        code = get("cbs_code").upper()  # CBS codes are upper case: gm0141 is GM0141
        where: dict[str, Any] = {"file": file, "row": row}
        if not scenario.has_municipality(code):
            raise ScenarioError(f"unknown municipality {code!r}", field="cbs_code", **where)
        if code in seen:
            raise ScenarioError(f"{code} has two rows (first on row {seen[code]})", field="cbs_code",
                                **where)
        seen[code] = row
        m = scenario.municipality(code)
        if named and get("name") != m.name:
            raise ScenarioError(f"{code} is {m.name}, not {get('name')!r}", field="name", **where)
        relief = _word(get("relief", "str", ""), RELIEF_WORDS, file, row, "relief")
        back = _word(get("back_surplus", "str", ""), YES_NO, file, row, "back_surplus")
        host = _word(get("host", "str", ""), YES_NO, file, row, "host")
        if relief == "wanted" and all(scenario.relief_cap(m, c) <= 0 for c in CATEGORIES):
            raise ScenarioError(f"{m.name} ({code}) wants relief but has no restopgave to be "
                                "relieved of (P11)", field="relief", **where)
        if back and m.extra.total <= 0:
            raise ScenarioError(f"{m.name} ({code}) offers to back surplus but has no extra "
                                "places (P2)", field="back_surplus", **where)
        muni.append(MunicipalityPreference(cbs_code=code, relief=relief, back_surplus=back,
                                           host=host))
    return muni, seen


def _partner_rows(scenario: Scenario, rows: Rows
                  ) -> tuple[list[PartnerPreference], dict[tuple[str, str], int]]:
    """The rows of a partners table, each checked; and the row each (sink, source) is on."""
    file = rows.file
    plus, sinks = set(scenario.plusprovincies()), set(scenario.restopgave_provinces())
    pairs: list[PartnerPreference] = []
    first: dict[tuple[str, str], int] = {}
    for row, get in rows.cells():
        where: dict[str, Any] = {"file": file, "row": row}
        codes = {}
        for field in ("sink", "source"):
            try:
                codes[field] = scenario.resolve_province(get(field))
            except ScenarioError as exc:
                if exc.row is not None:  # an empty cell: already names file, row and field
                    raise
                raise ScenarioError(exc.reason, field=field, **where) from None
        if codes["source"] not in plus:
            raise ScenarioError(f"{codes['source']} is no plusprovincie (P1)", field="source", **where)
        if codes["sink"] not in sinks:
            raise ScenarioError(f"{codes['sink']} had no restopgave (P3)", field="sink", **where)
        key = (codes["sink"], codes["source"])
        if key in first:
            raise ScenarioError(f"the pair {key[0]}-{key[1]} has two rows (first on row "
                                f"{first[key]})", field="source", **where)
        first[key] = row
        partner = _word(get("partner"), PARTNER_WORDS, file, row, "partner")
        pairs.append(PartnerPreference(sink=key[0], source=key[1], partner=partner))
    return pairs, first


def _contradiction(prefs: Preferences, scenario: Scenario) -> tuple[str, str] | None:
    """A municipality that wants relief while every plusprovincie is refused for its province."""
    for p in prefs.municipalities:
        sink = scenario.municipality(p.cbs_code).province
        if p.relief == "wanted" and all(prefs.partner(sink, src) == "refused"
                                        for src in scenario.plusprovincies()):
            return p.cbs_code, sink
    return None


def _rows(path: Path, file: str) -> Rows:
    # sniffed: a user edits these in Excel, which saves ';' and Windows-1252 in a Dutch locale
    frame = read_table(path, file=file, sniff=True)
    check_columns(frame.columns, WISH_TABLES[file])
    return Rows(frame, file)


def import_wishes(base: Scenario, table: Path, kind: str, mapping: Mapping[str, str], *,
                  sheet: str | None = None, name: str | None = None) -> Scenario:
    """`base` with the wishes of a user's table (Excel or CSV) as its preferences or partners.

    The table replaces that one kind of wish of `base` whole (it is the list as the province
    keeps it); the other kind stays. Every row is checked as preferences.csv / partners.csv
    are, the table against the kept wishes too, and errors name the user's own column.
    """
    if kind not in WISH_KINDS:
        raise ScenarioError(f"unknown kind of wishes {kind!r} ({', '.join(WISH_KINDS)})")
    t = read_mapped(table, PREFERENCE_FIELDS if kind == "preferences" else PARTNER_FIELDS,
                    mapping, sheet=sheet)
    kept = base.preferences
    if kind == "preferences":
        t.require("cbs_code")
        if not set(t.present) & {"relief", "back_surplus", "host"}:
            raise ScenarioError(f"no wish column: map at least one of relief, back_surplus, host "
                                f"(columns found: {', '.join(t.found)}; e.g. --map "
                                "relief=COLUMN)", file=t.file, row=1)
        with t.user_columns():
            muni, seen = _preference_rows(base, t.rows, named="name" in t.present)
        prefs = Preferences(municipalities=tuple(muni), partners=kept.partners)
    else:
        t.require(*PARTNER_COLUMNS)
        with t.user_columns():
            pairs, first = _partner_rows(base, t.rows)
        prefs = Preferences(municipalities=kept.municipalities, partners=tuple(pairs))
    if not (muni if kind == "preferences" else pairs):
        raise ScenarioError("the table has no rows", file=t.file)
    hit = _contradiction(prefs, base)
    if hit is not None:
        code, sink = hit
        with t.user_columns():
            if kind == "preferences":
                raise ScenarioError(f"{code} wants relief, but the scenario's {PARTNERS_FILE} "
                                    f"refuses every plusprovincie as partner of {sink}",
                                    file=t.file, row=seen[code], field="relief")
            row = max(first[(sink, src)] for src in base.plusprovincies())
            raise ScenarioError(f"this refuses the last plusprovincie left as partner of {sink}, "
                                f"but {code} wants relief ({PREFERENCES_FILE})", file=t.file,
                                row=row, field="partner")
    new = base.model_copy(update={"preferences": prefs, "name": name or base.name})
    return Scenario.model_validate(new.model_dump())  # fresh caches, full validation


def wish_frames(prefs: Preferences) -> dict[str, pd.DataFrame]:
    """The wishes as the two CSV tables (only those that hold a row)."""
    out = {}
    if prefs.municipalities:
        yn = {True: "yes", False: "no", None: ""}
        out[PREFERENCES_FILE] = pd.DataFrame(
            [(p.cbs_code, p.relief, yn[p.back_surplus], yn[p.host]) for p in prefs.municipalities],
            columns=list(PREFERENCE_COLUMNS))
    if prefs.partners:
        out[PARTNERS_FILE] = pd.DataFrame([(p.sink, p.source, p.partner) for p in prefs.partners],
                                          columns=list(PARTNER_COLUMNS))
    return out
