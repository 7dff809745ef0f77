"""A generalised capacitated facility instance: the p-median family and the merger core's instances.

Why (issue 19, point 3): the benchmark measured the core on plain capacitated p-median instances
(one capacity, every pair allowed, exactly p medians); the product solves merger instances
(`herverdeling.mergers.model.Instance`) with a capacity per site, allowed pairs cut by distance
norms, a minimum size, no fixed p and a lexicographic objective. `FacilityInstance` holds both,
so that one export of each merger scope and category can be solved by the merger core as the
product runs it and by HiGHS on a plain MIP of the same instance, and both can be checked against
a brute force on tiny instances.

Rules of a solution (an assignment client -> site), checked by `evaluate`:
- every client goes to exactly one allowed site, and each site's load stays within its capacity;
- `home[j] = h >= 0`: site j is client h's own municipality; it is open exactly when h stays
  there, and other clients may join j only then (the merger core's home sites);
- the number of open sites lies within [p_min, p_max] (p-median: p_min = p_max = p);
- `group_caps`: the summed load of a group of sites stays within a cap (cross-border surplus);
- `need[j] > 0`: an open site whose load is below need[j] is not viable; its load counts as
  "nonviable" places, or is forbidden when `require_viable`.
Objective terms: "nonviable" (places in non-viable sites), "locations" (open sites with
counts[j]) and "cost" (sum of cost[i, j] over the assignment); `levels` minimise weighted sums of
terms lexicographically, each level keeping the earlier ones at the values reached.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from ortools.sat.python import cp_model

from herverdeling.cpsat import SolverParams, relative_gap, stdout_to_stderr, worst_status
from herverdeling.mergers.core import FacilityModel, solve
from herverdeling.proposals import SolveStatus

FTerm = Literal["nonviable", "locations", "cost"]
Level = tuple[tuple[FTerm, int], ...]
# The merger objective's term names (models/objectives/mergers.yaml) in this module's names.
MERGER_TERMS: dict[str, FTerm] = {"nonviable_places": "nonviable", "locations": "locations",
                                  "place_km": "cost"}


@dataclass(frozen=True)
class FacilityInstance:
    """One instance (see the module docstring). `real`: cost holds unrounded values; the CP-SAT
    solver then works on floor(cost_scale * cost), HiGHS on the exact values."""

    name: str
    demand: np.ndarray  # (n,) int
    capacity: np.ndarray  # (m,) int
    cost: np.ndarray  # (n, m) float; whole numbers unless real
    allowed: np.ndarray  # (n, m) bool
    p_min: int = 0
    p_max: int | None = None
    home: np.ndarray | None = None  # (m,) int, -1 = no home client
    need: np.ndarray | None = None  # (m,) int, 0 = always viable
    counts: np.ndarray | None = None  # (m,) bool; default: every site counts as a location
    group_caps: tuple[tuple[tuple[int, ...], int], ...] = ()
    levels: tuple[Level, ...] = ((("cost", 1),),)
    require_viable: bool = False
    real: bool = False
    cost_scale: int = 1

    def __post_init__(self) -> None:
        n, m = self.n, self.m
        if self.cost.shape != (n, m) or self.allowed.shape != (n, m) or self.capacity.shape != (m,):
            raise ValueError(f"{self.name}: cost/allowed must be (n, m) = ({n}, {m}), capacity (m,)")
        if not self.allowed.any(axis=1).all():
            raise ValueError(f"{self.name}: a client has no allowed site")
        if self.home is not None:
            for j, h in enumerate(self.home.tolist()):
                if h >= 0 and not self.allowed[h, j]:
                    raise ValueError(f"{self.name}: home client {h} may not stay at its site {j}")
        for level in self.levels:
            if self.real and any(t == "cost" for t, _ in level) and len(level) > 1:
                raise ValueError("with real costs the cost term needs a level of its own (scaling)")

    @property
    def n(self) -> int:
        return len(self.demand)

    @property
    def m(self) -> int:
        return len(self.capacity)

    def pairs(self) -> list[tuple[int, int]]:
        return [(int(i), int(j)) for i, j in zip(*np.nonzero(self.allowed), strict=True)]

    def int_cost(self) -> np.ndarray:
        """The integer costs CP-SAT works on: cost itself, or floor(cost_scale * cost) when real
        (then C(X) <= cost_scale * D(X) < C(X) + n: a bound on C / cost_scale bounds D)."""
        if self.real:
            return np.floor(self.cost * self.cost_scale + 1e-9).astype(np.int64)
        return np.rint(self.cost).astype(np.int64)

    def _need(self) -> np.ndarray:
        return np.zeros(self.m, dtype=np.int64) if self.need is None else self.need

    def _counts(self) -> np.ndarray:
        return np.ones(self.m, dtype=bool) if self.counts is None else self.counts

    def evaluate(self, assignment: Mapping[int, int]) -> tuple[float, ...]:
        """The level values of a solution, after checking every rule (raises ValueError)."""
        if sorted(assignment) != list(range(self.n)):
            raise ValueError("not every client is assigned exactly once")
        load = np.zeros(self.m, dtype=np.int64)
        for i, j in assignment.items():
            if not self.allowed[i, j]:
                raise ValueError(f"client {i} may not go to site {j}")
            load[j] += int(self.demand[i])
        if (load > self.capacity).any():
            raise ValueError(f"site {int(np.argmax(load > self.capacity))} is over capacity")
        open_ = load > 0
        if self.home is not None:
            for j, h in enumerate(self.home.tolist()):
                if h >= 0 and open_[j] != (assignment[h] == j):
                    raise ValueError(f"home site {j} is open without its own client {h} or the reverse")
        k = int(open_.sum())
        if k < self.p_min or (self.p_max is not None and k > self.p_max):
            raise ValueError(f"{k} open sites, outside [{self.p_min}, {self.p_max}]")
        for sites, cap in self.group_caps:
            if int(load[list(sites)].sum()) > cap:
                raise ValueError(f"group {sites} over its cap {cap}")
        need = self._need()
        short = open_ & (need > 0) & (load < need)
        if self.require_viable and short.any():
            raise ValueError(f"site {int(np.argmax(short))} is open below its minimum size")
        terms: dict[FTerm, float] = {
            "nonviable": float(load[short].sum()),
            "locations": float((open_ & self._counts()).sum()),
            "cost": float(sum(float(self.cost[i, j]) for i, j in assignment.items())),
        }
        return tuple(sum(w * terms[t] for t, w in level) for level in self.levels)


# ---- conversions -----------------------------------------------------------------------------------
def from_pmedian(inst: Any) -> FacilityInstance:
    """A `PMedianInstance` (pmedcap, SJC, generated) as the general type: one capacity, every
    pair allowed, exactly p open sites, the cost level only."""
    n = inst.n
    cost = inst.real_distances() if inst.real else inst.distances().astype(float)
    return FacilityInstance(name=inst.name, demand=np.asarray(inst.demand, dtype=np.int64),
                            capacity=np.full(n, int(inst.capacity), dtype=np.int64), cost=cost,
                            allowed=np.ones((n, n), dtype=bool), p_min=inst.p, p_max=inst.p,
                            real=inst.real, cost_scale=inst.cost_scale if inst.real else 1)


def from_merger(inst: Any, levels: Sequence[Mapping[str, int]], *,
                require_viable: bool = False) -> FacilityInstance:
    """A merger scope and category (`herverdeling.mergers.model.Instance`) as the general type.

    `levels`: the objective levels' terms (MergerSettings.objective.levels[k].terms). Site j < n is
    client j's home; cost is the place-km in units of km_unit the core minimises (`unit_cost`);
    need = min_size minus what the site holds outside its load (0 for an always-viable host).
    """
    n, m = len(inst.clients), len(inst.sites)
    allowed = np.zeros((n, m), dtype=bool)
    cost = np.zeros((n, m))
    for i, row in enumerate(inst.allowed):
        for j in row:
            allowed[i, j] = True
            cost[i, j] = inst.unit_cost(i, j)
    base = inst.base
    need = np.array([0 if s.always_viable else max(0, inst.min_size - base[j])
                     for j, s in enumerate(inst.sites)], dtype=np.int64)
    home = np.array([j if j < n and s.kind == "home" else -1 for j, s in enumerate(inst.sites)],
                    dtype=np.int64)
    return FacilityInstance(
        name=inst.scope.replace("/", "-"),
        demand=np.array([c.places for c in inst.clients], dtype=np.int64),
        capacity=np.array([s.cap for s in inst.sites], dtype=np.int64), cost=cost, allowed=allowed,
        home=home, need=need, counts=np.array([s.counts_location for s in inst.sites], dtype=bool),
        group_caps=tuple((tuple(idx), int(cap)) for _p, idx, cap in inst.group_caps),
        levels=tuple(tuple((MERGER_TERMS[t], int(w)) for t, w in lv.items()) for lv in levels),
        require_viable=require_viable)


def write_facility(fi: FacilityInstance, path: Path) -> None:
    """One instance as JSON (the export per merger scope and category)."""
    data = {"name": fi.name, "demand": fi.demand.tolist(), "capacity": fi.capacity.tolist(),
            "pairs": [[i, j, float(fi.cost[i, j])] for i, j in fi.pairs()],
            "p_min": fi.p_min, "p_max": fi.p_max,
            "home": None if fi.home is None else fi.home.tolist(),
            "need": None if fi.need is None else fi.need.tolist(),
            "counts": None if fi.counts is None else fi.counts.tolist(),
            "group_caps": [[list(s), c] for s, c in fi.group_caps],
            "levels": [[[t, w] for t, w in lv] for lv in fi.levels],
            "require_viable": fi.require_viable, "real": fi.real, "cost_scale": fi.cost_scale}
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def read_facility(path: Path) -> FacilityInstance:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    n, m = len(data["demand"]), len(data["capacity"])
    cost = np.zeros((n, m))
    allowed = np.zeros((n, m), dtype=bool)
    for i, j, c in data["pairs"]:
        allowed[i, j], cost[i, j] = True, c

    def arr(key: str, dtype: Any) -> np.ndarray | None:
        return None if data[key] is None else np.array(data[key], dtype=dtype)

    return FacilityInstance(
        name=data["name"], demand=np.array(data["demand"], dtype=np.int64),
        capacity=np.array(data["capacity"], dtype=np.int64), cost=cost, allowed=allowed,
        p_min=data["p_min"], p_max=data["p_max"], home=arr("home", np.int64),
        need=arr("need", np.int64), counts=arr("counts", bool),
        group_caps=tuple((tuple(s), int(c)) for s, c in data["group_caps"]),
        levels=tuple(tuple((t, int(w)) for t, w in lv) for lv in data["levels"]),
        require_viable=data["require_viable"], real=data["real"], cost_scale=data["cost_scale"])


# ---- results -----------------------------------------------------------------------------------------
@dataclass
class FacilityResult:
    """Per level: status, objective (exact costs) and bound, of one lexicographic solve."""

    solver: str
    statuses: list[str]
    objectives: list[float | None]
    bounds: list[float | None]
    seconds: float
    assignment: dict[int, int] = field(default_factory=dict)

    levels: int = 1  # how many levels the instance has (a level not reached counts as UNKNOWN)

    @property
    def status(self) -> SolveStatus:
        """OPTIMAL only if every level is proven (HiGHS statuses are stored in the CP-SAT names)."""
        known: dict[str, SolveStatus] = {"OPTIMAL": "OPTIMAL", "FEASIBLE": "FEASIBLE",
                                         "INFEASIBLE": "INFEASIBLE"}
        found = [known.get(s, "UNKNOWN") for s in self.statuses]
        if len(found) < self.levels:
            found.append("UNKNOWN")
        return worst_status(found)

    @property
    def gap(self) -> float | None:
        """The gap of the last level solved (lexicographic: earlier levels are fixed by then)."""
        if not self.objectives:
            return None
        return relative_gap(self.objectives[-1], self.bounds[-1])


def _cost_level(fi: FacilityInstance, level: Level) -> bool:
    return fi.real and any(t == "cost" for t, _ in level)


# ---- (a) CP-SAT on the merger core ----------------------------------------------------------------
def solve_core(fi: FacilityInstance, params: SolverParams,
               hint: Mapping[int, int] | None = None) -> FacilityResult:
    """The instance on the merger core (`FacilityModel`, `solve`), level by level, the way
    `mergers.model.build_model` / `solve_instance` build and solve a merger scope."""
    start = time.perf_counter()
    allowed = [np.flatnonzero(fi.allowed[i]).tolist() for i in range(fi.n)]
    fm = FacilityModel([int(v) for v in fi.demand], allowed,
                       {j: int(c) for j, c in enumerate(fi.capacity)}, name=fi.name)
    m = fm.model
    if fi.home is not None:
        for j in fm.sites:
            h = int(fi.home[j])
            if h >= 0:
                m.add(fm.y[j] == fm.x[h, j])
                for i in fm.by_site[j]:
                    if i != h:
                        m.add_implication(fm.x[i, j], fm.x[h, j])
    opened = cp_model.LinearExpr.sum(list(fm.y.values()))
    if fi.p_min > 0:
        m.add(opened >= fi.p_min)
        for j in fm.sites:  # open means used, as `evaluate` counts it (an empty site would count)
            m.add_bool_or([fm.x[i, j] for i in fm.by_site[j]]).only_enforce_if(fm.y[j])
    if fi.p_max is not None:
        m.add(opened <= fi.p_max)
    for sites, cap in fi.group_caps:
        m.add(sum(fm.load(j) for j in sites if j in fm.y) <= cap)
    need, counts = fi._need(), fi._counts()
    nonviable = []
    for j in fm.sites:
        if need[j] <= 0:
            continue
        v = m.new_bool_var(f"v[{j}]")
        load = fm.load(j)
        m.add_implication(v, fm.y[j])
        m.add(load >= int(need[j])).only_enforce_if(v)
        m.add(load <= int(need[j]) - 1).only_enforce_if(~v)
        nv = m.new_int_var(0, int(need[j]) - 1, f"nv[{j}]")
        m.add(nv == 0).only_enforce_if(v)
        m.add(nv == load).only_enforce_if(~v)
        nonviable.append(nv)
        if fi.require_viable:
            m.add(v == fm.y[j])
    c = fi.int_cost()
    terms: dict[FTerm, cp_model.LinearExpr] = {
        "nonviable": cp_model.LinearExpr.sum(nonviable),
        "locations": cp_model.LinearExpr.sum([fm.y[j] for j in fm.sites if counts[j]]),
        "cost": fm.assignment_cost({(i, j): int(c[i, j]) for (i, j) in fm.x}),
    }
    res = FacilityResult("core", [], [], [], 0.0, levels=len(fi.levels))
    current = dict(hint) if hint else {}
    for level in fi.levels:
        expr = cp_model.LinearExpr.weighted_sum([terms[t] for t, _ in level], [w for _, w in level])
        m.clear_hints()
        if current:
            fm.add_hint(current)
        out = solve(m, expr, params)
        res.statuses.append(out.status)
        if not out.has_solution:
            res.objectives.append(None)
            res.bounds.append(None)
            break
        current = fm.assignment(out)
        scale = fi.cost_scale if _cost_level(fi, level) else 1
        res.objectives.append(None)  # exact value below, from the final assignment
        res.bounds.append(None if out.best_bound is None else out.best_bound / scale)
        m.add(expr <= round(out.objective or 0))
    if current:
        res.assignment = current
        values = fi.evaluate(current)
        res.objectives = [values[k] if k < len(res.statuses) and res.statuses[k] in ("OPTIMAL", "FEASIBLE")
                          else None for k in range(len(res.statuses))]
    res.seconds = time.perf_counter() - start
    return res


# ---- (b) HiGHS on a plain MIP of the same instance --------------------------------------------------
def solve_highs_facility(fi: FacilityInstance, time_limit: float = 60.0,
                         threads: int = 2) -> FacilityResult:
    """x[i,j] (allowed pairs), y[j], binaries; v[j] binary and nv[j] >= 0 per site with a need.

    sum_j x[i,j] = 1; load_j <= cap_j y_j; x[i,j] <= y_j <= sum_i x[i,j]; home: y_j = x[h,j],
    x[i,j] <= x[h,j]; p_min <= sum y <= p_max; group loads <= cap; viability: load_j >= need_j v_j,
    v_j <= y_j, nv_j >= load_j - cap_j v_j (nv_j = load_j (1 - v_j) at the optimum);
    require_viable: v_j = y_j.
    Levels are solved in turn with `time_limit` each; each level adds `expr <= value` (plus 1e-6
    with real costs). No start solution is passed from one level to the next: with one
    (setSolution before the re-run, highspy 1.16) HiGHS reported nl-2025 GE/amv's place-km level
    Optimal at 2003 and returned a solution costing 2468, while the optimum is 2018 (measured;
    without it: 2018). Costs are the exact ones; mip_rel_gap 0.
    `threads`: 2 as in `solve_highs`; HiGHS keeps the thread pool of its first run in a
    process, and a later run asking for another count gets no solution (measured).
    """
    import highspy

    start = time.perf_counter()
    pairs = fi.pairs()
    col = {p: k for k, p in enumerate(pairs)}
    nx, m = len(pairs), fi.m
    need, counts = fi._need(), fi._counts()
    viab = [j for j in range(m) if need[j] > 0]
    vcol = {j: nx + m + k for k, j in enumerate(viab)}
    nvcol = {j: nx + m + len(viab) + k for k, j in enumerate(viab)}
    ncol = nx + m + 2 * len(viab)
    with stdout_to_stderr():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", threads)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("mip_rel_gap", 0.0)
    inf = highspy.kHighsInf
    upper = np.ones(ncol)
    for j in viab:
        upper[nvcol[j]] = inf
    h.addVars(ncol, np.zeros(ncol), upper)
    integrality = np.full(ncol, highspy.HighsVarType.kInteger)
    for j in viab:
        integrality[nvcol[j]] = highspy.HighsVarType.kContinuous
    h.changeColsIntegrality(ncol, np.arange(ncol, dtype=np.int32), integrality)

    def row(lo: float, hi: float, idx: Sequence[int], val: Sequence[float]) -> None:
        h.addRow(lo, hi, len(idx), np.array(idx, dtype=np.int32), np.array(val, dtype=float))

    by_client: dict[int, list[int]] = {}
    by_site: dict[int, list[int]] = {}
    for (i, j), k in col.items():
        by_client.setdefault(i, []).append(k)
        by_site.setdefault(j, []).append(k)
    for i in range(fi.n):
        row(1.0, 1.0, by_client[i], [1.0] * len(by_client[i]))
    y = [nx + j for j in range(m)]
    for j in range(m):
        ks = by_site.get(j, [])
        dem = [float(fi.demand[pairs[k][0]]) for k in ks]
        row(-inf, 0.0, [*ks, y[j]], [*dem, -float(fi.capacity[j])])
        for k in ks:
            row(-inf, 0.0, [k, y[j]], [1.0, -1.0])
        if ks:  # open means used, as `evaluate` counts it: else p_min could count an empty site
            row(-inf, 0.0, [y[j], *ks], [1.0, *[-1.0] * len(ks)])
        else:
            row(0.0, 0.0, [y[j]], [1.0])
        h_ = -1 if fi.home is None else int(fi.home[j])
        if h_ >= 0:
            kh = col[h_, j]
            row(0.0, 0.0, [y[j], kh], [1.0, -1.0])
            for k in ks:
                if k != kh:
                    row(-inf, 0.0, [k, kh], [1.0, -1.0])
        if j in vcol:
            row(0.0, inf, [*ks, vcol[j]], [*dem, -float(need[j])])  # load >= need v
            row(-inf, 0.0, [vcol[j], y[j]], [1.0, -1.0])  # v <= y
            row(0.0, inf, [nvcol[j], *ks, vcol[j]],  # nv >= load - cap v
                [1.0, *[-d for d in dem], float(fi.capacity[j])])
            if fi.require_viable:
                row(0.0, 0.0, [vcol[j], y[j]], [1.0, -1.0])
    if fi.p_min > 0 or fi.p_max is not None:
        row(float(fi.p_min), inf if fi.p_max is None else float(fi.p_max), y, [1.0] * m)
    for sites, cap in fi.group_caps:
        ks = [k for j in sites for k in by_site.get(j, [])]
        row(-inf, float(cap), ks, [float(fi.demand[pairs[k][0]]) for k in ks])

    def level_cost(level: Level) -> np.ndarray:
        c = np.zeros(ncol)
        for t, w in level:
            if t == "cost":
                for (i, j), k in col.items():
                    c[k] += w * float(fi.cost[i, j])
            elif t == "locations":
                for j in range(m):
                    if counts[j]:
                        c[y[j]] += w
            else:
                for j in viab:
                    c[nvcol[j]] += w
        return c

    res = FacilityResult("highs", [], [], [], 0.0, levels=len(fi.levels))
    current: dict[int, int] = {}
    for level in fi.levels:
        c = level_cost(level)
        h.changeColsCost(ncol, np.arange(ncol, dtype=np.int32), c)
        h.setOptionValue("time_limit", float(max(time_limit, 0.01)))
        h.run()
        status = h.modelStatusToString(h.getModelStatus())
        info = h.getInfo()
        res.statuses.append("OPTIMAL" if status == "Optimal" else
                            "INFEASIBLE" if status == "Infeasible" else
                            "FEASIBLE" if info.primal_solution_status == 2 else "UNKNOWN")
        if info.primal_solution_status != 2:
            res.objectives.append(None)
            res.bounds.append(None)
            break
        x = np.asarray(h.getSolution().col_value)
        current = {i: j for (i, j), k in col.items() if x[k] > 0.5}
        value = float(c @ x)  # the solution's own value, not the one HiGHS states
        bound = float(info.mip_dual_bound)
        # HiGHS's statement not matching its own solution: trust the solution (re-checked
        # below), not the claim or the bound
        trusted = abs(value - float(info.objective_function_value)) <= 1e-6 * max(1.0, abs(value))
        if not trusted:
            res.statuses[-1] = "FEASIBLE"
        if not _cost_level(fi, level) and math.isfinite(bound):  # whole numbers: round the bound up
            value, bound = float(round(value)), float(math.ceil(bound - 1e-6))
        res.objectives.append(value)
        res.bounds.append(bound if trusted and math.isfinite(bound) else None)
        nz = np.flatnonzero(c)
        row(-inf, value + (1e-6 if _cost_level(fi, level) else 0.0), nz.tolist(), c[nz].tolist())
    if current:
        res.assignment = current
        values = fi.evaluate(current)  # every rule, and the exact level values
        res.objectives = [values[k] if res.objectives[k] is not None else None
                          for k in range(len(res.objectives))]
    res.seconds = time.perf_counter() - start
    return res


# ---- brute force (tests) ------------------------------------------------------------------------------
def brute_force(fi: FacilityInstance) -> tuple[tuple[float, ...], dict[int, int]] | None:
    """The lexicographic optimum by enumerating every assignment (tiny instances only)."""
    rows = [np.flatnonzero(fi.allowed[i]).tolist() for i in range(fi.n)]
    best: tuple[tuple[float, ...], dict[int, int]] | None = None
    for choice in itertools.product(*rows):
        a = dict(enumerate(choice))
        try:
            values = fi.evaluate(a)
        except ValueError:
            continue
        if best is None or values < best[0]:
            best = (values, a)
    return best


def lex_worse_on_both(ours: FacilityResult, other: FacilityResult, eps: float = 1e-6) -> bool:
    """The issue's test, lexicographically: at the first level where the two differ in objective
    or bound, ours has both a worse objective and a worse bound. Later levels' bounds hold only
    given the earlier values, so they are compared only while the earlier values agree."""
    for k in range(max(len(ours.objectives), len(other.objectives))):
        oo = ours.objectives[k] if k < len(ours.objectives) else None
        ho = other.objectives[k] if k < len(other.objectives) else None
        ob = ours.bounds[k] if k < len(ours.bounds) else None
        hb = other.bounds[k] if k < len(other.bounds) else None
        same_obj = oo is not None and ho is not None and abs(oo - ho) <= eps
        same_bound = ob is not None and hb is not None and abs(ob - hb) <= eps
        if same_obj and same_bound:
            continue
        worse_obj = ho is not None and (oo is None or oo > ho + eps)
        worse_bound = hb is not None and (ob is None or ob < hb - eps)
        return worse_obj and worse_bound
    return False
