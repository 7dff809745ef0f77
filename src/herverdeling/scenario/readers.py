"""Reading tables (CSV or Excel) and their cells: one reader and one cell parser for every table.

Every problem names the file, the row as a spreadsheet shows it (the header is row 1) and the
field. What the readers refuse, and why:

- an unknown or duplicated column (a misspelt `restopgave_reguleir` silently zeroed 5,132 places;
  pandas renames a second `x` to `x.1`, which was then dropped), with the closest known name;
- a number that is not plain ASCII digits: `1,250`, `1.250`, `12,5`, `1e3`, `245_250`, `١٢`,
  `inf`: a separator could mean thousands or decimals, so none is guessed;
- an Excel workbook renamed to .csv, a hidden or ambiguous sheet, a formula instead of a value;
- anything above the limits of models/limits/default.yaml, before it is parsed.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from herverdeling.errors import ScenarioError
from herverdeling.limits import check_file_size, check_xlsx_uncompressed, limits
from herverdeling.scenario.text import text_problem

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls


# ---- columns -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class TableSpec:
    """The columns a table may have: every other column is an error (or a declared extension)."""

    file: str
    known: tuple[str, ...]
    required: tuple[str, ...] = ()


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known name a misspelt one most likely meant (difflib), if any is close."""
    match = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return match[0] if match else None


def check_columns(columns: Iterable[str], spec: TableSpec, *, file: str | Path | None = None,
                  extensions: Iterable[str] = (), hint: str | None = None,
                  suggest: Iterable[str] | None = None) -> None:
    """Refuse a missing required column, then any column neither known nor declared.

    The message suggests the closest of `suggest` (default: the known columns not present).
    """
    file = file or spec.file
    present = list(columns)
    known = (*spec.known, *extensions)
    unknown = [c for c in present if c not in known]
    for col in spec.required:
        if col not in present:
            guess = closest(col, unknown)
            also = f"; is '{guess}' a misspelling of it?" if guess else ""
            raise ScenarioError(f"missing column '{col}' (columns found: {', '.join(present)}){also}",
                                file=file, row=1, field=col)
    for col in unknown:
        pool = list(suggest) if suggest is not None else [k for k in known if k not in present]
        guess = closest(col, [k for k in pool if k != col]) or (
            closest(col, known) if suggest is None else None)
        meant = f": did you mean '{guess}'?" if guess else ""
        rest = hint or ("a column the tool does not know would be ignored; rename it, or declare "
                        f"it in scenario.yaml under extensions: {{{spec.file}: [{col}]}}")
        raise ScenarioError(f"unknown column '{col}'{meant} ({rest})", file=file, row=1, field=col)


def _check_header(header: list[str], file: str | Path) -> None:
    seen: dict[str, int] = {}
    for i, col in enumerate(header):
        if col in seen:
            raise ScenarioError(f"duplicate column '{col}' (columns {seen[col] + 1} and {i + 1}): "
                                "a second copy would be dropped; keep one", file=file, row=1,
                                field=col)
        seen[col] = i


# ---- reading -----------------------------------------------------------------------------------
class Formula(str):
    """An Excel cell that holds a formula (its text); refused when the cell is read."""


def read_table(path: Path, sheet: str | None = None, *, sniff: bool = False,
               file: str | Path | None = None) -> pd.DataFrame:
    """CSV or Excel as text cells (object dtype); any read failure is a ScenarioError naming the file.

    `sniff`: the table comes from outside (a `;` file in Windows-1252 is accepted); our own
    files are UTF-8 with `,`.
    """
    path = Path(path)
    file = file or path
    if not path.is_file():
        raise ScenarioError("file not found", file=file)
    lim = limits()
    check_file_size(path, lim.table_max_bytes, setting="table_max_bytes", file=file)
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise ScenarioError("the old Excel format .xls is not read: save it as .xlsx or as "
                            "'CSV UTF-8'", file=file)
    if suffix in EXCEL_SUFFIXES:
        header, rows = _read_excel(path, sheet, file)
    else:
        header, rows = _read_csv(path, sniff, file)
    header, rows = _drop_empty_columns(header, rows, file)
    _check_header(header, file)
    return pd.DataFrame(rows, columns=header, dtype=object)


def _too_many_rows(file: str | Path) -> ScenarioError:
    return ScenarioError(f"too many rows: more than {limits().table_max_rows} (table_max_rows in "
                         "models/limits/default.yaml)", file=file)


def _read_csv(path: Path, sniff: bool, file: str | Path) -> tuple[list[str], list[list[Any]]]:
    raw = path.read_bytes()
    if raw.startswith(_ZIP_MAGIC):
        raise ScenarioError("this is an Excel workbook (.xlsx), not CSV text: give the file the "
                            ".xlsx suffix, or save it from Excel as 'CSV UTF-8'", file=file)
    if raw.startswith(_OLE_MAGIC):
        raise ScenarioError("this is an old Excel workbook (.xls), not CSV text: save it as .xlsx "
                            "or as 'CSV UTF-8'", file=file)
    if b"\x00" in raw:
        raise ScenarioError("cannot read file: binary data, not CSV text; save it as 'CSV UTF-8'",
                            file=file)
    if raw.count(b"\n") > limits().table_max_rows + 1:
        raise _too_many_rows(file)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        if not sniff:
            raise ScenarioError("cannot read file: not UTF-8 text; save it as 'CSV UTF-8'",
                                file=file) from None
        if not _cp1252_ok(raw):
            raise ScenarioError("cannot read file: neither UTF-8 nor Windows-1252 text; save it "
                                "as 'CSV UTF-8'", file=file) from None
        text = raw.decode("cp1252")
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    delimiter = max((";", ",", "\t"), key=first.count) if sniff and first else ","
    if sniff and first.count(delimiter) == 0:
        delimiter = ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise ScenarioError(f"cannot read file: {exc}", file=file) from None
    if not records:
        raise ScenarioError("the file is empty", file=file)
    header = [c.strip() for c in records[0]]
    rows = []
    for i, rec in enumerate(records[1:]):
        if len(rec) > len(header) and any(c.strip() for c in rec[len(header):]):
            raise ScenarioError(f"{len(rec)} cells in this row but {len(header)} columns in the "
                                "header (a separator inside a cell? quote the cell)", file=file,
                                row=i + 2)
        rows.append([*rec[:len(header)], *[""] * (len(header) - len(rec))])
    return header, rows


def _cp1252_ok(raw: bytes) -> bool:
    try:
        raw.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def _excel_text(value: Any) -> Any:
    """A typed Excel value as the text a CSV would hold (12.0 is 12; a date is ISO)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _read_excel(path: Path, sheet: str | None, file: str | Path) -> tuple[list[str], list[list[Any]]]:
    import openpyxl

    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic == _OLE_MAGIC:
        raise ScenarioError("this is an old Excel workbook (.xls) named .xlsx: save it as .xlsx",
                            file=file)
    if magic != _ZIP_MAGIC:
        raise ScenarioError("cannot read file: not an Excel workbook (if it is CSV text, give it "
                            "the .csv suffix)", file=file)
    check_xlsx_uncompressed(path, file=file)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds; all mean 'unreadable'
        raise ScenarioError(f"cannot read file: not a valid Excel workbook ({exc})", file=file) from None
    try:
        ws = _pick_sheet(book, sheet, file)
        return _sheet_rows(ws, file)
    finally:
        book.close()


def _pick_sheet(book: Any, sheet: str | None, file: str | Path) -> Any:
    """The named sheet, else the one visible sheet; a hidden sheet is never taken silently."""
    names = list(book.sheetnames)
    if sheet is not None:
        if sheet not in names:
            raise ScenarioError(f"no sheet named {sheet!r} (sheets: {', '.join(names)})", file=file)
        ws = book[sheet]
        if not hasattr(ws, "iter_rows"):
            raise ScenarioError(f"sheet {sheet!r} is a chart, not a table", file=file)
        return ws
    visible = [ws for ws in book.worksheets if ws.sheet_state == "visible"]
    if not visible:
        raise ScenarioError(f"no visible sheet (hidden: {', '.join(names)}): name one with --sheet",
                            file=file)
    if len(visible) > 1:
        active = book.active.title if book.active is not None else visible[0].title
        raise ScenarioError(f"{len(visible)} visible sheets ({', '.join(ws.title for ws in visible)};"
                            f" active: {active}): choose one with --sheet NAME", file=file)
    return visible[0]


def _sheet_rows(ws: Any, file: str | Path) -> tuple[list[str], list[list[Any]]]:
    max_rows = limits().table_max_rows
    header: list[str] | None = None
    rows: list[list[Any]] = []
    for cells in ws.iter_rows():
        values = [Formula(c.value) if c.data_type == "f" else _excel_text(c.value) for c in cells]
        if header is None:
            if not any(str(v).strip() for v in values):
                raise ScenarioError("row 1 (the header) is empty: the table must start in cell A1",
                                    file=file, row=1)
            header = [str(v).strip() for v in values]
            continue
        if len(rows) >= max_rows:
            raise _too_many_rows(file)
        rows.append([*values[:len(header)], *[""] * (len(header) - len(values))])
        if len(values) > len(header) and any(str(v).strip() for v in values[len(header):]):
            raise ScenarioError("a cell to the right of the table has a value but its column no "
                                "header", file=file, row=len(rows) + 1)
    if header is None:
        raise ScenarioError("the sheet is empty", file=file)
    return header, rows


def _drop_empty_columns(header: list[str], rows: list[list[Any]],
                        file: str | Path) -> tuple[list[str], list[list[Any]]]:
    """Columns without a header are dropped when empty (a trailing `;`), refused otherwise."""
    keep = []
    for j, col in enumerate(header):
        if col:
            keep.append(j)
            continue
        for i, row in enumerate(rows):
            if str(row[j]).strip():
                raise ScenarioError(f"column {j + 1} has values but no header", file=file, row=i + 2)
    if len(keep) == len(header):
        return header, rows
    return [header[j] for j in keep], [[row[j] for j in keep] for row in rows]


# ---- cells -------------------------------------------------------------------------------------
class Rows:
    """Cell access with the file, row and field named in every error."""

    def __init__(self, frame: pd.DataFrame, file: str, header_row: int = 1) -> None:
        self.frame = frame
        self.file = file
        self.header_row = header_row

    def row_number(self, index: int) -> int:
        return self.header_row + 1 + index

    def require(self, columns: list[str]) -> None:
        present = set(self.frame.columns)
        for col in columns:
            if col not in present:
                raise ScenarioError(
                    f"missing column '{col}' (columns found: {', '.join(map(str, self.frame.columns))})",
                    file=self.file, row=self.header_row, field=col,
                )

    def cells(self) -> Iterator[tuple[int, Cells]]:
        for i, record in enumerate(self.frame.to_dict("records")):
            if all(str(v).strip() == "" for v in record.values()):
                continue  # an empty spreadsheet row (";;;;" below the table) is no municipality
            row = self.row_number(i)
            yield row, Cells({str(k): v for k, v in record.items()}, self.file, row)


class Cells:
    """One row's cells; `get(col, kind, default)` parses and names file, row and field on error."""

    def __init__(self, record: dict[str, Any], file: str, row: int) -> None:
        self.record, self.file, self.row = record, file, row

    def __call__(self, col: str, kind: str = "str", default: Any = None) -> Any:
        raw = self.record.get(col, "")
        if isinstance(raw, Formula):
            raise ScenarioError(f"formula, not a value ({raw}): save the sheet with its values "
                                "(copy, paste special, values)", file=self.file, row=self.row,
                                field=col)
        raw = "" if raw is None else str(raw).strip()
        if raw == "":
            if default is not None:
                return default
            if kind == "optional_int":
                return None
            raise ScenarioError("empty cell", file=self.file, row=self.row, field=col)
        return parse_cell(raw, kind, file=self.file, row=self.row, field=col)


# ---- the one cell parser -----------------------------------------------------------------------
_WHOLE = re.compile(r"-?[0-9]+", re.ASCII)
_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?", re.ASCII)
_THOUSANDS_COMMA = re.compile(r"-?[0-9]{1,3}(,[0-9]{3})+", re.ASCII)
_THOUSANDS_DOT = re.compile(r"-?[0-9]{1,3}(\.[0-9]{3})+", re.ASCII)
_DECIMAL_COMMA = re.compile(r"-?[0-9]+,[0-9]+", re.ASCII)


def _number_hint(raw: str, whole: bool) -> str:
    """Why a cell is not a plain number, as a hint the user can act on."""
    plain = raw.replace(",", "").replace(".", "").replace("_", "").replace(" ", "")
    if any(ch.isdigit() and not ch.isascii() for ch in raw):
        return " (use the digits 0-9)"
    if whole and _THOUSANDS_COMMA.fullmatch(raw):
        return f" (a thousands separator: write {plain} without one)"
    if whole and _DECIMAL_COMMA.fullmatch(raw):
        return " (a decimal comma: places are whole numbers)"
    if not whole and _DECIMAL_COMMA.fullmatch(raw):
        return " (use a decimal point, not a comma)"
    if not whole and _THOUSANDS_COMMA.fullmatch(raw):
        return " (no thousands separator; use a decimal point)"
    if re.fullmatch(r"-?[0-9][0-9_ ]*[0-9]", raw, re.ASCII):
        return f" (write {plain} without '_' or spaces)"
    if re.fullmatch(r"[-+]?[0-9.]+[eE][-+]?[0-9]+", raw, re.ASCII):
        return " (write the number in plain digits, without an exponent)"
    if raw.startswith("+"):
        return " (write it without '+')"
    return ""


def parse_cell(raw: str, kind: str, *, file: str, row: int, field: str) -> Any:
    """One cell's text as `kind`: str, places / int / optional_int (whole >= 0), float, bool.

    A number is plain ASCII digits (a minus sign where negative is valid, a decimal point for
    `float`); nothing is guessed, so `1,250` is neither 1250 nor 1.25 but an error with a hint.
    """
    def err(message: str) -> ScenarioError:
        return ScenarioError(message, file=file, row=row, field=field)

    if kind == "str":
        problem = text_problem(raw, limits().long_text_max_chars)
        if problem:
            raise err(f"the text {problem}")
        return raw
    if kind in {"places", "optional_int", "int"}:
        if _WHOLE.fullmatch(raw):
            value = int(raw)
            if value < 0:
                raise err(f"must be >= 0, got {raw}")
            return value
        if _DECIMAL.fullmatch(raw):
            if _THOUSANDS_DOT.fullmatch(raw):
                raise err(f"places must be whole numbers, got {raw} (if you mean "
                          f"{raw.replace('.', '')}, write whole numbers without a thousands "
                          "separator)")
            raise err(f"places must be whole numbers, got {raw}")
        raise err(f"expected a whole number, got {raw!r}{_number_hint(raw, True)}")
    if kind == "float":
        if _DECIMAL.fullmatch(raw):
            return float(raw)
        raise err(f"expected a number, got {raw!r}{_number_hint(raw, False)}")
    if kind == "bool":
        low = raw.lower()
        if low in {"true", "1", "yes", "ja", "waar"}:
            return True
        if low in {"false", "0", "no", "nee", "onwaar"}:
            return False
        raise err(f"expected true or false, got {raw!r}")
    raise AssertionError(kind)
