"""A scenario on disk: a folder with scenario.yaml, provinces.csv and municipalities.csv.

Reading validates every cell and names the file, the row (as a spreadsheet shows it: the header
is row 1) and the field of the first problem. Writing goes to a temporary folder that is moved
into place only when complete, so a failure never leaves half a scenario.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import ValidationError

from herverdeling.datafile import read_yaml, validation_message
from herverdeling.errors import OutputError, OutputExistsError, ScenarioError, output_error
from herverdeling.resources import bundled_dir
from herverdeling.scenario.model import (
    CATEGORIES,
    CBS_PATTERN,
    OFFERS_IN_RETURN,
    Assumption,
    Municipality,
    Norms,
    Point,
    Province,
    Round,
    Scenario,
    ScenarioOptions,
    Tasks,
    UitruilInputs,
)

SCENARIO_FILE = "scenario.yaml"
PROVINCES_FILE = "provinces.csv"
MUNICIPALITIES_FILE = "municipalities.csv"

PROVINCE_COLUMNS = [
    "code", "name", "opgave_regulier", "opgave_amv", "amv_is_estimate", "plan_reported", "source",
]
PROVINCE_REQUIRED = ["code", "name", "opgave_regulier", "opgave_amv"]
TASK_FIELDS = ["indicative", "own_plan", "restopgave", "extra", "verdeelbesluit"]
# Optional uitruil inputs (issue 7): absent columns read as zero / "none".
UITRUIL_TASK_FIELDS = ["offer", "request"]
UITRUIL_COLUMNS = [
    *[f"{f}_{c}" for f in UITRUIL_TASK_FIELDS for c in CATEGORIES],
    "statushouders_task", "ukraine_reception", "offers_in_return",
]
MUNICIPALITY_COLUMNS = [
    "cbs_code", "name", "province", "population", "lat", "lon", "may_host",
    *[f"{f}_{c}" for f in TASK_FIELDS for c in CATEGORIES],
    *UITRUIL_COLUMNS,
]
MUNICIPALITY_REQUIRED = [
    "cbs_code", "name", "province", "population", "lat", "lon",
    "verdeelbesluit_regulier", "verdeelbesluit_amv",
]


_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+")

# ---- cell parsing ------------------------------------------------------------------------------
class _Rows:
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

    def cells(self) -> Iterator[tuple[int, _Cells]]:
        for i, record in enumerate(self.frame.to_dict("records")):
            if all(str(v).strip() == "" for v in record.values()):
                continue  # an empty spreadsheet row (";;;;" below the table) is no municipality
            row = self.row_number(i)
            yield row, _Cells(record, self.file, row)


class _Cells:
    """One row's cells; `get(col, kind, default)` parses and names file, row and field on error."""

    def __init__(self, record: dict[str, Any], file: str, row: int) -> None:
        self.record, self.file, self.row = record, file, row

    def __call__(self, col: str, kind: str = "str", default: Any = None) -> Any:
        raw = self.record.get(col, "")
        raw = "" if raw is None else str(raw).strip()
        if raw == "":
            if default is not None:
                return default
            if kind == "optional_int":
                return None
            raise ScenarioError("empty cell", file=self.file, row=self.row, field=col)
        return _parse(raw, kind, self.file, self.row, col)


def _parse(raw: str, kind: str, file: str, row: int, col: str) -> Any:
    if kind == "str":
        return raw
    if kind in {"places", "optional_int", "int"}:
        # "1,250" is a thousands separator; "12,5" is a Dutch decimal comma, never 125.
        text = raw.replace(",", "") if _THOUSANDS.fullmatch(raw) else raw
        try:
            value = float(text)
        except ValueError:
            hint = " (a decimal comma: places are whole numbers)" if "," in raw else ""
            raise ScenarioError(f"expected a whole number, got {raw!r}{hint}", file=file, row=row,
                                field=col) from None
        if not math.isfinite(value):
            raise ScenarioError(f"expected a whole number, got {raw!r}", file=file, row=row,
                                field=col)
        if value != int(value):
            hint = (" (write whole numbers without a thousands separator)"
                    if re.fullmatch(r"\d{1,3}(\.\d{3})+", raw) else "")
            raise ScenarioError(f"places must be whole numbers, got {raw}{hint}", file=file, row=row,
                                field=col)
        if value < 0:
            raise ScenarioError(f"must be >= 0, got {raw}", file=file, row=row, field=col)
        return int(text) if re.fullmatch(r"[+-]?\d+", text) else int(value)
    if kind == "float":
        try:
            value = float(raw)
        except ValueError:
            hint = " (use a decimal point, not a comma)" if re.fullmatch(r"-?\d+,\d+", raw) else ""
            raise ScenarioError(f"expected a number, got {raw!r}{hint}", file=file, row=row,
                                field=col) from None
        if not math.isfinite(value):
            raise ScenarioError(f"expected a number, got {raw!r}", file=file, row=row, field=col)
        return value
    if kind == "bool":
        low = raw.lower()
        if low in {"true", "1", "yes", "ja", "waar"}:
            return True
        if low in {"false", "0", "no", "nee", "onwaar"}:
            return False
        raise ScenarioError(f"expected true or false, got {raw!r}", file=file, row=row, field=col)
    raise AssertionError(kind)


def read_table(path: Path, sheet: str | None = None, *, sniff: bool = False) -> pd.DataFrame:
    """CSV or Excel as text cells; any read failure becomes a ScenarioError naming the file."""
    if not path.is_file():
        raise ScenarioError("file not found", file=path)
    try:
        if path.suffix.lower() in {".xlsx", ".xlsm", ".xls"}:
            with pd.ExcelFile(path) as book:
                if sheet is not None and sheet not in book.sheet_names:
                    raise ScenarioError(f"no sheet named {sheet!r} (sheets: "
                                        f"{', '.join(map(str, book.sheet_names))})", file=path)
                frame = pd.read_excel(book, sheet_name=sheet or 0, dtype=str)
            frame = frame.fillna("")
        else:
            # Dutch Excel exports often use ';': imported tables are sniffed, our own are ','.
            frame = _read_csv(path, sniff)
    except ScenarioError:
        raise
    except UnicodeDecodeError:
        raise ScenarioError("cannot read file: not UTF-8 text; save it as 'CSV UTF-8'",
                            file=path) from None
    except Exception as exc:  # pandas raises many kinds; all mean 'unreadable'
        raise ScenarioError(f"cannot read file: {exc}", file=path) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _read_csv(path: Path, sniff: bool) -> pd.DataFrame:
    """Our own files are UTF-8 with ','; an imported table may be Excel's Windows-1252 with ';'."""
    # Blank lines are kept (as empty rows, skipped later) so that row numbers in messages stay
    # the line numbers a spreadsheet or editor shows.
    options: dict[str, Any] = {"dtype": str, "keep_default_na": False, "engine": "python",
                               "sep": None if sniff else ",", "skip_blank_lines": False}
    try:
        return pd.read_csv(path, encoding="utf-8-sig", **options).fillna("")
    except UnicodeDecodeError:
        if not sniff:
            raise
        return pd.read_csv(path, encoding="cp1252", **options).fillna("")


# ---- loading -----------------------------------------------------------------------------------
def bundled_scenarios() -> list[str]:
    root = bundled_dir("scenarios")
    return sorted(p.name for p in root.iterdir() if (p / SCENARIO_FILE).is_file())


def resolve_scenario(name_or_path: str | Path) -> Path:
    """A bundled name (e.g. nl-2025) or a folder path."""
    candidate = Path(name_or_path)
    if (candidate / SCENARIO_FILE).is_file():
        return candidate
    if candidate.is_dir():
        raise ScenarioError(f"folder has no {SCENARIO_FILE}", file=candidate)
    bundled = bundled_dir("scenarios") / str(name_or_path)
    if (bundled / SCENARIO_FILE).is_file():
        return bundled
    raise ScenarioError(
        f"unknown scenario {str(name_or_path)!r}: not a bundled name "
        f"({', '.join(bundled_scenarios())}) nor a scenario folder"
    )


def load_scenario(name_or_path: str | Path = "nl-2025") -> Scenario:
    folder = resolve_scenario(name_or_path)
    meta_path = folder / SCENARIO_FILE
    meta = read_yaml(meta_path)
    if not isinstance(meta, dict):
        raise ScenarioError("expected a mapping at the top level", file=meta_path)
    provinces = _read_provinces(folder / PROVINCES_FILE)
    municipalities = _read_municipalities(folder / MUNICIPALITIES_FILE)
    return assemble(meta, provinces, municipalities, meta_path=meta_path)


def assemble(
    meta: Mapping[str, Any],
    provinces: list[Province],
    municipalities: list[Municipality],
    *,
    meta_path: Path | str = SCENARIO_FILE,
) -> Scenario:
    """Validate the metadata and the tables together; errors name scenario.yaml's field."""
    parts: dict[str, Any] = {}
    for key, model in (("round", Round), ("norms", Norms), ("options", ScenarioOptions)):
        if key not in meta:
            if key == "options":
                continue
            raise ScenarioError(f"missing section '{key}'", file=meta_path, field=key)
        try:
            parts[key] = model.model_validate(meta[key])
        except ValidationError as exc:
            loc, msg = validation_message(exc)
            raise ScenarioError(msg, file=meta_path, field=f"{key}.{loc}" if loc else key) from None
    assumptions = []
    for i, raw in enumerate(meta.get("assumptions") or []):
        try:
            assumptions.append(Assumption.model_validate(raw))
        except ValidationError as exc:
            loc, msg = validation_message(exc)
            raise ScenarioError(msg, file=meta_path, field=f"assumptions[{i}].{loc}") from None
    unknown = set(meta) - {"name", "title", "description", "round", "norms", "options",
                           "assumptions"}
    if unknown:
        raise ScenarioError(f"unknown key(s) {', '.join(sorted(unknown))}", file=meta_path,
                            field=sorted(unknown)[0])
    if not meta.get("name"):
        raise ScenarioError("missing scenario name", file=meta_path, field="name")
    scenario = Scenario(
        name=str(meta["name"]),
        title=str(meta.get("title") or ""),
        description=str(meta.get("description") or ""),
        assumptions=tuple(assumptions),
        provinces=tuple(provinces),
        municipalities=tuple(municipalities),
        **parts,
    )
    scenario.check_consistency()
    return scenario


def _read_provinces(path: Path) -> list[Province]:
    rows = _Rows(read_table(path), PROVINCES_FILE)
    rows.require(PROVINCE_REQUIRED)
    out = []
    for row, get in rows.cells():
        code = get("code")
        try:
            out.append(Province(
                code=code,
                name=get("name"),
                opgave=Tasks(regulier=get("opgave_regulier", "places"),
                             amv=get("opgave_amv", "places")),
                amv_is_estimate=get("amv_is_estimate", "bool", False),
                plan_reported=get("plan_reported", "optional_int"),
                source=get("source", "str", ""),
            ))
        except ValidationError as exc:
            loc, msg = validation_message(exc)
            raise ScenarioError(msg, file=PROVINCES_FILE, row=row, field=loc) from None
    return out


def _read_municipalities(path: Path) -> list[Municipality]:
    rows = _Rows(read_table(path), MUNICIPALITIES_FILE)
    rows.require(MUNICIPALITY_REQUIRED)
    out = []
    pattern = re.compile(CBS_PATTERN)
    for row, get in rows.cells():
        code = get("cbs_code")
        if not pattern.match(code):
            raise ScenarioError(f"unknown CBS code {code!r}: expected GM followed by four digits",
                                file=MUNICIPALITIES_FILE, row=row, field="cbs_code")
        tasks = {
            f: Tasks(regulier=get(f"{f}_regulier", "places", 0), amv=get(f"{f}_amv", "places", 0))
            for f in TASK_FIELDS if f != "verdeelbesluit"
        }
        try:
            out.append(Municipality(
                cbs_code=code,
                name=get("name"),
                province=get("province"),
                population=get("population", "int"),
                point=Point(lat=get("lat", "float"), lon=get("lon", "float")),
                may_host=get("may_host", "bool", True),
                uitruil=_uitruil_inputs(get),
                verdeelbesluit=Tasks(regulier=get("verdeelbesluit_regulier", "places"),
                                     amv=get("verdeelbesluit_amv", "places")),
                **tasks,
            ))
        except ValidationError as exc:
            loc, msg = validation_message(exc)
            raise ScenarioError(msg, file=MUNICIPALITIES_FILE, row=row, field=loc) from None
    return out


def _uitruil_inputs(get: _Cells) -> UitruilInputs:
    """The optional uitruil columns of one row; absent or empty cells mean zero / "none"."""
    in_return = get("offers_in_return", "str", "none").lower()
    if in_return not in OFFERS_IN_RETURN:
        raise ScenarioError(
            f"expected one of {', '.join(OFFERS_IN_RETURN)}, got {in_return!r}",
            file=get.file, row=get.row, field="offers_in_return",
        )
    return UitruilInputs(
        offer=Tasks(regulier=get("offer_regulier", "places", 0), amv=get("offer_amv", "places", 0)),
        request=Tasks(regulier=get("request_regulier", "places", 0),
                      amv=get("request_amv", "places", 0)),
        statushouders_task=get("statushouders_task", "places", 0),
        ukraine_reception=get("ukraine_reception", "places", 0),
        offers_in_return=in_return,
    )


# ---- writing -----------------------------------------------------------------------------------
def scenario_metadata(scenario: Scenario) -> dict[str, Any]:
    return {
        "name": scenario.name,
        "title": scenario.title,
        "description": scenario.description,
        "round": scenario.round.model_dump(mode="python"),
        "norms": scenario.norms.model_dump(mode="python"),
        "options": scenario.options.model_dump(mode="python"),
        "assumptions": [a.model_dump(mode="python", exclude_none=True) for a in scenario.assumptions],
    }


def province_frame(scenario: Scenario) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "code": p.code, "name": p.name,
                "opgave_regulier": p.opgave.regulier, "opgave_amv": p.opgave.amv,
                "amv_is_estimate": str(p.amv_is_estimate).lower(),
                "plan_reported": "" if p.plan_reported is None else p.plan_reported,
                "source": p.source,
            }
            for p in scenario.provinces
        ],
        columns=PROVINCE_COLUMNS,
    )


def municipality_frame(scenario: Scenario) -> pd.DataFrame:
    records = []
    for m in scenario.municipalities:
        rec: dict[str, Any] = {
            "cbs_code": m.cbs_code, "name": m.name, "province": m.province,
            "population": m.population, "lat": repr(m.point.lat), "lon": repr(m.point.lon),
            "may_host": str(m.may_host).lower(),
        }
        for f in TASK_FIELDS:
            for c in CATEGORIES:
                rec[f"{f}_{c}"] = getattr(m, f).get(c)
        for f in UITRUIL_TASK_FIELDS:
            for c in CATEGORIES:
                rec[f"{f}_{c}"] = getattr(m.uitruil, f).get(c)
        rec["statushouders_task"] = m.uitruil.statushouders_task
        rec["ukraine_reception"] = m.uitruil.ukraine_reception
        rec["offers_in_return"] = m.uitruil.offers_in_return
        records.append(rec)
    return pd.DataFrame(records, columns=MUNICIPALITY_COLUMNS)


def _parents_are_folders(path: Path) -> None:
    """A clear message when a parent of the output path is a file (mkdir would say 'File exists')."""
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"{path}: {parent} is a file, not a folder")
            return


@contextmanager
def atomic_folder(target: Path, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary sibling folder; move it onto `target` only if the block succeeds."""
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise OutputError(f"{target}: is a file, not a folder; give a folder path")
    if target.exists() and not force:
        raise OutputExistsError(f"{target} exists; use --force to replace it")
    _parents_are_folders(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as exc:
        raise output_error(target, exc) from None
    try:
        yield tmp
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except OSError as exc:  # disk full, permissions changed under us: nothing half written
        shutil.rmtree(tmp, ignore_errors=True)
        raise output_error(target, exc) from None
    except BaseException:  # any other failure or Ctrl-C: nothing half written
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write a file whole or not at all (a temporary sibling moved into place); folders are made."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file path")
    _parents_are_folders(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise output_error(path, exc) from None
    return path


def write_scenario(scenario: Scenario, folder: str | Path, *, force: bool = False) -> Path:
    folder = Path(folder)
    with atomic_folder(folder, force=force) as tmp:
        (tmp / SCENARIO_FILE).write_text(
            yaml.safe_dump(scenario_metadata(scenario), sort_keys=False, allow_unicode=True,
                           width=100),
            encoding="utf-8",
        )
        province_frame(scenario).to_csv(tmp / PROVINCES_FILE, index=False, lineterminator="\n")
        municipality_frame(scenario).to_csv(tmp / MUNICIPALITIES_FILE, index=False,
                                            lineterminator="\n")
    return folder
