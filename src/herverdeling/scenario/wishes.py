"""preferences.csv and partners.csv: the users' own wishes, read and checked against the scenario.

Both files are optional. A wish that names an unknown code, cannot hold (relief wanted where no
relief is possible, backing offered without extra places, a partner that is no plusprovincie or a
sink without restopgave) or contradicts another (relief wanted while every plusprovincie is
refused as partner) is refused with the file, row and field.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from herverdeling.errors import ScenarioError
from herverdeling.scenario.model import CATEGORIES, Scenario
from herverdeling.scenario.preferences import (
    MunicipalityPreference,
    PartnerPreference,
    Preferences,
)
from herverdeling.scenario.readers import Cells, Rows, TableSpec, check_columns, read_table

PREFERENCES_FILE = "preferences.csv"
PARTNERS_FILE = "partners.csv"
PREFERENCE_COLUMNS = ("cbs_code", "relief", "back_surplus", "host")
PARTNER_COLUMNS = ("sink", "source", "partner")
WISH_TABLES = {
    PREFERENCES_FILE: TableSpec(PREFERENCES_FILE, PREFERENCE_COLUMNS, ("cbs_code",)),
    PARTNERS_FILE: TableSpec(PARTNERS_FILE, PARTNER_COLUMNS, PARTNER_COLUMNS),
}
_YES_NO = {"yes": True, "ja": True, "no": False, "nee": False, "": None}


def _choice(value: str, allowed: tuple[str, ...], file: str, row: int, field: str) -> str:
    v = value.strip().lower()
    if v not in allowed:
        raise ScenarioError(f"'{value}' is not one of {', '.join(a or '(empty)' for a in allowed)}",
                            file=file, row=row, field=field)
    return v


def _yes_no(value: str, file: str, row: int, field: str) -> bool | None:
    return _YES_NO[_choice(value, tuple(_YES_NO), file, row, field)]


def read_wishes(folder: Path, scenario: Scenario) -> Preferences:
    """The wishes of a scenario folder (empty when neither file is there), checked."""
    muni: list[MunicipalityPreference] = []
    pairs: list[PartnerPreference] = []
    seen: dict[str, int] = {}
    path = folder / PREFERENCES_FILE
    if path.is_file():
        for row, get in _rows(path, PREFERENCES_FILE):
            code = get("cbs_code")
            where: dict[str, Any] = {"file": PREFERENCES_FILE, "row": row}
            if not scenario.has_municipality(code):
                raise ScenarioError(f"unknown municipality {code!r}", field="cbs_code", **where)
            if code in seen:
                raise ScenarioError(f"{code} has two rows (first on row {seen[code]})", field="cbs_code",
                                    **where)
            seen[code] = row
            m = scenario.municipality(code)
            relief = _choice(get("relief", "str", "any") or "any", ("wanted", "refused", "any"),
                             PREFERENCES_FILE, row, "relief")
            back = _yes_no(get("back_surplus", "str", ""), PREFERENCES_FILE, row, "back_surplus")
            host = _yes_no(get("host", "str", ""), PREFERENCES_FILE, row, "host")
            if relief == "wanted" and all(scenario.relief_cap(m, c) <= 0 for c in CATEGORIES):
                raise ScenarioError(f"{m.name} ({code}) wants relief but has no restopgave to be "
                                    "relieved of (P11)", field="relief", **where)
            if back and m.extra.total <= 0:
                raise ScenarioError(f"{m.name} ({code}) offers to back surplus but has no extra "
                                    "places (P2)", field="back_surplus", **where)
            muni.append(MunicipalityPreference(cbs_code=code, relief=relief,  # type: ignore[arg-type]
                                               back_surplus=back, host=host))
    path = folder / PARTNERS_FILE
    if path.is_file():
        plus, sinks = set(scenario.plusprovincies()), set(scenario.restopgave_provinces())
        first: dict[tuple[str, str], int] = {}
        for row, get in _rows(path, PARTNERS_FILE):
            where = {"file": PARTNERS_FILE, "row": row}
            codes = {}
            for field in ("sink", "source"):
                try:
                    codes[field] = scenario.resolve_province(get(field))
                except ScenarioError as exc:
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
            partner = _choice(get("partner"), ("preferred", "allowed", "refused"), PARTNERS_FILE,
                              row, "partner")
            pairs.append(PartnerPreference(sink=key[0], source=key[1], partner=partner))  # type: ignore[arg-type]
    prefs = Preferences(municipalities=tuple(muni), partners=tuple(pairs))
    for p in prefs.municipalities:  # two wishes that contradict each other
        sink = scenario.municipality(p.cbs_code).province
        if p.relief == "wanted" and all(prefs.partner(sink, src) == "refused"
                                        for src in scenario.plusprovincies()):
            raise ScenarioError(f"{p.cbs_code} wants relief, but {PARTNERS_FILE} refuses every "
                                f"plusprovincie as partner of {sink}", file=PREFERENCES_FILE,
                                row=seen[p.cbs_code], field="relief")
    return prefs


def _rows(path: Path, file: str) -> Iterator[tuple[int, Cells]]:
    frame = read_table(path, file=file)
    check_columns(frame.columns, WISH_TABLES[file])
    return Rows(frame, file).cells()


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
