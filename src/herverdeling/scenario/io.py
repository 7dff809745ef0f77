"""A scenario on disk: a folder with scenario.yaml, provinces.csv and municipalities.csv.

Reading validates every cell and names the file, the row (as a spreadsheet shows it: the header
is row 1) and the field of the first problem. Writing goes to a temporary folder that is moved
into place only when complete, so a failure never leaves half a scenario.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
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
    Extension,
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
from herverdeling.scenario.readers import Cells, Rows, TableSpec, check_columns, read_table
from herverdeling.scenario.registers import Register, load_register
from herverdeling.scenario.wishes import read_wishes, wish_frames

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


# Every table the tool reads, with its known columns (issue 18): any other column is an error
# unless scenario.yaml declares it under `extensions:`. A new table (preferences.csv,
# partners.csv) adds its entry here.
TABLES: dict[str, TableSpec] = {
    PROVINCES_FILE: TableSpec(PROVINCES_FILE, tuple(PROVINCE_COLUMNS), tuple(PROVINCE_REQUIRED)),
    MUNICIPALITIES_FILE: TableSpec(MUNICIPALITIES_FILE, tuple(MUNICIPALITY_COLUMNS),
                                   tuple(MUNICIPALITY_REQUIRED)),
}

# Kept for modules that imported the old private names.
_Rows, _Cells = Rows, Cells


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
    extensions = _extensions(meta, meta_path)
    register = _register(meta, meta_path)
    columns = {e.file: e.columns for e in extensions}
    provinces = _read_provinces(folder / PROVINCES_FILE, columns.get(PROVINCES_FILE, ()))
    municipalities = _read_municipalities(folder / MUNICIPALITIES_FILE,
                                          columns.get(MUNICIPALITIES_FILE, ()), register)
    scenario = assemble(meta, provinces, municipalities, meta_path=meta_path)
    wishes = read_wishes(folder, scenario)
    if wishes.municipalities or wishes.partners:
        scenario = scenario.model_copy(update={"preferences": wishes})
    return scenario


def _extensions(meta: Mapping[str, Any], meta_path: Path | str) -> tuple[Extension, ...]:
    """`extensions: {municipalities.csv: [notes]}`: columns a table may carry beyond the known ones."""
    raw = meta.get("extensions") or {}
    if not isinstance(raw, dict):
        raise ScenarioError("expected a mapping of table file to a list of column names, e.g. "
                            "{municipalities.csv: [notes]}", file=meta_path, field="extensions")
    out = []
    for file, columns in raw.items():
        where = f"extensions.{file}"
        if file not in TABLES:
            raise ScenarioError(f"unknown table {file!r} (tables: {', '.join(TABLES)})",
                                file=meta_path, field=where)
        if not isinstance(columns, list) or not all(isinstance(c, str) and c for c in columns):
            raise ScenarioError("expected a list of column names", file=meta_path, field=where)
        known = [c for c in columns if c in TABLES[file].known]
        if known:
            raise ScenarioError(f"'{known[0]}' is a known column of {file}, not an extension",
                                file=meta_path, field=where)
        try:
            out.append(Extension(file=file, columns=tuple(columns)))
        except ValidationError as exc:
            raise ScenarioError(validation_message(exc)[1], file=meta_path, field=where) from None
    return tuple(out)


def _register(meta: Mapping[str, Any], meta_path: Path | str) -> Register | None:
    name = meta.get("register")
    if name is None:
        return None
    if not isinstance(name, str):
        raise ScenarioError("expected the id of a register, e.g. cbs-2024", file=meta_path,
                            field="register")
    try:
        return load_register(name)
    except ScenarioError as exc:
        raise ScenarioError(exc.reason, file=meta_path, field="register") from None


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
    unknown = set(meta) - {"name", "title", "description", "register", "extensions", "round",
                           "norms", "options", "assumptions"}
    if unknown:
        raise ScenarioError(f"unknown key(s) {', '.join(sorted(unknown))}", file=meta_path,
                            field=sorted(unknown)[0])
    if not meta.get("name"):
        raise ScenarioError("missing scenario name", file=meta_path, field="name")
    for key in ("name", "title", "description"):
        if not isinstance(meta.get(key) or "", str):
            raise ScenarioError(f"expected text, got {type(meta[key]).__name__}", file=meta_path,
                                field=key)
    register = _register(meta, meta_path)
    try:
        scenario = Scenario(
            name=str(meta["name"]),
            title=str(meta.get("title") or ""),
            description=str(meta.get("description") or ""),
            municipal_register=register.id if register else None,
            extensions=_extensions(meta, meta_path),
            assumptions=tuple(assumptions),
            provinces=tuple(provinces),
            municipalities=tuple(municipalities),
            **parts,
        )
    except ValidationError as exc:
        loc, msg = validation_message(exc)
        raise ScenarioError(msg, file=meta_path, field=loc or None) from None
    scenario.check_consistency()
    return scenario


def _read_provinces(path: Path, extensions: tuple[str, ...] = ()) -> list[Province]:
    frame = read_table(path, file=PROVINCES_FILE)
    check_columns(frame.columns, TABLES[PROVINCES_FILE], extensions=extensions)
    rows = Rows(frame, PROVINCES_FILE)
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


def _read_municipalities(path: Path, extensions: tuple[str, ...] = (),
                         register: Register | None = None) -> list[Municipality]:
    frame = read_table(path, file=MUNICIPALITIES_FILE)
    check_columns(frame.columns, TABLES[MUNICIPALITIES_FILE], extensions=extensions)
    rows = Rows(frame, MUNICIPALITIES_FILE)
    out = []
    pattern = re.compile(CBS_PATTERN, re.ASCII)
    for row, get in rows.cells():
        code = get("cbs_code")
        if not pattern.match(code):
            raise ScenarioError(f"unknown CBS code {code!r}: expected GM followed by four digits",
                                file=MUNICIPALITIES_FILE, row=row, field="cbs_code")
        if register is not None:
            _in_register(register, code, get, row)
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


def _in_register(register: Register, code: str, get: Cells, row: int) -> None:
    """A declared register: the code exists in it and the point lies in its box."""
    if code not in register.codes:
        raise ScenarioError(f"unknown CBS code {code!r}: not a municipality in register "
                            f"{register.id} ({register.title})", file=MUNICIPALITIES_FILE, row=row,
                            field="cbs_code")
    lat, lon, box = get("lat", "float"), get("lon", "float"), register.box
    if not box.contains(lat, lon):
        swapped = "; are lat and lon swapped?" if box.contains(lon, lat) else ""
        field = "lat" if not box.lat_min <= lat <= box.lat_max else "lon"
        raise ScenarioError(f"point lat {lat}, lon {lon} lies outside the box of register "
                            f"{register.id} (lat {box.lat_min} to {box.lat_max}, lon "
                            f"{box.lon_min} to {box.lon_max}){swapped}", file=MUNICIPALITIES_FILE,
                            row=row, field=field)


def _uitruil_inputs(get: Cells) -> UitruilInputs:
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
    declared: dict[str, Any] = {}
    if scenario.municipal_register:
        declared["register"] = scenario.municipal_register
    if scenario.extensions:
        declared["extensions"] = {e.file: list(e.columns) for e in scenario.extensions}
    return {
        "name": scenario.name,
        "title": scenario.title,
        "description": scenario.description,
        **declared,
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


# Inside every temporary output folder while it is written: an empty folder named with the pid
# of the writer (a folder, so that a writer listing the files it wrote does not list it).
TEMP_MARKER = ".herverdeling-partial-"


def _refuse_unsafe_target(target: Path, *, force: bool, marker: str) -> None:
    """Before any work: never replace the current folder, a parent of it, or unrelated files."""
    resolved = target.resolve()
    here = Path.cwd().resolve()
    if resolved == here or resolved in here.parents:
        raise OutputError(f"{target}: is the current folder or a parent of it; give a new folder "
                          "for the output (e.g. --out out)")
    if not target.exists():
        return
    if not target.is_dir():
        raise OutputError(f"{target}: is a file, not a folder; give a folder path")
    if not force:
        raise OutputExistsError(f"{target} exists; use --force to replace it")
    try:
        empty = not any(target.iterdir())
    except OSError as exc:
        raise output_error(target, exc) from None
    if not empty and not (target / marker).is_file():
        raise OutputExistsError(f"{target} holds files but no earlier output ({marker}): --force "
                                "only replaces an earlier output or an empty folder; give another "
                                "folder")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    except OSError:
        return False
    return True


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove `.NAME.XXXX` folders a killed run left beside `target`: only ours, only if dead.

    Ours means: it holds a TEMP_MARKER folder, which names the process that wrote it; a folder
    whose process still runs (a parallel run) or that has no marker is left alone.
    """
    removed: list[Path] = []
    parent = target.parent if str(target.parent) else Path(".")
    try:
        candidates = [p for p in parent.glob(f".{target.name}.*") if p.is_dir()]
    except OSError:
        return removed
    for folder in candidates:
        try:
            marks = [p.name for p in folder.iterdir() if p.name.startswith(TEMP_MARKER)]
            pid = int(marks[0][len(TEMP_MARKER):])
        except (OSError, ValueError, IndexError):
            continue
        if pid != os.getpid() and not _pid_alive(pid):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP: handled like Ctrl-C, so the temporary output is removed."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated(f"stopped by {signal.Signals(signum).name}")


@contextmanager
def _terminate_like_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP raise like SIGINT while the block runs (main thread only)."""
    wanted = [getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)]
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _raise_terminated) for s in wanted}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextmanager
def atomic_folder(target: Path, *, force: bool = False,
                  marker: str = "manifest.json") -> Iterator[Path]:
    """Yield a temporary sibling folder; move it onto `target` only if the block succeeds.

    Refused before the block runs: the current folder or a parent of it, and (with `force`) a
    folder that is neither empty nor an earlier output (it holds `marker`). Temporaries left by a
    killed run are removed first; SIGTERM and SIGHUP clean up like Ctrl-C.
    """
    target = Path(target)
    _refuse_unsafe_target(target, force=force, marker=marker)
    _parents_are_folders(target)
    with _terminate_like_interrupt():
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            remove_stale_temporaries(target)
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        except OSError as exc:
            raise output_error(target, exc) from None
        try:
            mark = tmp / f"{TEMP_MARKER}{os.getpid()}"
            mark.mkdir()
            yield tmp
            mark.rmdir()
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
        except BaseException:  # any other failure, Ctrl-C, SIGTERM, SIGHUP: nothing half written
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


def write_scenario(scenario: Scenario, folder: str | Path, *, force: bool = False,
                   columns: Mapping[str, Mapping[str, Sequence[object]]] | None = None) -> Path:
    """Write the folder whole or not at all.

    `columns`: values of extension columns per table ({"municipalities.csv": {"notes": [...]}}),
    one per row in the scenario's order; each must be declared in `scenario.extensions`, since the
    reader refuses an undeclared column.
    """
    folder = Path(folder)
    extra = _extension_values(scenario, columns or {})
    with atomic_folder(folder, force=force, marker=SCENARIO_FILE) as tmp:
        (tmp / SCENARIO_FILE).write_text(
            yaml.safe_dump(scenario_metadata(scenario), sort_keys=False, allow_unicode=True,
                           width=100),
            encoding="utf-8",
        )
        for file, frame in ((PROVINCES_FILE, province_frame(scenario)),
                            (MUNICIPALITIES_FILE, municipality_frame(scenario))):
            for column, values in extra.get(file, {}).items():
                frame[column] = pd.Series(list(values), index=frame.index)
            frame.to_csv(tmp / file, index=False, lineterminator="\n")
        for file, frame in wish_frames(scenario.preferences).items():
            frame.to_csv(tmp / file, index=False, lineterminator="\n")
    return folder


def _extension_values(scenario: Scenario, columns: Mapping[str, Mapping[str, Sequence[object]]]
                      ) -> dict[str, dict[str, Sequence[object]]]:
    """Check extension column values before anything is written: declared, one per row."""
    declared = {e.file: e.columns for e in scenario.extensions}
    rows = {PROVINCES_FILE: len(scenario.provinces), MUNICIPALITIES_FILE: len(scenario.municipalities)}
    out: dict[str, dict[str, Sequence[object]]] = {}
    for file, values in columns.items():
        for column, cells in values.items():
            if column not in declared.get(file, ()):
                raise OutputError(f"{file}: column {column!r} is not declared under extensions "
                                  "in scenario.yaml")
            if len(cells) != rows.get(file, -1):
                raise OutputError(f"{file}: column {column!r} has {len(cells)} values for "
                                  f"{rows.get(file, 0)} rows")
        out[file] = dict(values)
    return out
