"""realisation.csv: places realised per municipality and category, with a date and a source.

The monitor (issue 17, point 2) compares these with the task IBT holds each municipality to. The
file is optional in a scenario folder, and a province's own monitor export (Excel or CSV) reads
through the same column mapping and error rules as the verdeelbesluit import (`--map FIELD=COLUMN`,
`--map ignore=COLUMN`).

It is deliberately *not* a field of the Scenario: the proposals are bound to the scenario's
content hash, and realisation figures change every month while the agreements stay what they
are. A new monitor export must not turn signed agreements into proposals "for another scenario".

Two layouts are read: long (`cbs_code, category, realised, date, source`, one row per category)
or wide (`cbs_code, realised_regulier, realised_amv, date, source`, one row per municipality).
Refused, with file, row and field: an unknown CBS code, a number that is negative or not whole,
a date that is not a date (ISO 2025-06-30 or Dutch 30-06-2025), a category other than regulier or
AMV, and a second row for the same municipality and category.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from herverdeling.errors import ScenarioError
from herverdeling.scenario.model import CATEGORIES, CBS_PATTERN, Category, Scenario
from herverdeling.scenario.readers import Cells, Rows
from herverdeling.scenario.text import LongText

REALISATION_FILE = "realisation.csv"
REALISATION_COLUMNS = ("cbs_code", "category", "realised", "date", "source")
# every field a monitor export may map a column to (`--map FIELD=COLUMN`)
REALISATION_FIELDS = {"cbs_code": "str", "name": "str", "category": "str", "realised": "places",
                      **{f"realised_{c}": "places" for c in CATEGORIES}, "date": "date",
                      "source": "str"}
_DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S")
_CATEGORY_WORDS = {"regulier": "regulier", "reg": "regulier", "amv": "amv"}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Realised(_Frozen):
    """Places one municipality realised in one category, as of `date`, according to `source`."""

    cbs_code: str = Field(pattern=CBS_PATTERN)
    category: Category
    realised: int = Field(ge=0)
    date: dt.date
    source: LongText = ""


class Realisation(_Frozen):
    """All realisation figures of a monitor (empty: nothing reported)."""

    rows: tuple[Realised, ...] = ()
    file: str = ""  # where they were read from, for the papers

    @model_validator(mode="after")
    def _unique(self) -> Realisation:
        keys = [(r.cbs_code, r.category) for r in self.rows]
        if len(set(keys)) != len(keys):
            raise ValueError("a municipality and category has two rows of realisation")
        return self

    @cached_property
    def _index(self) -> dict[tuple[str, Category], Realised]:
        return {(r.cbs_code, r.category): r for r in self.rows}

    def of(self, code: str, category: Category) -> Realised | None:
        return self._index.get((code, category))


def parse_date(raw: str, *, file: str, row: int, field: str) -> dt.date:
    """An ISO (2025-06-30) or Dutch (30-06-2025) date; an Excel date arrives as ISO."""
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise ScenarioError(f"expected a date such as 2025-06-30 or 30-06-2025, got {raw!r}", file=file,
                        row=row, field=field)


def read_realisation(path: str | Path, scenario: Scenario, mapping: Mapping[str, str] | None = None,
                     *, sheet: str | None = None) -> Realisation:
    """Read realisation.csv or a monitor export; every cell is checked against the scenario.

    `mapping` is {field: column} as `parse_mapping` makes it (`ignore` lists skipped columns).
    """
    from herverdeling.scenario.tables import read_mapped

    t = read_mapped(Path(path), REALISATION_FIELDS, mapping or {}, sheet=sheet)
    present = t.present
    wide = [c for c in CATEGORIES if f"realised_{c}" in present]
    long = "realised" in present
    needed = ["cbs_code", "date"] + (["category"] if long or not wide else [])
    if not wide and not long:
        needed.append("realised")
    if long and wide:
        raise ScenarioError("give either realised with category (one row per category) or "
                            "realised_regulier / realised_amv (one row per municipality), not both",
                            file=t.file, row=1, field=present["realised"])
    t.require(*needed)
    with t.user_columns():
        out = _read_rows(scenario, t.rows, present, wide)
    if not out:
        raise ScenarioError("the table has no rows", file=t.file)
    return Realisation(rows=tuple(sorted(out, key=lambda r: (r.cbs_code, CATEGORIES.index(r.category)))),
                       file=t.file)


def _read_rows(scenario: Scenario, rows: Rows, present: dict[str, str],
               wide: list[Category]) -> list[Realised]:
    file = rows.file
    first: dict[tuple[str, Category], int] = {}
    out: list[Realised] = []
    for row, get in rows.cells():
        code = get("cbs_code")
        if not scenario.has_municipality(code):
            raise ScenarioError(f"unknown CBS code {code!r}: not a municipality of scenario "
                                f"{scenario.name}", file=file, row=row, field="cbs_code")
        if "name" in present and get("name") != scenario.municipality(code).name:
            raise ScenarioError(f"{code} is {scenario.municipality(code).name}, not {get('name')!r}",
                                file=file, row=row, field="name")
        when = parse_date(get("date"), file=file, row=row, field="date")
        source = get("source", "str", "") if "source" in present else ""
        for cat, realised in _values(get, wide, file, row):
            key = (code, cat)
            if key in first:
                raise ScenarioError(f"{code} ({scenario.municipality(code).name}) has two rows for "
                                    f"{cat} (first on row {first[key]})", file=file, row=row,
                                    field="category" if not wide else f"realised_{cat}")
            first[key] = row
            out.append(Realised(cbs_code=code, category=cat, realised=realised, date=when,
                                source=source))
    return out


def _values(get: Cells, wide: list[Category], file: str, row: int) -> list[tuple[Category, int]]:
    if wide:
        return [(c, get(f"realised_{c}", "places")) for c in wide]
    word = get("category").strip().lower()
    if word not in _CATEGORY_WORDS:
        raise ScenarioError(f"'{word}' is not a category: regulier or amv", file=file, row=row,
                            field="category")
    cat: Category = "regulier" if _CATEGORY_WORDS[word] == "regulier" else "amv"
    return [(cat, get("realised", "places"))]


def scenario_realisation(folder: str | Path, scenario: Scenario) -> Realisation:
    """The scenario folder's realisation.csv, checked; empty when the folder has none."""
    path = Path(folder) / REALISATION_FILE
    return read_realisation(path, scenario) if path.is_file() else Realisation()


def realisation_frame(realisation: Realisation) -> pd.DataFrame:
    """realisation.csv as written (long layout, ISO dates): reads back to the same rows."""
    return pd.DataFrame([(r.cbs_code, r.category, r.realised, r.date.isoformat(), r.source)
                         for r in realisation.rows], columns=list(REALISATION_COLUMNS))
