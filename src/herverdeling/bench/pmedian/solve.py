"""The capacitated p-median problem (OR-Library pmedcap) on the merger core, and HiGHS for comparison.

Pipeline of `solve_pmedian` (each step timed; see benchmarks/reports/pmedcap.md for what each
step buys):
1. incumbent: greedy regret assignment to good median sets + local search (shift, swap, and
   moving each median to the 1-median of its cluster), then median swaps (close one, open a
   nearby one) ranked by the transport LP and re-assigned exactly by CP-SAT - `heuristics.py`;
2. lower bound: Lagrangian relaxation of the assignment rows (each median is then a 0-1
   knapsack, solved exactly by DP), maximised by subgradient steps - `bounds.py`;
3. Lagrangian reduced-cost fixing against a target T: a median, or a point-median pair, whose
   forcing pushes the Lagrangian bound above T is removed, so the reduced model still holds
   every solution of cost <= T;
4. per round, every cluster (median, points) that can be part of a solution of cost <= T is
   enumerated (reduced-cost fixing on whole clusters, `enumerate_columns`); CP-SAT (one worker,
   linearization 2) proves on the set-partitioning model over them, whose LP is at least the column
   generation bound. Past `max_columns` clusters the round falls back to the pair model
   (Lagrangian knapsack rows). Targets step up from the bound (ceil(LB) + 0.3 %, then by the
   same step, at most incumbent - 1): an infeasible round raises the bound to T + 1; a round
   with an optimum is the global optimum; when the bound reaches the incumbent, it is proven.

`solve_portfolio` (what `bench pmedcap` and `bench sjc` run, issue 19): step 1 once, then
`solve_pmedian` from that incumbent and a HiGHS MIP warm-started with it, in two processes; the
better incumbent and the better bound of both. Why: on instances of the family where the
Lagrangian (= set-partitioning LP) bound sits 2-4 % under the optimum, only branching closes the
gap, and HiGHS's branch-and-bound does that faster than the cluster rounds.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import numpy as np
from ortools.sat.python import cp_model
from pydantic import BaseModel, ConfigDict, Field

from herverdeling.bench.pmedian.bounds import (
    LagrangianBound,
    enumerate_columns,
    fix_by_reduced_cost,
    knapsack_values,
    lagrangian_bound,
    lagrangian_rows,
)
from herverdeling.bench.pmedian.heuristics import local_search_incumbent, swap_search
from herverdeling.cpsat import SolverParams, relative_gap, stdout_to_stderr
from herverdeling.errors import ScenarioError
from herverdeling.mergers.core import FacilityModel, Outcome, solve
from herverdeling.proposals import SolveStatus
from herverdeling.settings import load_model, settings_file


@dataclass(frozen=True)
class PMedianInstance:
    """One instance. `real`: the costs are the unrounded Euclidean distances (SJC); the solver
    then works on the integer costs floor(cost_scale * distance) (see `distances`)."""

    name: str
    number: int
    optimum: float | None
    p: int
    capacity: int
    xy: np.ndarray  # (n, 2) coordinates
    demand: np.ndarray  # (n,) integer demands
    real: bool = False
    cost_scale: int = 1

    @property
    def n(self) -> int:
        return len(self.demand)

    def real_distances(self) -> np.ndarray:
        """The exact Euclidean distances (float64)."""
        diff = self.xy[:, None, :].astype(float) - self.xy[None, :, :].astype(float)
        return np.sqrt((diff**2).sum(axis=2))

    def distances(self) -> np.ndarray:
        """The integer costs the solver works on.

        Integer instances (pmedcap): the Euclidean distance rounded down, the OR-Library rule.
        Real instances: floor(cost_scale * distance). Every integer cost is then at most
        cost_scale times the real one and less than 1 below it, so for every solution X
        C(X) <= cost_scale * D(X) < C(X) + (n - p): a bound on C divided by cost_scale is a
        bound on D, and the optimum of C, evaluated on D, is within (n - p) / cost_scale of the
        optimum of D (a point that serves itself costs 0 in both).
        """
        if self.real:
            return np.floor(self.real_distances() * self.cost_scale).astype(np.int64)
        diff = self.xy[:, None, :] - self.xy[None, :, :]
        return np.floor(np.sqrt((diff.astype(float) ** 2).sum(axis=2)) + 1e-9).astype(np.int64)

    def real_cost(self, assignment: dict[int, int]) -> float:
        """The exact cost of a solution (sum of unrounded distances; integer instances: floor)."""
        d = self.real_distances() if self.real else self.distances()
        return float(sum(float(d[i, j]) for i, j in assignment.items()))


def read_pmedcap(path: Path | str) -> PMedianInstance:
    """Read one pmedcap file: `number optimum`, `n p Q`, then n lines `id x y demand`."""
    path = Path(path)
    try:
        lines = [ln.split() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    except OSError as exc:
        raise ScenarioError(f"cannot read pmedcap file: {exc}", file=path) from None
    try:
        number, optimum = int(lines[0][0]), int(lines[0][1])
        n, p, q = (int(v) for v in lines[1][:3])
        rows = [[int(v) for v in ln[:4]] for ln in lines[2:2 + n]]
    except (IndexError, ValueError) as exc:
        raise ScenarioError(f"not a pmedcap file ({exc})", file=path) from None
    if len(rows) != n or any(len(r) != 4 for r in rows):
        raise ScenarioError(f"expected {n} point lines of 4 numbers", file=path, row=3)
    arr = np.array(rows, dtype=np.int64)
    if not 0 < p <= n:
        raise ScenarioError(f"p={p} must lie in 1..n={n}", file=path, row=2)
    return PMedianInstance(name=path.stem, number=number, optimum=optimum, p=p, capacity=q,
                           xy=arr[:, 1:3], demand=arr[:, 3])


class RealCostSettings(BaseModel):
    """models/bench/pmedian-real.yaml: the integer scale of real costs and the optimality tolerance."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    cost_scale: int = Field(ge=1, le=1_000_000)
    tolerance: float = Field(ge=0.0)
    sources: dict[str, str] = Field(default_factory=dict)


def load_real_cost_settings(name_or_path: str = "pmedian-real") -> RealCostSettings:
    return load_model(settings_file("bench", name_or_path), RealCostSettings)


# Best known values, reported optimal in the literature (data/README.md, bench/sjc).
SJC_BEST_KNOWN: dict[str, float] = {"SJC1": 17288.99, "SJC2": 33270.94}


def read_sjc(path: Path | str, cost_scale: int = 100) -> PMedianInstance:
    """Read one SJC file (Lorena & Senne): `n p`, then n lines `x y capacity demand`.

    Coordinates are real; every point may be a median, with the capacity of its line (the same
    for all points of an instance: a differing one is refused, the model has one capacity).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read SJC file: {exc}", file=path) from None
    lines = [(k + 1, ln.split()) for k, ln in enumerate(text.splitlines()) if ln.strip()]
    if not lines:
        raise ScenarioError("empty SJC file", file=path, row=1)
    row0, head = lines[0]
    if len(head) < 2:
        raise ScenarioError("first line must hold 'n p'", file=path, row=row0)
    try:
        n, p = int(head[0]), int(head[1])
    except ValueError:
        raise ScenarioError(f"first line must hold 'n p' as integers, not {' '.join(head[:2])!r}",
                            file=path, row=row0) from None
    if len(lines) - 1 < n:
        raise ScenarioError(f"expected {n} point lines, found {len(lines) - 1}", file=path,
                            row=lines[-1][0])
    if not 0 < p <= n:
        raise ScenarioError(f"p={p} must lie in 1..n={n}", file=path, row=row0, field="p")
    xy = np.zeros((n, 2))
    cap = np.zeros(n, dtype=np.int64)
    demand = np.zeros(n, dtype=np.int64)
    names = ("x", "y", "capacity", "demand")
    for k, (row, parts) in enumerate(lines[1:1 + n]):
        if len(parts) < 4:
            raise ScenarioError(f"expected 4 numbers (x y capacity demand), found {len(parts)}",
                                file=path, row=row, field=names[len(parts)])
        for f, (fname, raw) in enumerate(zip(names, parts[:4], strict=True)):
            try:
                value = float(raw) if f < 2 else int(raw)
            except ValueError:
                kind = "a number" if f < 2 else "an integer"
                raise ScenarioError(f"{raw!r} is not {kind}", file=path, row=row,
                                    field=fname) from None
            if f >= 2 and int(value) < 0:
                raise ScenarioError(f"{raw!r} must not be negative", file=path, row=row,
                                    field=fname)
            if f < 2:
                xy[k, f] = value
            elif f == 2:
                cap[k] = int(value)
            else:
                demand[k] = int(value)
    if len(set(cap.tolist())) != 1:
        bad = int(np.flatnonzero(cap != cap[0])[0])
        raise ScenarioError(f"capacity {cap[bad]} differs from the first point's {cap[0]}",
                            file=path, row=lines[1 + bad][0], field="capacity")
    return PMedianInstance(name=path.stem, number=0, optimum=SJC_BEST_KNOWN.get(path.stem), p=p,
                           capacity=int(cap[0]), xy=xy, demand=demand, real=True,
                           cost_scale=cost_scale)


@dataclass
class PMedianResult:
    name: str
    optimum: float | None
    status: SolveStatus
    objective: int | None
    best_bound: float | None
    seconds: float
    medians: list[int] = field(default_factory=list)
    assignment: dict[int, int] = field(default_factory=dict)
    steps: dict[str, float] = field(default_factory=dict)  # seconds and figures per step

    @property
    def gap(self) -> float | None:
        return relative_gap(self.objective, self.best_bound)


def check_solution(inst: PMedianInstance, d: np.ndarray, assignment: dict[int, int]) -> int:
    """Cost of a solution after checking every rule (one median each, exactly p, capacity)."""
    if sorted(assignment) != list(range(inst.n)):
        raise ValueError("not every point is assigned exactly once")
    medians = set(assignment.values())
    if len(medians) != inst.p:
        raise ValueError(f"{len(medians)} medians, not p={inst.p}")
    load: dict[int, int] = {}
    for i, j in assignment.items():
        load[j] = load.get(j, 0) + int(inst.demand[i])
    if max(load.values()) > inst.capacity:
        raise ValueError("a median is over capacity")
    return int(sum(d[i, j] for i, j in assignment.items()))


def self_serve(assignment: dict[int, int], open_sites: list[int]) -> dict[int, int]:
    """The plain MIP's solution with every open site as a median: x_ij <= y_j lets HiGHS open a
    site that no point uses (measured: 39 medians for p = 40 on gen-pmedcap-loose-n400-s11, which
    `check_solution` rejects). Such a site then serves itself. It had no load, and its own distance
    is 0, so capacity holds and the cost does not rise; a site left empty by that move is treated
    the same way, until each open site serves itself or others."""
    out = dict(assignment)
    while True:
        used = set(out.values())
        empty = [j for j in open_sites if j not in used]
        if not empty:
            return out
        out[empty[0]] = empty[0]


def solve_pmedian(
    inst: PMedianInstance,
    params: SolverParams,
    *,
    use_lagrangian: bool = True,
    use_fixing: bool = True,
    use_heuristic: bool = True,
    use_rows: bool = True,
    use_swaps: bool = True,
    target_slack: float = 0.003,
    slack_growth: float = 1.0,
    lr_patience: int | None = None,
    lr_min_step: float = 1e-3,
    restrict_factor: int = 2,
    restrict_seconds: float = 5.0,
    max_columns: int = 200_000,
    incumbent: dict[int, int] | None = None,
    report: Callable[[PMedianResult], None] | None = None,
) -> PMedianResult:
    """Prove the optimum of one instance; the switches exist to measure each step.

    `incumbent`: a start solution computed elsewhere (the portfolio); the heuristic is skipped.
    `report`: called with the incumbent and bound so far after each step that may change them
    (the portfolio keeps the last one should it have to stop this part at the cap).
    """
    start = time.perf_counter()
    d = inst.distances()
    steps: dict[str, float] = {}
    ub = math.inf

    def tell(bound: float) -> None:
        if report is not None and incumbent is not None and math.isfinite(ub):
            report(_result(inst, "FEASIBLE", int(ub), bound, incumbent, start, dict(steps)))
    if incumbent is not None:
        ub = check_solution(inst, d, incumbent)
        steps["swaps_ub"] = ub
    elif use_heuristic:
        t = time.perf_counter()
        incumbent = local_search_incumbent(inst.demand, d, inst.p, inst.capacity)
        if incumbent is not None:
            ub = check_solution(inst, d, incumbent)
        steps["heuristic_s"] = time.perf_counter() - t
        steps["heuristic_ub"] = ub
        if incumbent is not None and use_swaps:
            t = time.perf_counter()
            incumbent = swap_search(inst.demand, d, incumbent, inst.capacity, near=25, tries=8,
                                    deadline=start + 0.1 * (params.max_time_in_seconds or 60.0))
            ub = check_solution(inst, d, incumbent)
            steps["swaps_s"] = time.perf_counter() - t
            steps["swaps_ub"] = ub
    lb = 0.0
    lr: LagrangianBound | None = None
    if use_lagrangian:
        t = time.perf_counter()
        lr = lagrangian_bound(inst.demand, d, inst.p, inst.capacity, upper=ub, heuristic_tries=0,
                              patience=lr_patience or max(10, inst.n // 4), min_step=lr_min_step)
        lb = lr.bound
        steps["lagrangian_s"] = time.perf_counter() - t
        steps["lagrangian_lb"] = lb
        if lr.incumbent is not None:
            cost = check_solution(inst, d, lr.incumbent)
            if cost < ub:
                ub, incumbent = cost, lr.incumbent
        steps["ub_after_lagrangian"] = ub
        tell(lb)
        if restrict_factor > 0 and incumbent is not None and ub > math.ceil(lb - 1e-6):
            t = time.perf_counter()
            better = _restricted_primal(inst, d, lr, incumbent, int(ub), restrict_factor * inst.p,
                                        params.with_time_limit(restrict_seconds))
            if better is not None:
                better = swap_search(inst.demand, d, better, inst.capacity, near=25, tries=8,
                                     deadline=start + 0.25 * (params.max_time_in_seconds or 60.0))
                cost = check_solution(inst, d, better)
                if cost < ub:
                    ub, incumbent = cost, better
            steps["restricted_s"] = time.perf_counter() - t
            steps["restricted_ub"] = ub
            tell(lb)
    # Optimistic fixing: look for a solution of cost <= target, starting a little above the
    # bound. The restricted model holds EVERY solution of cost <= target (fixing only removes
    # what the Lagrangian bound proves costs more), so its optimum, if it has one, is the global
    # optimum; if it has none, every solution costs more than target, and the bound rises.
    if lr is None or not use_fixing:
        return _plain_cpsat(inst, d, params, incumbent, ub, lb, start, steps)
    lower = math.ceil(lb - 1e-6)
    delta = max(2, math.ceil(target_slack * lower))
    rounds = 0
    deadline = start + (params.max_time_in_seconds or 60.0)
    while True:
        if incumbent is not None and ub <= lower:
            return _result(inst, "OPTIMAL", int(ub), float(ub), incumbent, start, steps)
        target = min(ub - 1, lower + delta) if math.isfinite(ub) else lower + delta
        rounds += 1
        t = time.perf_counter()
        allowed = fix_by_reduced_cost(lr, inst.demand, d, inst.p, inst.capacity, upper=target)
        steps["fixing_s"] = steps.get("fixing_s", 0.0) + time.perf_counter() - t
        steps[f"round{rounds}_target"] = target
        steps[f"round{rounds}_arcs"] = sum(len(a) for a in allowed)
        if any(not a for a in allowed) or len({j for a in allowed for j in a}) < inst.p:
            lower = int(target) + 1  # no solution of cost <= target
            delta = max(1, math.ceil(delta * slack_growth))
            tell(float(lower))
            continue
        if time.perf_counter() >= deadline:
            break
        t = time.perf_counter()
        columns = (enumerate_columns(lr, inst.demand, d, inst.p, inst.capacity, upper=target,
                                     allowed=allowed, max_columns=max_columns)
                   if max_columns > 0 else None)
        steps["columns_s"] = steps.get("columns_s", 0.0) + time.perf_counter() - t
        steps[f"round{rounds}_columns"] = -1 if columns is None else len(columns)
        t = time.perf_counter()
        rows = (lagrangian_rows(lr, inst.demand, d, inst.capacity, allowed)
                if columns is None and use_rows else None)
        left = deadline - time.perf_counter()  # the enumeration and the rows count against the cap
        if left <= 0:
            break
        assignment_of: Callable[[Outcome], dict[int, int]]
        if columns is not None:
            out, assignment_of = _cpsat_columns(inst, d, columns, params.with_time_limit(left),
                                                int(target), None)
        else:
            out, fm = _cpsat(inst, d, allowed, params.with_time_limit(left), incumbent, target,
                             lower, rows)
            assignment_of = fm.assignment
        steps["cpsat_s"] = steps.get("cpsat_s", 0.0) + time.perf_counter() - t
        steps[f"round{rounds}_s"] = time.perf_counter() - t
        steps[f"round{rounds}_status"] = {"OPTIMAL": 1, "FEASIBLE": 2, "INFEASIBLE": 0}.get(out.status, 3)
        if out.status == "OPTIMAL":
            assignment = assignment_of(out)
            obj = check_solution(inst, d, assignment)
            return _result(inst, "OPTIMAL", obj, float(obj), assignment, start, steps)
        if out.status == "INFEASIBLE":
            lower = int(target) + 1
            delta = max(1, math.ceil(delta * slack_growth))
            tell(float(lower))
            continue
        if out.has_solution:
            assignment = assignment_of(out)
            obj = check_solution(inst, d, assignment)
            if obj < ub:
                ub, incumbent = obj, assignment
        break  # out of time
    if incumbent is None:
        return _result(inst, "UNKNOWN", None, float(lower), {}, start, steps)
    return _result(inst, "FEASIBLE", int(ub), float(lower), incumbent, start, steps)


def _restricted_primal(inst: PMedianInstance, d: np.ndarray, lr: LagrangianBound,
                       incumbent: dict[int, int], ub: int, k: int,
                       params: SolverParams) -> dict[int, int] | None:
    """Best solution below `ub` whose medians are among the k best knapsack values (or the incumbent's).

    Swaps change one median at a time; the optimum of pmedcap1-15 differs from the swap
    incumbent in 3 medians, all among the 2p best-ranked by the Lagrangian knapsack values.
    A CP-SAT model on those candidates is small (about 500 pairs after fixing at ub - 1).
    """
    values = knapsack_values(lr, inst.demand, d, inst.capacity)
    keep = {int(j) for j in np.argsort(values, kind="stable")[:k]} | set(incumbent.values())
    allowed = fix_by_reduced_cost(lr, inst.demand, d, inst.p, inst.capacity, upper=ub - 1)
    allowed = [[j for j in a if j in keep] for a in allowed]
    if any(not a for a in allowed) or len({j for a in allowed for j in a}) < inst.p:
        return None
    rows = lagrangian_rows(lr, inst.demand, d, inst.capacity, allowed)
    out, fm = _cpsat(inst, d, allowed, params, incumbent, ub - 1, None, rows)
    return fm.assignment(out) if out.has_solution else None


def _cpsat(inst: PMedianInstance, d: np.ndarray, allowed: list[list[int]], params: SolverParams,
           incumbent: dict[int, int] | None, upper: float | None, lower: int | None,
           rows: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[Outcome, FacilityModel]:
    """CP-SAT on the (reduced) model: exactly p medians, capacities, the capacity-cover cut."""
    fm = FacilityModel([int(v) for v in inst.demand], allowed,
                       dict.fromkeys(range(inst.n), inst.capacity), name=inst.name)
    fm.model.add(sum(fm.y.values()) == inst.p)
    fm.add_capacity_cover()
    if incumbent is not None and all(incumbent[i] in allowed[i] for i in range(inst.n)):
        fm.add_hint(incumbent)
    if rows is not None:
        coef, values = rows
        for j, clients in fm.by_site.items():
            fm.model.add(cp_model.LinearExpr.weighted_sum([fm.x[i, j] for i in clients],
                                                          [int(coef[i, j]) for i in clients])
                         >= int(values[j]) * fm.y[j])
    cost = {(i, j): int(d[i, j]) for (i, j) in fm.x}
    out = solve(fm.model, fm.assignment_cost(cost), params,
                upper=int(upper) if upper is not None and math.isfinite(upper) else None,
                lower=lower)
    return out, fm


def _cpsat_columns(inst: PMedianInstance, d: np.ndarray, columns: list[tuple[int, tuple[int, ...]]],
                   params: SolverParams, upper: int, lower: int | None
                   ) -> tuple[Outcome, Callable[[Outcome], dict[int, int]]]:
    """CP-SAT on the set-partitioning model over the enumerated clusters.

    One boolean per cluster; every point in exactly one chosen cluster, a median in at most
    one, exactly p clusters. Capacity holds inside each cluster, so the LP of this model is at
    least the column generation bound, and CP-SAT branches on whole clusters.
    """
    model = cp_model.CpModel()
    model.name = f"{inst.name}-columns"
    z = [model.new_bool_var(f"z[{k}]") for k in range(len(columns))]
    cover: list[list[cp_model.IntVar]] = [[] for _ in range(inst.n)]
    at_site: dict[int, list[cp_model.IntVar]] = {}
    for var, (j, points) in zip(z, columns, strict=True):
        for i in points:
            cover[i].append(var)
        at_site.setdefault(j, []).append(var)
    if not all(cover):  # a point in no cluster within the target: nothing costs <= upper
        return Outcome(status="INFEASIBLE", objective=None, best_bound=None, seconds=0.0), _no_assignment
    for row in cover:
        model.add_exactly_one(row)
    for site in at_site.values():
        model.add_at_most_one(site)
    model.add(sum(z) == inst.p)
    weights = [int(d[list(points), j].sum()) for j, points in columns]
    out = solve(model, cp_model.LinearExpr.weighted_sum(z, weights), params, upper=upper,
                lower=lower)

    def assignment_of(outcome: Outcome) -> dict[int, int]:
        return {i: j for var, (j, points) in zip(z, columns, strict=True) if outcome.value(var)
                for i in points}

    return out, assignment_of


def _no_assignment(_outcome: Outcome) -> dict[int, int]:
    return {}


def _plain_cpsat(inst: PMedianInstance, d: np.ndarray, params: SolverParams,
                 incumbent: dict[int, int] | None, ub: float, lb: float, start: float,
                 steps: dict[str, float]) -> PMedianResult:
    allowed = [list(range(inst.n)) for _ in range(inst.n)]
    t = time.perf_counter()
    out, fm = _cpsat(inst, d, allowed, params, incumbent, ub if math.isfinite(ub) else None,
                     math.ceil(lb - 1e-6) if lb > 0 else None)
    steps["cpsat_s"] = time.perf_counter() - t
    if out.has_solution:
        assignment = fm.assignment(out)
        obj = check_solution(inst, d, assignment)
        return _result(inst, out.status, obj, out.best_bound, assignment, start, steps)
    return _result(inst, out.status, None, None, {}, start, steps)


def _result(inst: PMedianInstance, status: SolveStatus, obj: int | None, bound: float | None,
            assignment: dict[int, int], start: float, steps: dict[str, float]) -> PMedianResult:
    return PMedianResult(name=inst.name, optimum=inst.optimum, status=status, objective=obj,
                         best_bound=bound, seconds=time.perf_counter() - start,
                         medians=sorted(set(assignment.values())), assignment=assignment,
                         steps=steps)


# ---- HiGHS: the same problem as a plain MIP, solved in-process, for comparison ------------------
@dataclass
class HighsResult:
    status: str
    objective: float | None
    best_bound: float | None
    seconds: float
    assignment: dict[int, int] = field(default_factory=dict)


def solve_highs(inst: PMedianInstance, time_limit: float = 60.0, threads: int = 2,
                incumbent: dict[int, int] | None = None,
                report: Callable[[HighsResult], None] | None = None) -> HighsResult:
    """x[i,j], y[j] binary; sum_j x = 1; sum_i w_i x_ij <= Q y_j; x_ij <= y_j; sum y = p.

    Costs: the integer distances of pmedcap, the exact real distances of a real instance (not
    the scaled ones ours works on). mip_rel_gap 0: HiGHS's default 1e-4 would stop 3 units
    short on SJC2. `incumbent` is passed as a start solution (the portfolio's warm start).

    `time_limit` counts from the call, the model build included, and holds: HiGHS's own limit
    is not checked inside a long simplex solve (measured on gen-pmedcap-loose-n400-s11: 29.7 s
    in `run` at a 20 s limit, root LP unfinished), so the simplex, IPM and MIP interrupt
    callbacks stop it at the deadline. `report`: called with each improving solution and, at
    most every REPORT_SECONDS, a better dual bound (the portfolio keeps them should it have to
    stop this part at the cap).
    """
    import highspy

    called = time.perf_counter()
    deadline = called + time_limit
    d = inst.real_distances() if inst.real else inst.distances().astype(float)
    n = inst.n
    with stdout_to_stderr():  # highspy 1.16 prints its banner from the constructor, on stdout
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", threads)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("mip_rel_gap", 0.0)
    inf = highspy.kHighsInf
    nx = n * n
    cost = np.concatenate([d.reshape(-1), np.zeros(n)])
    lower = np.zeros(nx + n)
    upper = np.ones(nx + n)
    h.addVars(nx + n, lower, upper)
    h.changeColsCost(nx + n, np.arange(nx + n, dtype=np.int32), cost)
    h.changeColsIntegrality(nx + n, np.arange(nx + n, dtype=np.int32),
                            np.full(nx + n, highspy.HighsVarType.kInteger))

    def xi(i: int, j: int) -> int:
        return i * n + j

    for i in range(n):  # each point to one median
        idx = np.array([xi(i, j) for j in range(n)], dtype=np.int32)
        h.addRow(1.0, 1.0, n, idx, np.ones(n))
    for j in range(n):  # capacity
        idx = np.array([xi(i, j) for i in range(n)] + [nx + j], dtype=np.int32)
        val = np.concatenate([inst.demand.astype(float), [-float(inst.capacity)]])
        h.addRow(-inf, 0.0, n + 1, idx, val)
    for i in range(n):  # x_ij <= y_j
        for j in range(n):
            h.addRow(-inf, 0.0, 2, np.array([xi(i, j), nx + j], dtype=np.int32), np.array([1.0, -1.0]))
    h.addRow(inst.p, inst.p, n, np.arange(nx, nx + n, dtype=np.int32), np.ones(n))
    if incumbent is not None:
        medians = sorted(set(incumbent.values()))
        idx = np.array([xi(i, j) for i, j in sorted(incumbent.items())] + [nx + j for j in medians],
                       dtype=np.int32)
        h.setSolution(len(idx), idx, np.ones(len(idx)))
    start = time.perf_counter()
    h.setOptionValue("time_limit", float(max(deadline - start, 0.01)))
    stopped = False
    last: dict[str, Any] = {"at": start, "bound": -math.inf, "objective": None, "assignment": {}}

    def interrupt(e: Any) -> None:
        nonlocal stopped
        now = time.perf_counter()
        if now >= deadline:
            stopped = True
            e.interrupt()
            return
        bound = float(e.data_out.mip_dual_bound)
        if (report is not None and last["objective"] is not None and now - last["at"] >= REPORT_SECONDS
                and math.isfinite(bound) and bound > last["bound"] + 1e-9):
            last.update(at=now, bound=bound)
            report(HighsResult("interim", last["objective"], bound, now - called, last["assignment"]))

    def improving(e: Any) -> None:
        assignment = _decode_highs(np.asarray(e.data_out.mip_solution), n)
        bound = float(e.data_out.mip_dual_bound)
        last.update(objective=float(e.data_out.mip_primal_bound), assignment=assignment,
                    at=time.perf_counter(), bound=max(last["bound"], bound))
        if report is not None:
            report(HighsResult("interim", last["objective"], bound if math.isfinite(bound) else None,
                               time.perf_counter() - called, assignment))

    h.cbSimplexInterrupt += interrupt
    h.cbIpmInterrupt += interrupt
    h.cbMipInterrupt += interrupt
    if report is not None:
        h.cbMipImprovingSolution += improving
    h.run()
    seconds = time.perf_counter() - start
    status = "Time limit reached" if stopped else h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    has = info.primal_solution_status == 2
    assignment: dict[int, int] = {}
    if has:
        assignment = _decode_highs(np.asarray(h.getSolution().col_value), n)
    bound = float(info.mip_dual_bound)
    return HighsResult(status=status, objective=float(info.objective_function_value) if has else None,
                       best_bound=bound, seconds=seconds, assignment=assignment)


REPORT_SECONDS = 2.0
"""How often at most a running part reports a better bound alone to the portfolio (an improving
solution is reported at once)."""


def _decode_highs(col: np.ndarray, n: int) -> dict[int, int]:
    """Each point's median from HiGHS's column values, with every open site serving itself
    (see `self_serve`)."""
    x = col[:n * n].reshape(n, n)
    assignment = {i: int(np.argmax(x[i])) for i in range(n)}
    return self_serve(assignment, [j for j in range(n) if col[n * n + j] > 0.5])


# ---- the portfolio: ours and the HiGHS MIP side by side, the best of both ----------------------
@dataclass
class PortfolioResult:
    """Best incumbent and best bound of ours and HiGHS run together (a bound from either is valid).

    Costs are in the instance's own unit: integer for pmedcap, real (exact distances) for SJC;
    `bound` for a real instance is max(ours' integer bound / cost_scale, HiGHS's bound).
    """

    name: str
    optimum: float | None
    status: SolveStatus
    objective: float | None
    bound: float | None
    seconds: float
    winner: str  # which part gave the incumbent: heuristic, ours, highs
    proved_by: str  # which part closed the gap ("" when open)
    ours: PMedianResult | None
    highs: HighsResult | None
    assignment: dict[int, int] = field(default_factory=dict)

    @property
    def gap(self) -> float | None:
        return relative_gap(self.objective, self.bound)


def _ours_child(inst: PMedianInstance, params: SolverParams, incumbent: dict[int, int] | None,
                conn: Connection) -> None:
    """Ours in its own process: ("interim", result) after each step, then ("final", result)."""
    final = solve_pmedian(inst, params, incumbent=incumbent,
                          report=lambda r: conn.send(("interim", r)))
    conn.send(("final", final))
    conn.close()


def _highs_child(inst: PMedianInstance, time_limit: float, threads: int,
                 incumbent: dict[int, int] | None, conn: Connection) -> None:
    """The HiGHS MIP in its own process, reporting as `_ours_child` does."""
    final = solve_highs(inst, time_limit, threads=threads, incumbent=incumbent,
                        report=lambda r: conn.send(("interim", r)))
    conn.send(("final", final))
    conn.close()


STOP_MARGIN = 0.02
"""The share of the cap (at most 5 s) by which each part aims to stop before the portfolio's
deadline, so that its final answer, not only its last interim one, is in when the cap falls."""


def solve_portfolio(inst: PMedianInstance, params: SolverParams, *, use_ours: bool = True,
                    use_highs: bool = True, highs_threads: int = 1,
                    tolerance: float = 0.005, heuristic_share: float = 0.1,
                    highs_warm_start: bool = False) -> PortfolioResult:
    """Ours and the HiGHS MIP in two processes (`highs_warm_start`: HiGHS waits for our
    heuristic incumbent as its start solution; default: it starts at once, without).

    Why: on instances where the Lagrangian bound stalls, the MIP's branch-and-bound closes the
    gap; where it is fast, ours is. Both get the time left after the heuristic and one core
    each; the first to prove its optimum stops the other. The answer holds the better
    incumbent and the better bound, so it is never worse than either part on both at once.
    Real instances: OPTIMAL when objective - bound <= `tolerance` (half a unit of the printed
    second decimal); integer ones when the objective reaches ceil(bound).

    The cap holds for the whole call: each part reports its incumbent and bound as it goes, and at
    the cap a part still running is stopped and its last report counts (measured before: 303-317 s
    at a 300 s cap on n = 400, HiGHS's presolve not checking its own limit, and a stopped part's
    answer was lost).
    """
    import multiprocessing as mp
    from multiprocessing.connection import wait

    start = time.perf_counter()
    limit = params.max_time_in_seconds or 60.0
    margin = min(5.0, STOP_MARGIN * limit)
    # forkserver, not fork: a fork of a process whose HiGHS or CP-SAT thread pool already runs
    # inherits a broken pool (measured: HiGHS returned "Not Set" at once); the server process is
    # clean and forks each child fast (the solver modules are preloaded once).
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["herverdeling.bench.pmedian.solve"])
    procs: dict[str, tuple[BaseProcess, Connection]] = {}

    def start_highs(incumbent: dict[int, int] | None) -> None:
        recv, send = ctx.Pipe(duplex=False)
        left = limit - margin - (time.perf_counter() - start)
        proc: BaseProcess = ctx.Process(target=_highs_child,
                                        args=(inst, left, highs_threads, incumbent, send))
        proc.start()
        send.close()
        procs["highs"] = (proc, recv)

    # Without a warm start the MIP starts at once: the heuristic (seconds on n=100) no longer
    # delays it; the combined incumbent still includes the heuristic's.
    if use_highs and not highs_warm_start:
        start_highs(None)
    d = inst.distances()
    incumbent, _ub = _heuristic(inst, d, {}, deadline=start + heuristic_share * limit)
    if use_highs and highs_warm_start:
        start_highs(incumbent)
    left = limit - margin - (time.perf_counter() - start)
    got: dict[str, PMedianResult | HighsResult] = {}
    pending: dict[str, Connection] = {name: conn for name, (_p, conn) in procs.items()}

    def take(name: str, conn: Connection) -> None:
        """Every report waiting on one part's pipe; the part leaves `pending` at its final one."""
        while name in pending and conn.poll():
            try:
                kind, result = conn.recv()
            except EOFError:  # the child died: its last report, if any, still counts
                del pending[name]
                return
            got[name] = result
            if kind == "final":
                del pending[name]

    def combined() -> PortfolioResult:
        ours_r, highs_r = got.get("ours"), got.get("highs")
        return _combine(inst, incumbent, ours_r if isinstance(ours_r, PMedianResult) else None,
                        highs_r if isinstance(highs_r, HighsResult) else None, start, tolerance)

    if "highs" in pending:  # HiGHS may have finished during the heuristic
        take("highs", pending["highs"])
    if use_ours and combined().status != "OPTIMAL":
        recv, send = ctx.Pipe(duplex=False)
        proc2: BaseProcess = ctx.Process(target=_ours_child,
                                         args=(inst, params.with_time_limit(left), incumbent, send))
        proc2.start()
        send.close()
        procs["ours"] = (proc2, recv)
        pending["ours"] = recv
    deadline = start + limit
    while pending:
        ready = wait(list(pending.values()), timeout=max(0.0, deadline - time.perf_counter()))
        if not ready:
            break
        for name, conn in list(pending.items()):
            if conn in ready:
                take(name, conn)
        # stop the other part once the combined answer is proven (for real costs, ours' proof on
        # the scaled costs is not enough when its real gap exceeds the tolerance)
        if combined().status == "OPTIMAL":
            break
    for proc, conn in procs.values():  # what a stopped part reported before the cap counts
        if proc.is_alive():
            proc.terminate()
        proc.join()
        conn.close()
    return combined()


def _heuristic(inst: PMedianInstance, d: np.ndarray, steps: dict[str, float],
               deadline: float | None = None) -> tuple[dict[int, int] | None, float]:
    """Step 1 of `solve_pmedian`: regret assignment + local search, then median swaps (these
    stop at `deadline`: the portfolio gives them `heuristic_share` of the cap, 10 %)."""
    t = time.perf_counter()
    incumbent = local_search_incumbent(inst.demand, d, inst.p, inst.capacity)
    ub = math.inf if incumbent is None else check_solution(inst, d, incumbent)
    steps["heuristic_s"] = time.perf_counter() - t
    steps["heuristic_ub"] = ub
    if incumbent is not None:
        t = time.perf_counter()
        incumbent = swap_search(inst.demand, d, incumbent, inst.capacity, near=25, tries=8,
                                deadline=deadline)
        ub = check_solution(inst, d, incumbent)
        steps["swaps_s"] = time.perf_counter() - t
        steps["swaps_ub"] = ub
    return incumbent, ub


def _combine(inst: PMedianInstance, incumbent: dict[int, int] | None, ours: PMedianResult | None,
             highs: HighsResult | None, start: float, tolerance: float) -> PortfolioResult:
    """The better incumbent (re-checked and costed here) and the better bound of both parts."""
    d = inst.distances()
    scale = inst.cost_scale if inst.real else 1
    cands: list[tuple[str, dict[int, int]]] = []
    if incumbent is not None:
        cands.append(("heuristic", incumbent))
    if ours is not None and ours.assignment:
        cands.append(("ours", ours.assignment))
    if highs is not None and highs.assignment:
        cands.append(("highs", highs.assignment))
    best: tuple[float, str, dict[int, int]] | None = None
    for who, a in cands:
        check_solution(inst, d, a)  # every rule, whichever part found it
        c = inst.real_cost(a)
        if best is None or c < best[0] - 1e-9:
            best = (c, who, a)
    bounds: list[tuple[float, str]] = []
    if ours is not None and ours.best_bound is not None:  # an interim bound may be fractional
        bounds.append((ours.best_bound / scale if inst.real else math.ceil(ours.best_bound - 1e-6), "ours"))
    if highs is not None and highs.best_bound is not None and math.isfinite(highs.best_bound):
        hb = highs.best_bound if inst.real else math.ceil(highs.best_bound - 1e-6)
        bounds.append((hb, "highs"))
    bound, by = max(bounds) if bounds else (None, "")
    status: SolveStatus = "UNKNOWN"
    proved_by = ""
    if best is not None:
        status = "FEASIBLE"
        if bound is not None and (best[0] - bound <= (tolerance if inst.real else 1e-9)):
            status, proved_by = "OPTIMAL", by
    return PortfolioResult(name=inst.name, optimum=inst.optimum, status=status,
                           objective=None if best is None else best[0], bound=bound,
                           seconds=time.perf_counter() - start,
                           winner="" if best is None else best[1], proved_by=proved_by,
                           ours=ours, highs=highs, assignment={} if best is None else best[2])


def run_row(inst: PMedianInstance, params: SolverParams, *, method: str = "portfolio",
            highs: bool = True, tolerance: float = 0.005) -> dict[str, Any]:
    """One benchmark row: `method` (portfolio, ours, highs) and, if asked, a plain HiGHS run
    (2 threads, same cap) right after it. Costs in the instance's unit (real for SJC)."""
    limit = params.max_time_in_seconds or 60.0
    if method == "ours":
        r = solve_portfolio(inst, params, use_highs=False, tolerance=tolerance)
    elif method == "highs":
        r = solve_portfolio(inst, params, use_ours=False, tolerance=tolerance)
    else:
        r = solve_portfolio(inst, params, tolerance=tolerance)
    known = inst.optimum
    at_known = (r.status == "OPTIMAL" and r.objective is not None and known is not None
                and abs(r.objective - known) <= (tolerance if inst.real else 1e-6))
    row: dict[str, Any] = {
        "name": inst.name, "n": inst.n, "p": inst.p, "known_optimum": known,
        "objective": _num(r.objective), "best_bound": _num(r.bound), "status": r.status,
        "gap": None if r.gap is None else round(r.gap, 6),
        "seconds": round(r.seconds, 3), "at_known_optimum": at_known,
        "winner": r.winner, "proved_by": r.proved_by, "method": method,
        "ours_status": r.ours.status if r.ours else None,
        "ours_bound": _num(None if r.ours is None or r.ours.best_bound is None
                           else r.ours.best_bound / (inst.cost_scale if inst.real else 1)),
        "portfolio_highs_status": r.highs.status if r.highs else None,
    }
    if highs:
        h = solve_highs(inst, limit)
        row.update({"highs_status": h.status, "highs_objective": _num(h.objective),
                    "highs_bound": _num(h.best_bound), "highs_seconds": round(h.seconds, 3),
                    "ratio": round(r.seconds / h.seconds, 3) if h.seconds > 0 else None,
                    "worse_on_both": _worse_on_both(r, h, inst.real)})
    return row


def _num(v: float | None) -> float | None:
    return None if v is None else round(float(v), 4)


def _worse_on_both(r: PortfolioResult, h: HighsResult, real: bool) -> bool:
    """The issue's robustness test: worse incumbent AND worse bound than plain HiGHS."""
    eps = 1e-6 if real else 0.5
    worse_inc = h.objective is not None and (r.objective is None or r.objective > h.objective + eps)
    hb = h.best_bound if h.best_bound is not None and math.isfinite(h.best_bound) else None
    if hb is not None and not real:
        hb = math.ceil(hb - 1e-6)
    worse_bound = hb is not None and (r.bound is None or r.bound < hb - eps)
    return worse_inc and worse_bound
