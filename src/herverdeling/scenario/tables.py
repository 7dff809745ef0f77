"""Import one province's own verdeelbesluit table (Excel or CSV) through a column mapping."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from herverdeling.apportion import largest_remainder
from herverdeling.errors import ScenarioError
from herverdeling.scenario.model import CATEGORIES, Category, Municipality, Scenario, Tasks
from herverdeling.scenario.readers import (
    EXCEL_SUFFIXES,
    Rows,
    TableSpec,
    check_columns,
    closest,
    read_table,
)

IMPORT_FIELDS = {
    "cbs_code": "str", "name": "str", "province": "str", "may_host": "bool",
    **{f"{f}_{c}": "places" for f in ("verdeelbesluit", "restopgave", "own_plan", "extra")
       for c in CATEGORIES},
}
REQUIRED = ("verdeelbesluit_regulier", "verdeelbesluit_amv")
IGNORE = "ignore"  # `--map ignore=COLUMN`: a column of the table that is deliberately not read


def parse_mapping(items: list[str], fields: Mapping[str, str] = IMPORT_FIELDS) -> dict[str, str]:
    """`FIELD=COLUMN` items as {field: column}; the `ignore=COLUMN` ones joined under "ignore".

    `fields`: the fields the table may map (the verdeelbesluit's, or a monitor export's)."""
    out: dict[str, str] = {}
    ignored: list[str] = []
    for item in items:
        field, sep, column = item.partition("=")
        field, column = field.strip(), column.strip()
        if not sep or not field or not column:
            raise ScenarioError(f"--map expects FIELD=COLUMN, got {item!r}")
        if field == IGNORE:
            ignored.append(column)
            continue
        if field not in fields:
            guess = closest(field, fields)
            raise ScenarioError(f"--map: unknown field {field!r}"
                                f"{f' (did you mean {guess!r}?)' if guess else ''} (known: "
                                f"{', '.join(fields)}, or ignore=COLUMN)")
        if field in out:
            raise ScenarioError(f"--map: field {field!r} is mapped twice")
        out[field] = column
    if ignored:
        out[IGNORE] = "\x00".join(ignored)
    return out


def ignored_columns(mapping: Mapping[str, str]) -> tuple[str, ...]:
    """The columns `--map ignore=COLUMN` named."""
    return tuple(c for c in mapping.get(IGNORE, "").split("\x00") if c)


@dataclass(frozen=True)
class MappedTable:
    """A table read through `--map`: its rows under our field names, and which column is which.

    One reader for every table a user brings (verdeelbesluit, monitor export, wishes), so the
    same column rules and the same error locations hold for all of them.
    """

    file: str
    columns: dict[str, str]  # field -> the column it is read from (mapped, or its own name)
    present: dict[str, str]  # the fields whose column the table has
    found: tuple[str, ...]  # the table's columns, for 'missing column' messages
    rows: Rows

    def require(self, *fields: str) -> None:
        """Refuse a table that lacks the column of one of `fields` (named as the user would)."""
        for f in fields:
            if f not in self.present:
                raise ScenarioError(
                    f"missing column '{self.columns[f]}' for {f} (columns found: "
                    f"{', '.join(self.found)}; map another with --map {f}=COLUMN)",
                    file=self.file, row=1, field=self.columns[f])

    @contextmanager
    def user_columns(self) -> Iterator[None]:
        """Errors raised inside name the user's column next to our field: 'Ontlasting (relief)'."""
        try:
            yield
        except ScenarioError as exc:
            mapped = self.present.get(exc.field or "")
            if mapped is not None and mapped != exc.field:
                raise ScenarioError(exc.reason, file=exc.file, row=exc.row,
                                    field=f"{mapped} ({exc.field})") from None
            raise


def read_mapped(table: Path, fields: Mapping[str, str], mapping: Mapping[str, str], *,
                sheet: str | None = None) -> MappedTable:
    """Read a user's table (Excel or CSV): every column mapped to one of `fields` or ignored."""
    table = Path(table)
    file = table.name
    if sheet is not None and table.suffix.lower() not in EXCEL_SUFFIXES:
        # a CSV has no sheets: ignoring --sheet would import a table the user did not point at
        raise ScenarioError(f"--sheet only applies to Excel files ({', '.join(EXCEL_SUFFIXES)}); "
                            f"this is read as CSV, so leave out --sheet {sheet!r}", file=file)
    frame = read_table(table, sheet, sniff=True, file=file)
    columns = {f: mapping.get(f, f) for f in fields}
    present = {f: col for f, col in columns.items() if col in frame.columns}
    # Every column is read or deliberately ignored: a misspelt 'restopgave_reguleir' would
    # otherwise keep the base scenario's figures without a word.
    check_columns(frame.columns, TableSpec(file, tuple(present.values())), file=file,
                  extensions=ignored_columns(mapping),
                  suggest=[*fields, *(v for k, v in mapping.items() if k != IGNORE)],
                  hint="map it with --map FIELD=COLUMN, or skip it with --map ignore=COLUMN")
    rows = Rows(frame.rename(columns={v: k for k, v in present.items()}), file)
    return MappedTable(file, columns, present, tuple(map(str, frame.columns)), rows)


def import_verdeelbesluit(
    base: Scenario,
    table: Path,
    mapping: Mapping[str, str],
    *,
    sheet: str | None = None,
    name: str | None = None,
) -> Scenario:
    """Replace the tasks of the municipalities in `table`; everything is validated again.

    Rows are matched by CBS code (or by exact name when no code column is mapped). Fields the
    table does not give keep the base scenario's value; a changed plusprovincie gets its extra
    places re-derived by the builder's rule (in proportion to the excess over the indicative).
    """
    t = read_mapped(table, IMPORT_FIELDS, mapping, sheet=sheet)
    file, present = t.file, t.present
    key_field = "cbs_code" if "cbs_code" in present or "name" not in present else "name"
    t.require(key_field, *REQUIRED)
    by_name = {m.name: m for m in base.municipalities}
    with t.user_columns():
        updates = _read_updates(base, t.rows, present, key_field, by_name)
    if not updates:
        raise ScenarioError("the table has no rows", file=file)
    municipalities = [m.model_copy(update=updates.get(m.cbs_code, {}))
                      for m in base.municipalities]
    touched = {base.municipality(k).province for k in updates}
    explicit_extra = any(f"extra_{c}" in present for c in CATEGORIES)
    if not explicit_extra:
        municipalities = _rederive_extra(base, municipalities, touched)
    new = base.model_copy(update={"municipalities": tuple(municipalities),
                                  "name": name or base.name})
    new = Scenario.model_validate(new.model_dump())  # fresh caches, full validation
    try:
        new.check_consistency()
    except ScenarioError as exc:
        raise ScenarioError(f"after importing {file}: {exc.reason}", file=exc.file,
                            row=exc.row, field=exc.field) from None
    return new


def _read_updates(base: Scenario, rows: Rows, present: dict[str, str], key_field: str,
                  by_name: dict[str, Municipality]) -> dict[str, dict]:
    """Per CBS code, the fields the table changes; errors name our field (mapped back later)."""
    file = rows.file
    updates: dict[str, dict] = {}
    for row, get in rows.cells():
        key = get(key_field)
        if key_field == "cbs_code":
            if not base.has_municipality(key):
                raise ScenarioError(f"unknown CBS code {key!r}: not a municipality of scenario "
                                    f"{base.name}", file=file, row=row, field="cbs_code")
            m = base.municipality(key)
        else:
            if key not in by_name:
                raise ScenarioError(f"unknown municipality name {key!r}", file=file, row=row,
                                    field="name")
            m = by_name[key]
        if m.cbs_code in updates:
            raise ScenarioError(f"duplicate CBS code {m.cbs_code} ({m.name})", file=file, row=row,
                                field=key_field)
        if "province" in present:
            prov = get("province")
            try:
                named = base.resolve_province(prov)
            except ScenarioError:
                named = None
            if named != m.province:
                raise ScenarioError(
                    f"{m.name} ({m.cbs_code}) is in {base.province(m.province).name}, "
                    f"not in {prov!r}", file=file, row=row, field="province")
        change: dict = {}
        for f in ("verdeelbesluit", "restopgave", "own_plan", "extra"):
            given = {c: get(f"{f}_{c}", "places") for c in CATEGORIES if f"{f}_{c}" in present}
            if given:
                change[f] = getattr(m, f).model_copy(update=given)
        if "may_host" in present:
            change["may_host"] = get("may_host", "bool")
        updates[m.cbs_code] = change
    return updates


def _rederive_extra(base: Scenario, municipalities: list[Municipality],
                    provinces: set[str]) -> list[Municipality]:
    out = list(municipalities)
    for code in sorted(provinces):
        idx = [i for i, m in enumerate(out) if m.province == code]
        opgave = base.province(code).opgave
        extra: dict[int, dict[Category, int]] = {i: {} for i in idx}
        for c in CATEGORIES:
            surplus = sum(out[i].verdeelbesluit.get(c) for i in idx) - opgave.get(c)
            weights = {i: max(0, out[i].verdeelbesluit.get(c) - out[i].indicative.get(c))
                       for i in idx}
            if surplus > 0 and sum(weights.values()) > 0:
                share = largest_remainder(surplus, weights)
            else:
                share = dict.fromkeys(idx, 0)
            for i in idx:
                extra[i][c] = share[i]
        for i in idx:
            out[i] = out[i].model_copy(update={"extra": Tasks.of(extra[i])})
    return out
