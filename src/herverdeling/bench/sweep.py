"""Sweeps: run a grid of scenario x policy x norms and collect one metrics row per cell.

A grid is a YAML file (see benchmarks/grids/example.yaml):

    id: example
    scenarios: [nl-2025, "synthetic:500:1"]  # bundled name, folder, or synthetic:N[:seed]
    policies: [proportional, nearest]        # models/policies names or paths
    norms:                                   # each a column of the grid
      - scenario                         # the scenario's own norms
      - coa-2024                         # a bundled norms name (models/norms) or a YAML path
      - label: amv-20                    # inline overrides on top of `base` (default: the scenario's)
        amv: {min_size: 20}
    merger_objective: mergers            # optional, as RunSettings
    solver: cpsat-deterministic

Cells run on a local process pool (`workers`, spawned processes) or, given an address, on an
existing Dask distributed cluster; each cell is the same pure function of its inputs (CP-SAT is
deterministic with its fixed seed and worker count), so both give identical metrics. Each
finished cell is appended to `results.jsonl` at once (and `results.csv` rewritten in grid order),
so an interrupted sweep keeps what it finished and a re-run skips the cells already `ok` (failed
cells are tried again). A failing cell becomes a row with status `error` and its message; the
other cells still run.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import time
from collections.abc import Callable, Hashable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from herverdeling.defaults import DEFAULT_SOLVER
from herverdeling.errors import HerverdelingError, SettingsError
from herverdeling.metrics import QualityMetrics, RowValue
from herverdeling.scenario.model import CategoryNorm, Norms, Scenario

Progress = Callable[[str], None]
RESULTS_JSONL = "results.jsonl"
RESULTS_CSV = "results.csv"
MANIFEST = "sweep.json"
CELL_COLUMNS = ["scenario", "policy", "norms", "status", "seconds", "error"]
# Columns that measure time, not quality: they differ between any two runs of the same cell.
TIMING_COLUMNS = ("seconds", "solver_seconds")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CategoryOverride(_Frozen):
    min_size: int | None = Field(None, ge=1)
    max_size: int | None = Field(None, ge=1)
    max_distance_km: float | None = Field(None, gt=0)


class NormsOverride(_Frozen):
    """Inline norms: `base` (a norms name; default the scenario's own) with some values replaced."""

    label: str = Field(min_length=1)
    base: str | None = None
    regulier: CategoryOverride = CategoryOverride()
    amv: CategoryOverride = CategoryOverride()


class Grid(_Frozen):
    id: str = Field(min_length=1)
    scenarios: tuple[str, ...] = Field(min_length=1)
    policies: tuple[str, ...] = Field(min_length=1)
    norms: tuple[str | NormsOverride, ...] = ("scenario",)
    merger_objective: str = "mergers"
    solver: str = DEFAULT_SOLVER
    cross_border: bool = True

    def fingerprint(self) -> str:
        """What decides every cell's result: an output folder holds the results of one grid only."""
        data = self.model_dump(mode="json", exclude={"id", "scenarios", "policies", "norms"})
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]

    def cells(self) -> tuple[Cell, ...]:
        """Scenario-major, then policy, then norms: the order of results.csv."""
        return tuple(Cell(scenario=s, policy=p, norms=n, merger_objective=self.merger_objective,
                          solver=self.solver, cross_border=self.cross_border)
                     for s in self.scenarios for p in self.policies for n in self.norms)


class Cell(_Frozen):
    scenario: str
    policy: str
    norms: str | NormsOverride
    merger_objective: str = "mergers"
    solver: str = DEFAULT_SOLVER
    cross_border: bool = True

    @property
    def norms_label(self) -> str:
        return self.norms if isinstance(self.norms, str) else self.norms.label

    @property
    def key(self) -> str:
        return f"{self.scenario}|{self.policy}|{self.norms_label}"


class CellResult(_Frozen):
    scenario: str
    policy: str
    norms: str
    status: Literal["ok", "error"]
    seconds: float = Field(ge=0)
    error: str | None = None
    metrics: QualityMetrics | None = None

    @property
    def key(self) -> str:
        return f"{self.scenario}|{self.policy}|{self.norms}"

    def row(self) -> dict[str, RowValue]:
        out: dict[str, RowValue] = {"scenario": self.scenario, "policy": self.policy, "norms": self.norms,
                                    "status": self.status, "seconds": round(self.seconds, 4),
                                    "error": self.error or ""}
        if self.metrics is not None:
            out |= self.metrics.row()
        return out


class SweepResult(_Frozen):
    grid: str
    out: str
    results: tuple[CellResult, ...]  # every cell finished so far (earlier runs included), grid order
    cells: int = Field(ge=0)  # cells in the grid
    ran: int = Field(ge=0)  # cells run this time
    skipped: int = Field(ge=0)  # cells already ok from an earlier run
    interrupted: bool = False  # stopped by Ctrl-C (KeyboardInterrupt)

    @property
    def failed(self) -> tuple[CellResult, ...]:
        return tuple(r for r in self.results if r.status == "error")

    @property
    def complete(self) -> bool:
        """Every cell of the grid has a row (ok or error)."""
        return len(self.results) == self.cells


# ---- loading ------------------------------------------------------------------------------------
def load_grid(path: str | Path) -> Grid:
    from herverdeling.settings import read_yaml, validation_message

    path = Path(path)
    data = read_yaml(path)
    try:
        grid = Grid.model_validate(data)
    except ValidationError as exc:
        loc, msg = validation_message(exc)
        raise SettingsError(msg, file=path, field=loc or None) from None
    labels = [n if isinstance(n, str) else n.label for n in grid.norms]
    if len(set(labels)) != len(labels):
        raise SettingsError("norms labels must be unique", file=path, field="norms")
    return grid


def load_cell_scenario(spec: str) -> Scenario:
    """A bundled name or folder, or `synthetic:N[:seed]` (a generated country)."""
    if spec.startswith("synthetic:"):
        from herverdeling.scenario.synthetic import synthetic_country

        parts = spec.split(":")
        try:
            n, seed = int(parts[1]), int(parts[2]) if len(parts) > 2 else 0
        except (IndexError, ValueError):
            raise SettingsError(f"bad synthetic scenario {spec!r}: use synthetic:N or synthetic:N:SEED",
                                field="scenarios") from None
        return synthetic_country(n, seed=seed)
    from herverdeling.scenario.io import load_scenario

    return load_scenario(spec)


def apply_norms(scenario: Scenario, norms: str | NormsOverride) -> Scenario:
    """The scenario with other norms (a new Scenario, validated); unchanged for `scenario`."""
    from herverdeling.settings import load_norms

    if norms == "scenario":
        return scenario
    if isinstance(norms, str):
        new = load_norms(norms)
    else:
        base = scenario.norms if norms.base is None else load_norms(norms.base)

        def merged(category: str) -> CategoryNorm:
            old = base.get(category)  # type: ignore[arg-type]
            over = getattr(norms, category).model_dump(exclude_none=True)
            src = f"sweep override {norms.label}"
            return CategoryNorm.model_validate(
                old.model_dump() | over | {"sources": dict(old.sources) | dict.fromkeys(over, src)})

        try:
            new = Norms(id=f"{base.id}+{norms.label}", version=base.version, regulier=merged("regulier"),
                        amv=merged("amv"))
        except ValidationError as exc:
            raise SettingsError(f"norms {norms.label}: {exc.errors()[0]['msg']}", field="norms") from None
    fields = {k: getattr(scenario, k) for k in Scenario.model_fields} | {"norms": new}
    out = Scenario(**fields)
    out.check_consistency()
    return out


# ---- one cell -----------------------------------------------------------------------------------
def run_cell(cell: Cell) -> CellResult:
    """Solve, check and measure one cell; any error becomes a row with status `error` and its message."""
    from herverdeling.metrics import measure_run
    from herverdeling.pipeline import RunSettings, run_chain

    start = time.perf_counter()
    try:
        scenario = apply_norms(load_cell_scenario(cell.scenario), cell.norms)
        # a sweep's cells name min-cost-flow policies (models/policies/), so the flow is run
        settings = RunSettings(scenario=scenario.name, policy=cell.policy, surplus_model="flow",
                               merger_objective=cell.merger_objective, solver=cell.solver,
                               cross_border=cell.cross_border)
        metrics = measure_run(scenario, run_chain(scenario, settings))
    except Exception as exc:  # a sweep reports a failing cell and goes on with the others
        kind = "" if isinstance(exc, HerverdelingError) else f"{type(exc).__name__}: "
        return CellResult(scenario=cell.scenario, policy=cell.policy, norms=cell.norms_label, status="error",
                          seconds=time.perf_counter() - start, error=f"{kind}{exc}".replace("\n", " "))
    return CellResult(scenario=cell.scenario, policy=cell.policy, norms=cell.norms_label, status="ok",
                      seconds=time.perf_counter() - start, metrics=metrics)


# ---- executors ----------------------------------------------------------------------------------
def _local(cells: list[Cell], workers: int) -> Iterator[CellResult]:
    """Spawned worker processes (no fork of a process that may hold solver threads)."""
    import multiprocessing

    if workers <= 1:
        for c in cells:
            yield run_cell(c)
        return
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        pending: set[Future[CellResult]] = set()
        todo = iter(cells)
        owner: dict[Future[CellResult], Cell] = {}
        for c in todo:  # keep the queue short, so an interrupt loses little queued work
            f = pool.submit(run_cell, c)
            owner[f] = c
            pending.add(f)
            if len(pending) >= 2 * workers:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in sorted(done, key=lambda f: cells.index(owner[f])):
                yield _outcome(owner.pop(f), f)
                nxt = next(todo, None)
                if nxt is not None:
                    g = pool.submit(run_cell, nxt)
                    owner[g] = nxt
                    pending.add(g)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _outcome(cell: Cell, future: object) -> CellResult:
    """A future's result; a crashed worker becomes an error row like any other failure."""
    try:
        return future.result()  # type: ignore[attr-defined]
    except Exception as exc:
        return CellResult(scenario=cell.scenario, policy=cell.policy, norms=cell.norms_label, status="error",
                          seconds=0.0, error=f"worker failed: {type(exc).__name__}: {exc}")


def _dask(cells: list[Cell], address: str) -> Iterator[CellResult]:
    try:
        from dask.distributed import Client, as_completed
    except ImportError:
        raise SettingsError("Dask is not installed: pip install 'herverdeling[cluster]'") from None
    try:
        client = Client(address, timeout=30)
    except (OSError, TimeoutError) as exc:
        raise SettingsError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    futures = []
    owner: dict[Hashable, Cell] = {}  # by Dask future key
    try:
        for c in cells:
            f = client.submit(run_cell, c, pure=False)
            owner[f.key] = c
            futures.append(f)
        for f in as_completed(futures):
            yield _outcome(owner[f.key], f)
    finally:
        client.cancel(futures)
        client.close()


# ---- the sweep ----------------------------------------------------------------------------------
def read_results(out: Path) -> dict[str, CellResult]:
    """Finished cells of earlier runs (last line per cell wins; a torn last line is ignored)."""
    path = out / RESULTS_JSONL
    found: dict[str, CellResult] = {}
    if not path.is_file():
        return found
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            r = CellResult.model_validate_json(line)
        except ValidationError:
            continue  # a line cut short by an interrupt: that cell runs again
        found[r.key] = r
    return found


def write_csv(out: Path, results: Iterable[CellResult]) -> Path:
    """All rows in the given order; columns: the cell's, then every metric seen (first-seen order)."""
    rows = [r.row() for r in results]
    columns = list(CELL_COLUMNS)
    for row in rows:
        columns += [k for k in row if k not in columns]
    path = out / RESULTS_CSV
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n", restval="")
        w.writeheader()
        w.writerows(rows)
    tmp.replace(path)
    return path


def _check_manifest(out: Path, grid: Grid) -> None:
    path = out / MANIFEST
    if path.is_file():
        old = json.loads(path.read_text(encoding="utf-8"))
        if old.get("fingerprint") != grid.fingerprint():
            raise SettingsError(f"{out} holds a sweep with other settings (merger objective, solver, "
                                "cross-border); use another --out folder", file=path)
    path.write_text(json.dumps({"grid": grid.id, "fingerprint": grid.fingerprint(),
                                "settings": grid.model_dump(mode="json")}, indent=2) + "\n",
                    encoding="utf-8")


def run_sweep(
    grid: Grid,
    out: str | Path,
    *,
    workers: int | None = None,
    dask: str | None = None,
    max_cells: int | None = None,
    progress: Progress = lambda _: None,
) -> SweepResult:
    """Run every cell not yet `ok` in `out`; stop cleanly after `max_cells` new cells or on Ctrl-C."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _check_manifest(out, grid)
    cells = list(grid.cells())
    earlier = read_results(out)
    todo = [c for c in cells if not (c.key in earlier and earlier[c.key].status == "ok")]
    skipped = len(cells) - len(todo)
    if max_cells is not None:
        todo = todo[:max(0, max_cells)]
    where = f"Dask cluster {dask}" if dask else f"{workers or os.cpu_count() or 1} local worker(s)"
    progress(f"sweep {grid.id}: {len(cells)} cells, {skipped} already done, {len(todo)} to run on {where}")
    results = dict(earlier)
    ran = 0
    interrupted = False
    stream = _dask(todo, dask) if dask else _local(todo, workers or os.cpu_count() or 1)
    try:
        with (out / RESULTS_JSONL).open("a", encoding="utf-8") as log:
            for r in stream:
                log.write(r.model_dump_json() + "\n")
                log.flush()
                os.fsync(log.fileno())
                results[r.key] = r
                ran += 1
                progress(_line(ran, len(todo), r))
                write_csv(out, [results[c.key] for c in cells if c.key in results])
    except KeyboardInterrupt:
        interrupted = True
        progress(f"interrupted: {ran} of {len(todo)} cells finished and kept in {out / RESULTS_JSONL}; "
                 "run again to finish the rest")
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    ordered = tuple(results[c.key] for c in cells if c.key in results)
    write_csv(out, ordered)
    return SweepResult(grid=grid.id, out=str(out), results=ordered, cells=len(cells), ran=ran,
                       skipped=skipped, interrupted=interrupted)


def _line(i: int, n: int, r: CellResult) -> str:
    head = f"[{i}/{n}] {r.scenario} | {r.policy} | {r.norms}:"
    if r.status == "error" or r.metrics is None:
        return f"{head} FAILED ({r.seconds:.1f} s): {r.error}"
    m = r.metrics
    rate = m.check.pass_rate
    return (f"{head} ok, relief {m.total('relief_achieved')}/{m.total('relief_possible')}, "
            f"{m.agreements.agreements} agreements, small tasks {m.total('small_tasks_before')} -> "
            f"{m.total('small_tasks_after')}, checker {'-' if rate is None else f'{100 * rate:.0f} %'}, "
            f"{m.solver_status} ({r.seconds:.1f} s)")


def comparable(rows: Iterable[dict[str, RowValue]]) -> list[dict[str, RowValue]]:
    """Rows without the timing columns: what must be identical between two runs of a sweep."""
    return [{k: v for k, v in r.items() if k not in TIMING_COLUMNS and not k.startswith("seconds_")}
            for r in rows]
