"""The deal model of one category: which municipalities a plusprovincie relieves, by how much,
backed by which of its municipalities, in few whole agreements (issue 14, point 1).

Data (`Instance`): the candidates (relievable municipalities with their allowed relief amounts),
the sources (plusprovincie municipalities with extra places), the allowed (source province, sink
province) pairs. One agreement per (source province, sink province, category): splitting a pair
into several agreements only repeats the two provinces as parties and adds an agreement, so it can
never help the agreements or parties levels; it could only help relief when the party cap binds,
and the measured nl-2025 maximum with the cap equals the bound without it (report).

Variables per allowed (candidate i, plusprovincie p):
- w[i,p] the whole task is relieved (only if relief cap >= task: it clears it);
- g[i,p] a partial relief, with amount a[i,p] in [min_relief, min(cap, task - min_size)], so it is
  at least `min_relief` and leaves at least a viable `min_size` (D2);
  relief r[i,p] = task * w + a, relieved x[i,p] = w + g, and sum_p x[i,p] <= 1 (D1);
- y[p,q] the agreement (p, q) exists: x <= y, y <= sum x; sum_p y[p,q] <= max_partners;
- b[s,q], f[s,q]: source municipality s backs agreement (p, q) with f places, b <= y, b <= f <=
  ub b; sum_q f[s,q] <= extra_s (P2, per municipality and so per province); sum_s f[s,q] equals the
  agreement's relief;
- parties: 2 y + sum_i x + sum_s b <= max_parties y (the two provinces, relieved, backers);
- only for place-km: f2[s,i] backing of relief i by s, summing to r[i,p] and to f[s,q].

It is one linear model (no domain holes, no indicator constraints), built through the common API of
CP-SAT's CpModel and OR-Tools' ModelBuilder, so CP-SAT, HiGHS and SCIP solve exactly the same model.
Levels are solved in the settings' order; each optimum becomes a constraint (relief: at least
ceil(relief_share x maximum)) and the solution the hint of the next level.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ortools.linear_solver.python import model_builder as mb
from ortools.sat.python import cp_model

from herverdeling.cpsat import configure, status_of, stdout_to_stderr
from herverdeling.errors import InfeasibleError
from herverdeling.proposals import SolveInfo, SolveStatus
from herverdeling.scenario.model import Category, Scenario
from herverdeling.surplus.deals import layouts as _layouts
from herverdeling.surplus.deals.layouts import Layout, agreement_layouts, search_layouts
from herverdeling.surplus.deals.settings import DealPins, DealSettings, Level
from herverdeling.surplus.network import Site, max_relief

MAXIMISE: frozenset[Level] = frozenset({"relief", "small_tasks", "most_relief"})
"""`most_relief` is relief again, as a later tie-break: among the solutions the earlier levels kept
(relief only at its floor), the most relief, so a frontier point is never beaten on relief alone."""


@dataclass(frozen=True)
class Candidate:
    """A relievable (municipality, category): its allowed reliefs are {task} if `whole`, and the
    range [lo, hi] if lo <= hi."""

    code: str
    province: str
    task: int
    cap: int
    whole: bool
    lo: int
    hi: int
    wanted: bool = False

    @property
    def has_range(self) -> bool:
        return self.lo <= self.hi

    @property
    def max_relief(self) -> int:
        return self.task if self.whole else self.hi

    @property
    def small(self) -> bool:
        """A small task (0 < task < min_size) is only ever relieved whole."""
        return self.whole and not self.has_range


@dataclass(frozen=True)
class Source:
    code: str
    province: str
    extra: int


@dataclass(frozen=True)
class Instance:
    """One category's deal problem, with everything the model and a brute force need."""

    category: Category
    candidates: tuple[Candidate, ...]
    sources: tuple[Source, ...]
    pairs: tuple[tuple[str, str], ...]  # allowed (plusprovincie, sink) with candidates and sources
    preferred: frozenset[tuple[str, str]]
    weights: dict[str, int]  # sink -> relief capacity: the proportional share (fairness)
    units: dict[tuple[str, str], int]  # (source code, candidate code) -> distance in distance units
    km: dict[tuple[str, str], float]
    max_parties: int
    max_partners: int
    min_relief: int
    min_size: int
    # the P-rules maximum: the most relief the surplus allows with P2, P11 and the partner pins but
    # without D1-D3, the flow stage's relief; what relief_share is a share of (relief_base surplus)
    surplus_max: int = 0

    @property
    def sinks(self) -> tuple[str, ...]:
        return tuple(sorted({q for _, q in self.pairs}))

    @property
    def plus(self) -> tuple[str, ...]:
        return tuple(sorted({p for p, _ in self.pairs}))

    def relief_bound(self) -> int:
        """An easy upper bound: the surplus that can back relief, and every candidate's largest
        allowed relief (what the LP relaxation of the model also gives on nl-2025)."""
        supply = sum(s.extra for s in self.sources if s.province in self.plus)
        reach = {q for _, q in self.pairs}
        demand = sum(c.max_relief for c in self.candidates if c.province in reach)
        return min(supply, demand)


def relief_options(task: int, cap: int, min_relief: int, min_size: int) -> tuple[bool, int, int]:
    """(whole, lo, hi): D2 and P11 as the allowed relief amounts of one municipality."""
    whole = 0 < task <= cap
    return whole, max(1, min_relief), min(cap, task - min_size)


def build_instance(scenario: Scenario, category: Category, settings: DealSettings,
                   pins: DealPins) -> Instance:
    """The candidates, sources and pairs of one category, after the pins (D4)."""
    min_relief = settings.min_relief.get(category)
    min_size = scenario.norms.get(category).min_size
    plus = [p for p in scenario.plusprovincies() if scenario.surplus(p).get(category) > 0]
    sinks = list(scenario.restopgave_provinces())
    sources = tuple(Source(m.cbs_code, p, m.extra.get(category)) for p in plus
                    for m in sorted(scenario.municipalities_in(p), key=lambda m: m.cbs_code)
                    if m.extra.get(category) > 0 and pins.may_back(m.cbs_code))
    cands: list[Candidate] = []
    weights: dict[str, int] = {}
    relievable: list[Site] = []
    for q in sinks:
        weights[q] = 0
        for m in sorted(scenario.municipalities_in(q), key=lambda m: m.cbs_code):
            cap = scenario.relief_cap(m, category)
            weights[q] += cap
            wish = pins.relief(m.cbs_code)
            if cap <= 0 or wish == "refused":
                continue
            relievable.append(Site(m.cbs_code, q, cap, m.point.lat, m.point.lon))
            whole, lo, hi = relief_options(m.verdeelbesluit.get(category), cap, min_relief, min_size)
            if whole or lo <= hi:
                cands.append(Candidate(m.cbs_code, q, m.verdeelbesluit.get(category), cap, whole, lo, hi,
                                       wanted=wish == "wanted"))
    has_src = {s.province for s in sources}
    has_cand = {c.province for c in cands}
    pairs = tuple((p, q) for q in sinks for p in plus
                  if p in has_src and q in has_cand and pins.partner(q, p) != "refused")
    preferred = frozenset(pq for pq in pairs if pins.partner(pq[1], pq[0]) == "preferred")
    units: dict[tuple[str, str], int] = {}
    km: dict[tuple[str, str], float] = {}
    reach = defaultdict(set)
    for p, q in pairs:
        reach[p].add(q)
    for s in sources:
        for c in cands:
            if c.province in reach[s.province]:
                d = scenario.distance_km(s.code, c.code)
                km[(s.code, c.code)] = d
                units[(s.code, c.code)] = round(d * 1000 / settings.distance_unit_m)
    refused = frozenset((p, q) for p in plus for q in sinks if pins.partner(q, p) == "refused")
    supply = tuple(Site(s.code, s.province, s.extra, 0.0, 0.0) for s in sources)
    return Instance(category=category, candidates=tuple(cands), sources=sources, pairs=pairs,
                    preferred=preferred, weights=weights, units=units, km=km,
                    max_parties=settings.max_parties, max_partners=settings.max_partners,
                    min_relief=min_relief, min_size=min_size,
                    surplus_max=max_relief(supply, tuple(relievable), refused))


def relief_top(info: SolveInfo) -> int:
    """The maximum a relief level proved, or its bound where it stopped short (the bound is at
    least the maximum, so a share of it never drops below that share of the maximum)."""
    if info.objective is None:
        raise InfeasibleError(f"deals {info.scope}/relief: no relief level solved")
    return _top(info.status, round(info.objective), info.best_bound)


def _top(status: SolveStatus, value: int, bound: float | None) -> int:
    return value if status == "OPTIMAL" or bound is None else math.floor(bound + 1e-9)


# ---- the model -----------------------------------------------------------------------------------

@dataclass
class LevelOutcome:
    level: Level
    status: SolveStatus
    objective: float | None
    bound: float | None
    seconds: float
    info: SolveInfo


@dataclass
class DealModel:
    """The model of one Instance on one backend; `solve_levels` runs the lexicographic chain."""

    inst: Instance
    settings: DealSettings
    backend: str = "cp-sat"
    model: Any = None
    lx: Any = None
    variables: list[Any] = field(default_factory=list)
    w: dict[tuple[int, str], Any] = field(default_factory=dict)
    g: dict[tuple[int, str], Any] = field(default_factory=dict)
    a: dict[tuple[int, str], Any] = field(default_factory=dict)
    y: dict[tuple[str, str], Any] = field(default_factory=dict)
    b: dict[tuple[str, str], Any] = field(default_factory=dict)
    f: dict[tuple[str, str], Any] = field(default_factory=dict)
    f2: dict[tuple[str, int], Any] = field(default_factory=dict)
    values: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.backend == "cp-sat":
            self.model, self.lx = cp_model.CpModel(), cp_model.LinearExpr
        else:
            self.model, self.lx = mb.Model(), mb.LinearExpr
        self._build()

    # -- helpers
    def _int(self, lb: int, ub: int, name: str) -> Any:
        v = self.model.new_int_var(lb, ub, name)
        self.variables.append((name, v))
        return v

    def _bool(self, name: str) -> Any:
        v = self.model.new_bool_var(name)
        self.variables.append((name, v))
        return v

    def _sum(self, terms: Sequence[Any]) -> Any:
        return self.lx.sum(list(terms)) if terms else 0

    def x(self, i: int, p: str) -> Any:
        return self._sum([v for v in (self.w.get((i, p)), self.g.get((i, p))) if v is not None])

    def r(self, i: int, p: str) -> Any:
        c = self.inst.candidates[i]
        terms = []
        if (i, p) in self.w:
            terms.append(c.task * self.w[(i, p)])
        if (i, p) in self.a:
            terms.append(self.a[(i, p)])
        return self._sum(terms)

    def keys(self) -> list[tuple[int, str]]:
        return sorted({*self.w, *self.g})

    # -- build
    def _build(self) -> None:
        inst, add = self.inst, self.model.add
        by_q: dict[str, list[int]] = defaultdict(list)
        for i, c in enumerate(inst.candidates):
            by_q[c.province].append(i)
        self.by_q = by_q
        self.src_in: dict[str, list[Source]] = defaultdict(list)
        for s in inst.sources:
            self.src_in[s.province].append(s)
        for p, q in inst.pairs:
            y = self.y[(p, q)] = self._bool(f"y_{p}_{q}")
            for i in by_q[q]:
                c = inst.candidates[i]
                if c.whole:
                    self.w[(i, p)] = self._bool(f"w_{c.code}_{p}")
                if c.has_range:
                    g = self.g[(i, p)] = self._bool(f"g_{c.code}_{p}")
                    a = self.a[(i, p)] = self._int(0, c.hi, f"a_{c.code}_{p}")
                    add(a >= c.lo * g)
                    add(a <= c.hi * g)
                add(self.x(i, p) <= y)
            add(y <= self._sum([self.x(i, p) for i in by_q[q]]))
            cap_pq = sum(inst.candidates[i].max_relief for i in by_q[q])
            for s in self.src_in[p]:
                b = self.b[(s.code, q)] = self._bool(f"b_{s.code}_{q}")
                f = self.f[(s.code, q)] = self._int(0, min(s.extra, cap_pq), f"f_{s.code}_{q}")
                add(b <= y)
                add(f >= b)
                add(f <= min(s.extra, cap_pq) * b)
            add(self._sum([self.f[(s.code, q)] for s in self.src_in[p]])
                == self._sum([self.r(i, p) for i in by_q[q]]))
            parties = 2 * y + self._sum([self.x(i, p) for i in by_q[q]]) \
                + self._sum([self.b[(s.code, q)] for s in self.src_in[p]])
            add(parties <= inst.max_parties * y)
        for i, c in enumerate(inst.candidates):
            xs = [self.x(i, p) for p in inst.plus if (p, c.province) in self.y]
            if c.wanted:
                add(self._sum(xs) == 1)
            elif xs:
                add(self._sum(xs) <= 1)
        for q in inst.sinks:
            add(self._sum([self.y[(p, q)] for p in inst.plus if (p, q) in self.y]) <= inst.max_partners)
        for s in inst.sources:
            fs = [self.f[(s.code, q)] for q in inst.sinks if (s.code, q) in self.f]
            if fs:
                add(self._sum(fs) <= s.extra)
        self.relief = self._sum([self.r(i, p) for i, p in self.keys()])
        add(self.relief <= inst.relief_bound())
        self._cover_cuts()

    def _concave(self, total: Any, count: Any, sizes: list[int], kmax: int) -> None:
        """total <= (sum of the `count` largest sizes), as the tangents of that concave function
        at every integer k: valid for whole counts and much tighter than x <= 1 in the LP."""
        sizes = sorted(sizes, reverse=True)
        top = [0]
        for v in sizes:
            top.append(top[-1] + v)
        for k in range(min(kmax, len(sizes))):
            self.model.add(total <= top[k] + sizes[k] * (count - k))

    def _cover_cuts(self) -> None:
        """Redundant rows that tie relief to the number of relieved and backing municipalities."""
        inst = self.inst
        kmax = inst.max_parties - 2
        for q in inst.sinks:
            sizes = [inst.candidates[i].max_relief for i in self.by_q[q]]
            ps = [p for p in inst.plus if (p, q) in self.y]
            for p in ps:
                self._concave(self._sum([self.r(i, p) for i in self.by_q[q]]),
                              self._sum([self.x(i, p) for i in self.by_q[q]]), sizes, kmax)
                extras = [s.extra for s in self.src_in[p]]
                self._concave(self._sum([self.f[(s.code, q)] for s in self.src_in[p]]),
                              self._sum([self.b[(s.code, q)] for s in self.src_in[p]]), extras, kmax)
            if len(ps) > 1:
                self._concave(self._sum([self.r(i, p) for p in ps for i in self.by_q[q]]),
                              self._sum([self.x(i, p) for p in ps for i in self.by_q[q]]), sizes,
                              kmax * len(ps))
        for p in inst.plus:
            qs = [q for q in inst.sinks if (p, q) in self.y]
            bs = [self.b[(s.code, q)] for q in qs for s in self.src_in[p]]
            if len(qs) > 1:
                self._concave(self._sum([self.f[(s.code, q)] for q in qs for s in self.src_in[p]]),
                              self._sum(bs), [s.extra for s in self.src_in[p]], len(self.src_in[p]))

    def _place_km_layer(self) -> None:
        """The backing of each relief by each source (only the place-km level needs it)."""
        if self.f2:
            return
        inst, add = self.inst, self.model.add
        for p, q in inst.pairs:
            for i in self.by_q[q]:
                c = inst.candidates[i]
                terms = []
                for s in self.src_in[p]:
                    ub = min(s.extra, c.max_relief)
                    v = self.f2[(s.code, i)] = self._int(0, ub, f"f2_{s.code}_{c.code}")
                    terms.append(v)
                add(self._sum(terms) == self.r(i, p))
            for s in self.src_in[p]:
                add(self._sum([self.f2[(s.code, i)] for i in self.by_q[q]]) == self.f[(s.code, q)])
        # hint: split each agreement's backers over its reliefs in order (north-west corner)
        if self.values:
            self._hint_backing()

    def _hint_backing(self) -> None:
        """Split each agreement's backers over its reliefs in order (north-west corner), as hint
        values of the place-km layer f2."""
        inst = self.inst
        for p, q in inst.pairs:
            codes = [s.code for s in self.src_in[p]]
            left = [self.val(f"f_{code}_{q}") for code in codes]
            k = 0
            for i in self.by_q[q]:
                need = self.relief_value(i, p)
                while need > 0 and k < len(left):
                    take = min(need, left[k])
                    name = f"f2_{codes[k]}_{inst.candidates[i].code}"
                    self.values[name] = self.values.get(name, 0) + take
                    need -= take
                    left[k] -= take
                    if left[k] == 0:
                        k += 1

    def set_hint(self, reliefs: dict[tuple[int, str], int], flows: dict[tuple[str, str], int]) -> None:
        """A complete hint from reliefs (candidate, plusprovincie) -> places and the backing flows
        (source, sink) -> places, e.g. from CountModel.disaggregate."""
        inst = self.inst
        v: dict[str, int] = {}
        for (i, p), r in reliefs.items():
            c = inst.candidates[i]
            if c.whole and r == c.task:
                v[f"w_{c.code}_{p}"] = 1
            else:
                v[f"g_{c.code}_{p}"], v[f"a_{c.code}_{p}"] = 1, r
            v[f"y_{p}_{c.province}"] = 1
        for (s, q), f in flows.items():
            if f > 0:
                v[f"f_{s}_{q}"], v[f"b_{s}_{q}"] = f, 1
        self.values = v
        if self.f2:  # the place-km layer exists: fill it as it would be built
            self._hint_backing()
        if hasattr(self, "_dev"):
            total_w = self._fair_scale
            whole = sum(self.relief_value(i, p) for i, p in self.keys())
            for q in inst.weights:
                if inst.weights[q] > 0:
                    got = sum(self.relief_value(i, p) for p, qq in inst.pairs if qq == q
                              for i in self.by_q[q])
                    self.values[f"dev_{q}"] = abs(total_w * got - inst.weights[q] * whole)

    def val(self, name: str) -> int:
        return self.values.get(name, 0)

    def layout(self) -> Layout:
        """The agreement layout of the current solution (values): its pairs with an agreement,
        sorted as `agreement_layouts` lists them."""
        return tuple(sorted(pq for pq in self.inst.pairs if self.val(f"y_{pq[0]}_{pq[1]}")))

    def relief_value(self, i: int, p: str) -> int:
        c = self.inst.candidates[i]
        return c.task * self.val(f"w_{c.code}_{p}") + self.val(f"a_{c.code}_{p}")

    # -- levels
    def level_expr(self, level: Level) -> Any:
        inst = self.inst
        if level in ("relief", "most_relief"):
            return self.relief
        if level == "agreements":
            return self._sum(list(self.y.values()))
        if level == "preferred":
            return self._sum([v for pq, v in self.y.items() if pq not in inst.preferred])
        if level == "parties":
            terms = [2 * v for v in self.y.values()] + list(self.b.values())
            terms += [self.x(i, p) for i, p in self.keys()]
            return self._sum(terms)
        if level == "small_tasks":
            return self._sum([v for (i, _p), v in self.w.items() if inst.candidates[i].small])
        if level == "fairness":
            return self._fairness()
        if level == "place_km":
            self._place_km_layer()
            return self._sum([inst.units[(s, inst.candidates[i].code)] * v for (s, i), v in self.f2.items()])
        raise ValueError(level)

    def _fairness(self) -> Any:
        """sum_q |W R_q - w_q R| (W the total weight): the deviation from the proportional share,
        in places times W, kept integer."""
        inst = self.inst
        sinks = [q for q in inst.weights if inst.weights[q] > 0]
        total_w = sum(inst.weights[q] for q in sinks)
        if not hasattr(self, "_dev"):
            bound = inst.relief_bound()
            self._dev = []
            for q in sinks:
                rq = self._sum([self.r(i, p) for p, qq in inst.pairs if qq == q for i in self.by_q[q]])
                d = self._int(0, 2 * total_w * bound, f"dev_{q}")
                if self.values:  # hint: the deviation of the previous level's solution
                    got = sum(self.relief_value(i, p) for p, qq in inst.pairs if qq == q
                              for i in self.by_q[q])
                    whole = sum(self.relief_value(i, p) for i, p in self.keys())
                    self.values[f"dev_{q}"] = abs(total_w * got - inst.weights[q] * whole)
                self.model.add(d >= total_w * rq - inst.weights[q] * self.relief)
                self.model.add(d >= inst.weights[q] * self.relief - total_w * rq)
                self._dev.append(d)
            self._fair_scale = total_w
        return self._sum(self._dev)

    # -- solving
    def solve_level(self, level: Level, proven: int | None = None,
                    bound_seconds: float = 0.0) -> LevelOutcome:
        """Optimise one level, keep its optimum as a constraint, keep the solution as the hint.
        `proven`: a proven bound of this level (from CountModel), added as a row so that the solver
        stops as soon as a solution reaches it."""
        expr = self.level_expr(level)
        maximise = level in MAXIMISE
        if proven is not None:
            self.model.add(expr <= proven if maximise else expr >= proven)
        (self.model.maximize if maximise else self.model.minimize)(expr)
        # not HiGHS: HiGHS 1.12 (OR-Tools 9.15) crashed the process (segmentation fault) on a
        # complete, feasible start on every two-category test instance tried (random_both 0-6);
        # HiGHS solves each level to optimality without it
        self.hint(self.values if self.backend != "highs" else None)
        opt = self.settings.solver
        start = time.perf_counter()
        by_hint = False
        searched = 0.0
        if self.backend == "cp-sat":
            det_time = opt.max_deterministic_time
            if level == "place_km" and opt.place_km_deterministic_time is not None:
                det_time = opt.place_km_deterministic_time
            solver = cp_model.CpSolver()
            configure(solver, num_workers=opt.num_workers, random_seed=opt.random_seed,
                      max_deterministic_time=det_time, max_time_in_seconds=opt.max_time_in_seconds)
            if opt.deterministic and opt.num_workers > 1:
                solver.parameters.interleave_search = True
            status: SolveStatus = "UNKNOWN"
            if proven is not None and self.values:
                status, by_hint = self._hint_meets(proven)
            if by_hint:  # the hint is feasible and meets the proven bound: optimal, no search
                objective = bound = float(proven) if proven is not None else None
                found = True
            else:
                status = status_of(solver.solve(self.model))
                searched = solver.deterministic_time
                found = status in ("OPTIMAL", "FEASIBLE")
                if found:
                    self.values = {name: int(solver.value(v)) for name, v in self.variables}
                objective = float(solver.objective_value) if found else None
                bound = float(solver.best_objective_bound) if found or status == "UNKNOWN" else None
                if status == "UNKNOWN" and self.values:
                    # the search found nothing within its limit, but the hint (the previous
                    # level's solution, or the greedy start) is one: keep it, FEASIBLE with the bound
                    kept = self._hint_value()
                    if kept is not None:
                        status, found, objective = "FEASIBLE", True, kept
                        if bound is not None and (bound < kept if maximise else bound > kept):
                            # a search stopped before it bounded anything reports 0: no bound
                            # (measured: a 2,000-municipality relief level, stopped by its 10 s,
                            # kept its greedy 25,007 places with "bound" 0, and so a floor of 0)
                            bound = None
        else:
            mip = mb.Solver(self.backend)
            if opt.max_time_in_seconds is not None:
                mip.set_time_limit_in_seconds(opt.max_time_in_seconds)
            if self.backend == "highs":
                mip.set_solver_specific_parameters(
                    f"mip_rel_gap=0\nmip_abs_gap=0.99\nthreads={opt.num_workers}\nrandom_seed={opt.random_seed}")
            elif self.backend == "scip":
                mip.set_solver_specific_parameters(
                    f"limits/gap = 0\nlimits/absgap = 0.99\n"
                    f"randomization/randomseedshift = {opt.random_seed % 1000}")
            with stdout_to_stderr():
                code = mip.solve(self.model)
            names: dict[mb.SolveStatus, SolveStatus] = {
                mb.SolveStatus.OPTIMAL: "OPTIMAL", mb.SolveStatus.FEASIBLE: "FEASIBLE",
                mb.SolveStatus.INFEASIBLE: "INFEASIBLE"}
            status = names.get(code, "UNKNOWN")
            found = status in ("OPTIMAL", "FEASIBLE")
            if found:
                self.values = {name: round(mip.value(v)) for name, v in self.variables}
            objective = round(float(mip.objective_value)) if found else None
            bound = float(mip.best_objective_bound) if found else None
        seconds = time.perf_counter() - start + bound_seconds
        if found and objective is not None:
            value = round(objective)
            if level == "relief":
                # the share of the proven maximum: of the bound when the solve stopped short of it
                # (bound >= maximum, so the floor never drops below relief_share x the maximum)
                self.floor = math.ceil(self.settings.relief_share * _top(status, value, bound) - 1e-9)
                self.model.add(expr >= self.floor)
            elif maximise:
                self.model.add(expr >= value)
            else:
                self.model.add(expr <= value)
        out = self._outcome(level, status, objective, bound, seconds)
        if self.backend == "cp-sat":
            out.info.parameters["deterministic_time"] = round(searched, 3)
        if proven is not None:
            out.info.parameters["count_model_bound"] = proven
            out.info.parameters["proven_by_hint"] = by_hint
            # (CountModel's wall-clock seconds are in `seconds`, never in the parameters: the
            # parameters go into proposals.json, which must be the same bytes on every run)
        return out

    def take_relief(self, info: SolveInfo, floor: int | None = None, earlier: bool = True) -> SolveInfo:
        """The relief level of an earlier solve of this instance: its maximum (or bound, if it was
        not proven) with this settings' share as the floor, as `solve_level` would keep it.

        `floor`: the floor to keep instead (solve_deals: one floor for the categories together,
        relief_base surplus). `earlier`: the relief level was solved for another settings' solve
        (a frontier point) rather than for this one, so its seconds are not counted again."""
        if info.objective is None:
            raise InfeasibleError(f"deals {self.inst.category}/relief: no earlier relief level to take")
        self.floor = (math.ceil(self.settings.relief_share * relief_top(info) - 1e-9) if floor is None
                      else floor)
        self.model.add(self.relief >= self.floor)
        params = {**info.parameters, "relief_share": self.settings.relief_share,
                  "relief_base": self.settings.relief_base, "relief_floor": self.floor}
        if not earlier:
            return info.model_copy(update={"parameters": params})
        params["taken_from_earlier_solve"] = True
        return info.model_copy(update={"parameters": params, "seconds": 0.0})

    def hint(self, values: dict[str, int] | None) -> None:
        """`values` as the model's complete hint (a variable not named: 0); None or empty: none."""
        self.model.clear_hints()
        if values:
            for name, v in self.variables:
                self.model.add_hint(v, values.get(name, 0))

    def _hint_meets(self, proven: int) -> tuple[SolveStatus, bool]:
        """Is the current hint a solution whose objective is the proven bound? Checked by CP-SAT
        with every variable fixed to its hint (propagation only, a fraction of a second), so a level
        whose CountModel optimum disaggregates needs no search at all (measured: the regulier relief
        level on nl-2025 searched 12-19 s for what the hint already had)."""
        status, objective, values = self._fixed_hint()
        if status != "OPTIMAL" or objective is None or round(objective) != proven:
            return "UNKNOWN", False
        self.values = values
        return "OPTIMAL", True

    def _hint_value(self) -> float | None:
        """The current objective's value at the hint, if the hint is a solution (checked as in
        `_hint_meets`); None if it is not."""
        status, objective, values = self._fixed_hint()
        if status not in ("OPTIMAL", "FEASIBLE"):
            return None
        self.values = values
        return objective

    def _fixed_hint(self) -> tuple[SolveStatus, float | None, dict[str, int]]:
        """CP-SAT with every variable fixed to its hint: status, objective and values."""
        solver = cp_model.CpSolver()
        configure(solver, num_workers=1, random_seed=self.settings.solver.random_seed,
                  max_deterministic_time=5.0)
        solver.parameters.fix_variables_to_their_hinted_value = True
        status = status_of(solver.solve(self.model))
        if status not in ("OPTIMAL", "FEASIBLE"):
            return status, None, {}
        return (status, float(solver.objective_value),
                {name: int(solver.value(v)) for name, v in self.variables})

    def _outcome(self, level: Level, status: SolveStatus, objective: float | None, bound: float | None,
                 seconds: float) -> LevelOutcome:
        """SolveInfo in the level's own unit: places, agreements, parties, places of deviation, km."""
        scale = 1.0
        if level == "fairness":
            scale = 1.0 / max(1, getattr(self, "_fair_scale", 1))
        elif level == "place_km":
            scale = self.settings.distance_unit_m / 1000
        obj = None if objective is None else objective * scale
        bnd = None if bound is None or not math.isfinite(bound) else bound * scale
        if status == "OPTIMAL" and obj is not None:
            bnd = obj if bnd is None else bnd
        gap = None
        if obj is not None and bnd is not None:
            gap = 0.0 if status == "OPTIMAL" else abs(obj - bnd) / max(1.0, abs(obj))
        params: dict[str, str | int | float | bool] = {
            "backend": self.backend, "level": level,
            "sense": "maximise" if level in MAXIMISE else "minimise",
            "variables": len(self.variables), "candidates": len(self.inst.candidates),
            "sources": len(self.inst.sources), "pairs": len(self.inst.pairs),
            **{f"solver_{k}": v for k, v in self.settings.solver.as_info().items() if k != "backend"},
        }
        if level == "relief":
            params["relief_bound"] = self.inst.relief_bound()
            params["relief_share"] = self.settings.relief_share
            if hasattr(self, "floor"):
                params["relief_floor"] = self.floor
        info = SolveInfo(model=f"deals/{level}", scope=self.inst.category, status=status, objective=obj,
                         best_bound=bnd, gap=gap, seconds=max(0.0, seconds), parameters=params)
        return LevelOutcome(level, status, obj, bnd, seconds, info)

    def solve_levels(self) -> list[LevelOutcome]:
        """Every level in the settings' order; stops with InfeasibleError if the pins cannot hold."""
        out = []
        for level in self.settings.levels:
            res = self.solve_level(level)
            out.append(res)
            if res.status == "INFEASIBLE":
                wanted = [c.code for c in self.inst.candidates if c.wanted]
                raise InfeasibleError(
                    f"deals {self.inst.category}: the relief wanted for {', '.join(wanted)} cannot hold "
                    f"together with the hard rules (one plusprovincie, min_relief {self.inst.min_relief}, "
                    f"no residue under {self.inst.min_size}, at most {self.inst.max_parties} parties and "
                    f"{self.inst.max_partners} partners) and the refused pins")
            if res.status not in ("OPTIMAL", "FEASIBLE"):
                raise InfeasibleError(f"deals {self.inst.category}/{level}: the solver found no solution "
                                      f"within its limits ({res.status})")
        return out


AGGREGATE_LEVELS: frozenset[Level] = frozenset({"relief", "agreements", "preferred", "parties", "fairness",
                                                "most_relief"})
LAYOUT_LEVELS: frozenset[Level] = frozenset({"preferred", "parties", "fairness"})
"""The minimising levels after the agreements that CountModel solves per agreement layout."""
CUT_TOP = 10**15
"""The cut's upper bound when no layout solve sets it: above any level's value."""
LAYOUT_PROBE = 0.05
"""Deterministic units of the first pass per layout (`CountModel.by_layouts`)."""
FEWEST_NODES_SHARE = 4
"""The layout search of the fewest agreements gets MAX_NODES / this over all its counts: an effort
cap, not a result (past it, one CP-SAT search proves the level). Measured: nl-2025 needs 1,879
(regulier) and 24,628 (AMV, 1.1 s) nodes; a 2,000-municipality synthetic country spent 19 s in
MAX_NODES at 4 agreements before the one search."""
LAYOUT_LAST = 3.2
"""With no level limit, the last capped pass's units (`_rounds`) before the uncapped one."""
SCREEN_ROUNDS = (LAYOUT_PROBE, 4 * LAYOUT_PROBE, 16 * LAYOUT_PROBE)
"""The limits of the place-km screen's rounds (`CountModel.open_layouts`): a layout still
undecided after 0.8 units of its CountModel is kept."""


@dataclass
class CountModel:
    """The relaxation that forgets which municipalities of a sink are relieved and keeps only how
    many (n[p,q]) and how much (T[p,q]): T <= the n largest allowed reliefs of the sink, as exact
    tangents of that concave function. Sources stay exact. Every solution of DealModel maps onto
    one of this model with the same relief, agreements, parties and fairness, so its optimum is a
    valid bound for those levels; being small, CP-SAT proves it in well under a second."""

    inst: Instance
    settings: DealSettings
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    use_layouts: bool = True  # False: every level in one search (the tests' second computation)

    def __post_init__(self) -> None:
        inst, m = self.inst, self.model
        self.by_q: dict[str, list[Candidate]] = defaultdict(list)
        for c in inst.candidates:
            self.by_q[c.province].append(c)
        src_in: dict[str, list[Source]] = defaultdict(list)
        for s in inst.sources:
            src_in[s.province].append(s)
        kmax = inst.max_parties - 2
        self.y, self.n, self.t, self.b, self.f = {}, {}, {}, {}, {}
        self.solution: dict[str, dict[Any, int]] = {}
        self.vars: list[tuple[str, Any]] = []
        self.src_in = src_in
        self.fixed: set[Level] = set()
        self.fixed_value: dict[Level, int] = {}
        self.deterministic_time = 0.0  # of every solve of this model so far (the report's measure)
        self.floor: int | None = None  # the relief floor held (fix)
        self.layouts: list[Layout] | None = None  # by_layouts: of (floor, agreements) = _layouts_for
        self._layouts_for: tuple[int, int] | None = None
        self.layouts_solved = 0  # CP-SAT solves of the last by_layouts
        self._cuts: dict[Level, Any] = {}  # per level: an int var >= its objective (_cut)
        self.hints: list[tuple[Any, int]] = []
        # what fix and exclude_unrealisable added, in order: replayed on every layout's own model
        self._held: list[tuple[Level, int, int | None, bool]] = []
        self._excluded: list[tuple[str, dict[str, tuple[int, int]]]] = []
        self._subs: dict[Layout, tuple[CountModel, list[int]]] = {}  # by_layouts: layout -> (model, replayed)
        self._lows: dict[Level, dict[Layout, float]] = {}  # by_layouts: per level a bound per layout
        fs: dict[str, list[Any]] = defaultdict(list)
        for p, q in inst.pairs:
            cands = self.by_q[q]
            sizes = sorted((c.max_relief for c in cands), reverse=True)
            lows = sorted(c.task if not c.has_range else c.lo for c in cands)
            cap = sum(sizes)
            y = self.y[(p, q)] = m.new_bool_var(f"y_{p}_{q}")
            n = self.n[(p, q)] = m.new_int_var(0, min(len(cands), kmax), f"n_{p}_{q}")
            t = self.t[(p, q)] = m.new_int_var(0, cap, f"t_{p}_{q}")
            m.add(n >= y)
            m.add(n <= min(len(cands), kmax) * y)
            _floor_tangents(m, t, n, lows, kmax, on=y)
            _tangents(m, t, n, sizes, kmax, on=y)
            flows = []
            for s in src_in[p]:
                b = self.b[(s.code, q)] = m.new_bool_var(f"b_{s.code}_{q}")
                f = self.f[(s.code, q)] = m.new_int_var(0, min(s.extra, cap), f"f_{s.code}_{q}")
                m.add(b <= y)
                m.add(f >= b)
                m.add(f <= min(s.extra, cap) * b)
                flows.append(f)
                fs[s.code].append(f)
            m.add(sum(flows) == t)
            extras = sorted((s.extra for s in src_in[p]), reverse=True)
            _tangents(m, t, sum(self.b[(s.code, q)] for s in src_in[p]), extras, len(extras), on=y)
            m.add(2 * y + n + sum(self.b[(s.code, q)] for s in src_in[p]) <= inst.max_parties * y)
        for s in inst.sources:
            if fs[s.code]:
                m.add(sum(fs[s.code]) <= s.extra)
        for q in inst.sinks:
            ps = [p for p in inst.plus if (p, q) in self.y]
            m.add(sum(self.y[(p, q)] for p in ps) <= inst.max_partners)
            nq = sum(self.n[(p, q)] for p in ps)
            m.add(nq <= len(self.by_q[q]))
            m.add(nq >= sum(c.wanted for c in self.by_q[q]))
            if len(ps) > 1:
                _tangents(m, sum(self.t[(p, q)] for p in ps), nq,
                          sorted((c.max_relief for c in self.by_q[q]), reverse=True), len(self.by_q[q]))
                _floor_tangents(m, sum(self.t[(p, q)] for p in ps), nq,
                                sorted(c.task if not c.has_range else c.lo for c in self.by_q[q]),
                                len(self.by_q[q]))
        for p in inst.plus:
            qs = [q for q in inst.sinks if (p, q) in self.y]
            if len(qs) > 1:
                extras = sorted((s.extra for s in src_in[p]), reverse=True)
                _tangents(m, sum(self.t[(p, q)] for q in qs),
                          sum(self.b[(s.code, q)] for q in qs for s in src_in[p]), extras, len(extras))
        self.relief = sum(self.t.values())
        for c in inst.candidates:  # a wanted municipality needs a partner of its sink
            if c.wanted:
                m.add(sum(self.y[(p, c.province)] for p in inst.plus if (p, c.province) in self.y) >= 1)

    def expr(self, level: Level) -> Any:
        inst = self.inst
        if level in ("relief", "most_relief"):
            return self.relief
        if level == "agreements":
            return sum(self.y.values())
        if level == "preferred":
            return sum(v for pq, v in self.y.items() if pq not in inst.preferred)
        if level == "parties":
            return sum(2 * v for v in self.y.values()) + sum(self.n.values()) + sum(self.b.values())
        if level == "fairness":
            if not hasattr(self, "_dev"):
                sinks = [q for q in inst.weights if inst.weights[q] > 0]
                total_w = sum(inst.weights[q] for q in sinks)
                self._dev = []
                for q in sinks:
                    rq = sum(self.t[(p, q)] for p in inst.plus if (p, q) in self.t)
                    d = self.model.new_int_var(0, 2 * total_w * inst.relief_bound(), f"dev_{q}")
                    self.model.add(d >= total_w * rq - inst.weights[q] * self.relief)
                    self.model.add(d >= inst.weights[q] * self.relief - total_w * rq)
                    self._dev.append(d)
            return sum(self._dev)
        raise ValueError(level)

    def bound(self, level: Level, deterministic_time: float | None = None) -> tuple[SolveStatus, int | None]:
        """The proven optimum of the relaxation at this level (None if not proven);
        `deterministic_time` caps this solve below the settings' limit (the retries). Once the
        fewest agreements are proven, the levels of LAYOUT_LEVELS are solved per agreement layout
        (`by_layouts`)."""
        expr = self.expr(level)
        self.level: Level | None = level
        (self.model.maximize if level in MAXIMISE else self.model.minimize)(expr)
        self.model.clear_hints()  # the previous level's optimum is feasible here: a first solution
        for v, value in self.hints:
            self.model.add_hint(v, value)
        opt = self.settings.solver
        limit = opt.max_deterministic_time
        if deterministic_time is not None:
            limit = deterministic_time if limit is None else min(limit, deterministic_time)
        if self.use_layouts and level == "agreements" and self.floor is not None:
            return self.fewest_by_layouts(limit)
        if (self.use_layouts and level in LAYOUT_LEVELS and "agreements" in self.fixed_value
                and self.floor is not None):
            return self.by_layouts(level, limit)
        return self._single(limit)

    def fewest_by_layouts(self, limit: float | None) -> tuple[SolveStatus, int | None]:
        """The fewest agreements as the smallest count with a layout that holds: every solution
        with A agreements has one of the layouts `agreement_layouts` lists for A, so counts with no
        layout (the max-flow relaxation rules out every set) need no CP-SAT call, and the first
        count at which one listed layout's own model is feasible is the optimum. That layout's
        solution is kept (disaggregate), and its model serves the levels after (by_layouts).

        Measured on nl-2025 regulier (floor 5,009): the relaxation rules out 1 to 6 agreements in
        0.03 s; one search over the whole model spent 1.05 deterministic units (4.2 s) to prove 7.
        Falls back to that search when a count has too many layouts, the counts together take more
        than MAX_NODES / FEWEST_NODES_SHARE search nodes, or a layout stays undecided."""
        assert self.floor is not None
        budget = _layouts.MAX_NODES // FEWEST_NODES_SHARE  # search nodes for all the counts together
        for count in range(len(self.inst.pairs) + 1):
            layouts, used = search_layouts(self.inst, self.floor, count, budget)
            budget -= used
            if layouts is None:
                return self._single(limit)
            if not layouts:
                continue
            if self._layouts_for != (self.floor, count):
                self.layouts, self._layouts_for = layouts, (self.floor, count)
                self._subs, self._lows = {}, {}
            for layout in layouts:
                sub = self._layout_model(layout)
                sub.model.minimize(sub.expr("agreements"))  # the count: any solution is optimal
                sub.model.clear_hints()
                solver = self._solver(limit)
                status = status_of(solver.solve(sub.model))
                self.deterministic_time += solver.deterministic_time
                if status == "OPTIMAL":
                    sub._keep(solver)
                    self._keep(solver, sub)
                    return "OPTIMAL", count
                if status != "INFEASIBLE":  # undecided within the limit: the one search decides
                    return self._single(limit)
        return "INFEASIBLE", None

    def _single(self, limit: float | None) -> tuple[SolveStatus, int | None]:
        """The level in one search over the whole model."""
        solver = self._solver(limit)
        status = status_of(solver.solve(self.model))
        self.deterministic_time += solver.deterministic_time
        if status != "OPTIMAL":
            return status, None
        self._keep(solver)
        return status, round(solver.objective_value)

    def _solver(self, limit: float | None) -> cp_model.CpSolver:
        solver = cp_model.CpSolver()
        opt = self.settings.solver
        configure(solver, num_workers=opt.num_workers, random_seed=opt.random_seed,
                  max_deterministic_time=limit, max_time_in_seconds=opt.max_time_in_seconds)
        solver.parameters.linearization_level = 2  # measured: about 1.5x faster on nl-2025 parties
        if opt.deterministic and opt.num_workers > 1:
            solver.parameters.interleave_search = True
        return solver

    def _keep(self, solver: cp_model.CpSolver, sub: CountModel | None = None) -> None:
        """The solver's solution as the next level's hints and as `solution` (disaggregate).
        `sub`: the solution is of that layout's own model (by_layouts); every pair it lacks is 0."""
        src = sub or self
        parts: dict[str, tuple[dict[Any, Any], dict[Any, Any]]] = {
            "y": (self.y, src.y), "n": (self.n, src.n), "t": (self.t, src.t), "b": (self.b, src.b),
            "f": (self.f, src.f)}
        values = {name: {k: int(solver.value(theirs[k])) if k in theirs else 0 for k in ours}
                  for name, (ours, theirs) in parts.items()}
        self.hints = [(v, values[name][k]) for name, (ours, _) in parts.items() for k, v in ours.items()]
        dev = getattr(self, "_dev", [])
        if dev and getattr(src, "_dev", None):  # the same sinks in the same order (expr)
            self.hints += [(v, int(solver.value(w))) for v, w in zip(dev, src._dev, strict=True)]
        self.solution = {name: values[name] for name in ("y", "n", "t", "f")}

    def _layout_model(self, layout: Layout) -> CountModel:
        """The layout's own CountModel: only its pairs, each with its agreement, and everything
        `fix` and `exclude_unrealisable` held so far. Built once per layout and kept for the later
        levels (measured on nl-2025 regulier: fixing y in the whole model left CP-SAT 0.1-0.25 s of
        presolve per layout solve for 0.01-0.04 deterministic units of search)."""
        if layout not in self._subs:
            on = set(layout)
            sub = CountModel(replace(self.inst, pairs=tuple(pq for pq in self.inst.pairs if pq in on)),
                             self.settings, use_layouts=False)
            for y in sub.y.values():
                sub.model.add(y == 1)
            self._subs[layout] = (sub, [0, 0])
        sub, done = self._subs[layout]
        for held in self._held[done[0]:]:
            sub.fix(*held)
        for q, counts in self._excluded[done[1]:]:
            sub._exclude(q, counts)
        done[:] = [len(self._held), len(self._excluded)]
        return sub

    def by_layouts(self, level: Level, limit: float | None) -> tuple[SolveStatus, int | None]:
        """A minimising level as the best over the agreement layouts that can carry the floor
        (`agreement_layouts`): exact, since every solution has exactly the proven fewest
        agreements and so one of those layouts.

        Each solve is of one layout's own model (`_layout_model`), in passes of growing
        deterministic limits (`_rounds`): every layout a short probe first, which gives most of them
        their optimum or infeasibility and the rest an incumbent and a bound; then the undecided
        ones, lowest bound first, with the objective cut below the best so far, so most end
        infeasible at once. Layouts an earlier level rules out are not solved (`_open_layouts`).
        Ties keep the first in the fixed order of the layouts: deterministic. The limits are per
        solve: a level may spend up to (layouts x the passes' limits added up) units in all.

        Measured on nl-2025 regulier (floor 5,009; benchmarks/reports/deals.md): parties 1.45 ->
        0.58 deterministic units, fairness 1.12 -> 1.67 units (that level's search differs by the
        incumbent each layout starts from); the deal stage 35.6 -> 30.0-32.8 s.
        """
        assert self.floor is not None
        key = (self.floor, self.fixed_value["agreements"])
        if self._layouts_for != key:
            self.layouts = agreement_layouts(self.inst, *key)
            self._layouts_for = key
            self._subs, self._lows = {}, {}
        if self.layouts is None:  # too many to solve one by one: one search over them all
            return self._single(limit)
        best: int | None = None
        self.layouts_solved = 0
        lows = self._lows[level] = {}

        def solve(layout: Layout, cap: float | None) -> tuple[SolveStatus, float]:
            nonlocal best
            cut_below = best
            sub = self._layout_model(layout)
            sub.model.minimize(sub.expr(level))
            sub.model.clear_hints()  # its own last solution: feasible here unless this level cuts it off
            for v, value in sub.hints:
                sub.model.add_hint(v, value)
            solver = self._solver(cap)
            status = solve_below(solver, sub.model, sub._cut(level), best)
            self.deterministic_time += solver.deterministic_time
            self.layouts_solved += 1
            if status in ("OPTIMAL", "FEASIBLE"):
                sub._keep(solver)
                if best is None or round(solver.objective_value) < best:
                    best = round(solver.objective_value)
                    self._keep(solver, sub)
            # what this layout's level is at least: its optimum, its bound, or the cut it missed
            low = (round(solver.objective_value) if status == "OPTIMAL" else
                   (math.inf if cut_below is None else cut_below) if status == "INFEASIBLE" else
                   math.ceil(solver.best_objective_bound - 1e-9))
            lows[layout] = max(low, lows.get(layout, -math.inf))
            return status, solver.best_objective_bound if status != "INFEASIBLE" else math.inf

        open_ = [(-math.inf, k, layout) for k, layout in enumerate(self._open_layouts(level))]
        for cap in _rounds(limit):
            left = []
            for bound, k, layout in sorted(open_):  # the lowest bound first, ties in the fixed order
                # its last bound: no better here; and no level is below 0 (the cut's own domain:
                # a cut at best - 1 = -1 would be an empty domain, which CP-SAT calls invalid)
                if best is not None and (best <= 0 or bound > best - 1):
                    continue
                status, bound = solve(layout, cap)
                if status not in ("OPTIMAL", "INFEASIBLE"):
                    left.append((bound, k, layout))
            open_ = left
        if open_:  # not decided within the limit: no proof
            return "FEASIBLE" if best is not None else "UNKNOWN", None
        if best is None:
            return "INFEASIBLE", None
        return "OPTIMAL", best

    def _open_layouts(self, level: Level) -> list[Layout]:
        """The layouts that can still hold the levels fixed so far: a layout whose bound at an
        earlier level (by_layouts' `lows`) exceeds that level's held optimum has no solution left,
        so it needs no solve (measured on nl-2025 regulier, floor 4,979: 96 -> 41 layout solves at
        fairness, the same optimum)."""
        assert self.layouts is not None
        held = [(self._lows[lv], v) for lv, v in self.fixed_value.items() if lv in self._lows and lv != level]
        return [lay for lay in self.layouts if all(lows.get(lay, -math.inf) <= v for lows, v in held)]

    def open_layouts(self, units: float = math.inf, known: Sequence[Layout] = ()) -> list[Layout] | None:
        """The layouts a later level (place-km) is the least over: every solution with the levels
        fixed so far has one of them. None when the agreements are not proven by layouts, or when
        screening them (LAYOUT_PROBE units each, at most) could cost more than `units`.

        A layout ruled out at an earlier level only by a bound that ties (by_layouts skips a layout
        whose bound is no better than the best) may still have no solution at that level's value:
        its own CountModel, every level held, is solved in rounds of growing limits (SCREEN_ROUNDS,
        within `units` in all), and dropped once infeasible. `known`: layouts with a solution of
        the full model that holds every level (the current one): kept without a solve.

        Measured on nl-2025 (benchmarks/reports/deals.md): one 0.05-unit round drops 34 of 38 AMV
        layouts; on regulier it left a layout whose CountModel is infeasible after 0.41 units,
        which HiGHS then took 5.5 s to prove had nothing below the incumbent."""
        if not self.use_layouts or self.layouts is None or self.floor is None:
            return None
        if self._layouts_for != (self.floor, self.fixed_value.get("agreements")):
            return None
        open_ = self._open_layouts("place_km")
        if len(open_) * LAYOUT_PROBE > units:
            return None
        skip = set(known)
        undecided = [layout for layout in open_ if layout not in skip]
        dropped: set[Layout] = set()
        spent = 0.0
        for cap in SCREEN_ROUNDS:
            left = []  # undecided after this round (or past the budget): solved again, or kept
            for layout in undecided:
                if spent + cap > units + 1e-9:
                    left.append(layout)
                    continue
                sub = self._layout_model(layout)
                sub.model.clear_objective()
                sub.model.clear_hints()
                solver = self._solver(cap)
                status = status_of(solver.solve(sub.model))
                self.deterministic_time += solver.deterministic_time
                spent += solver.deterministic_time
                if status == "INFEASIBLE":
                    dropped.add(layout)
                elif status not in ("OPTIMAL", "FEASIBLE"):
                    left.append(layout)
            undecided = left
        return [layout for layout in open_ if layout not in dropped]

    def _cut(self, level: Level) -> Any:
        """An integer cut >= the level's objective, its upper bound set per layout solve."""
        if level not in self._cuts:
            self._cuts[level] = self.model.new_int_var(0, CUT_TOP, f"cut_{level}")
            self.model.add(self.expr(level) <= self._cuts[level])
        return self._cuts[level]

    def known_optimum(self, level: Level) -> int | None:
        """The level's optimum where the levels fixed so far decide it without a solve: with no
        preferred partner pair, `preferred` counts every agreement, which the agreements level has
        already fixed at its proven optimum (measured: a 1 s CountModel solve on the regulier
        nl-2025 instance that could only return that number)."""
        if level == "preferred" and not self.inst.preferred and "agreements" in self.fixed_value:
            return self.fixed_value["agreements"]
        return None

    def disaggregate(self) -> dict[tuple[int, str], int] | None:
        """Relieved municipalities and amounts that realise the last solution's counts and totals
        per agreement (one tiny CP-SAT per sink); None if the counts cannot be realised."""
        inst, sol = self.inst, self.solution
        self.unrealisable: str | None = None
        index = {c.code: i for i, c in enumerate(inst.candidates)}
        out: dict[tuple[int, str], int] = {}
        for q in inst.sinks:
            ps = [p for p in inst.plus if sol["n"].get((p, q), 0) > 0]
            if not ps:
                if any(c.wanted for c in self.by_q[q]):
                    return None
                continue
            m = cp_model.CpModel()
            r: dict[tuple[str, str], Any] = {}
            z: dict[tuple[str, str], Any] = {}
            for c in self.by_q[q]:
                zs = []
                for p in ps:
                    z[(c.code, p)] = zz = m.new_bool_var("")
                    dom = ([c.task] if c.whole else []) + ([[c.lo, c.hi]] if c.has_range else [])
                    iv = [[v, v] for v in dom if isinstance(v, int)] + [v for v in dom if isinstance(v, list)]
                    r[(c.code, p)] = rr = m.new_int_var_from_domain(
                        cp_model.Domain.from_intervals([[0, 0], *iv]), "")
                    m.add(rr >= 1).only_enforce_if(zz)
                    m.add(rr == 0).only_enforce_if(~zz)
                    zs.append(zz)
                m.add(sum(zs) == 1) if c.wanted else m.add(sum(zs) <= 1)
            for p in ps:
                count = sum(z[(c.code, p)] for c in self.by_q[q])
                if "parties" in self.fixed or self.level == "parties":  # as many as it counted, at most
                    m.add(count <= sol["n"][(p, q)])
                else:  # the level does not count them: any number the party cap leaves room for
                    backers = sum(1 for s in self.src_in[p] if sol["f"].get((s.code, q), 0) > 0)
                    m.add(count <= inst.max_parties - 2 - backers)
                m.add(count >= 1)
                m.add(sum(r[(c.code, p)] for c in self.by_q[q]) == sol["t"][(p, q)])
            solver = cp_model.CpSolver()
            configure(solver, num_workers=1, random_seed=self.settings.solver.random_seed,
                      max_deterministic_time=5.0, max_time_in_seconds=10.0)
            if status_of(solver.solve(m)) not in ("OPTIMAL", "FEASIBLE"):
                self.unrealisable = q
                return None
            for (code, p), v in r.items():
                if solver.value(v) > 0:
                    out[(index[code], p)] = int(solver.value(v))
        return out

    def exclude_unrealisable(self) -> bool:
        """After a failed `disaggregate`: forbid the failing sink's counts and totals (a valid cut:
        no choice of its municipalities realises them, whatever the sources do). False if none."""
        q, sol = getattr(self, "unrealisable", None), self.solution
        if q is None:
            return False
        counts = {p: (sol["n"][(p, q)], sol["t"][(p, q)]) for p in self.inst.plus if (p, q) in self.n}
        self._excluded.append((q, counts))
        self._exclude(q, counts)
        return True

    def _exclude(self, q: str, counts: dict[str, tuple[int, int]]) -> None:
        """Forbid sink q's counts and totals (n, t) per plusprovincie. A pair this model lacks
        carries 0: if the excluded counts give it more, no solution here has them (nothing to add)."""
        ds = []
        for p, (n, t) in counts.items():
            for var, value in ((self.n.get((p, q)), n), (self.t.get((p, q)), t)):
                if var is None:
                    if value != 0:
                        return
                    continue
                d = self.model.new_bool_var("")
                self.model.add(var != value).only_enforce_if(d)
                ds.append(d)
        self.model.add_bool_or(ds)

    def fix(self, level: Level, value: int, floor: int | None = None, optimal: bool = True) -> None:
        """Hold the full model's result of a level, as DealModel does; `optimal`: that result is
        the level's proven optimum (only then can a later level rely on its value)."""
        self._held.append((level, value, floor, optimal))
        self.fixed.add(level)
        if optimal:
            self.fixed_value[level] = value
        expr = self.expr(level)
        if level == "relief":
            self.floor = value if floor is None else floor
            self.model.add(expr >= self.floor)
        elif level in MAXIMISE:
            self.model.add(expr >= value)
        else:
            self.model.add(expr <= value)


def solve_below(solver: cp_model.CpSolver, model: cp_model.CpModel, cut: cp_model.IntVar,
                best: int | None) -> SolveStatus:
    """Solve with the objective's cut (an int var >= the objective) held below `best`, then lift
    the cut again, so the model's next solves (the next layout pass, the next level) need none."""
    domain = model.proto.variables[cut.index].domain
    domain[len(domain) - 1] = CUT_TOP if best is None else best - 1
    try:
        return status_of(solver.solve(model))
    finally:
        domain[len(domain) - 1] = CUT_TOP


def _rounds(limit: float | None) -> list[float | None]:
    """The deterministic limits of by_layouts' passes: LAYOUT_PROBE, then 4 times as much each
    pass, and last the level's own limit. Every layout gets a short solve before any gets a long
    one, so the best solution so far cuts off the most (measured on nl-2025 regulier fairness:
    with one probe and then each undecided layout to the end, the first proof ran 1.4 units from a
    weak incumbent)."""
    out: list[float | None] = []
    step = LAYOUT_PROBE
    while limit is None or step < limit:
        out.append(step)
        step *= 4
        if limit is None and step > LAYOUT_LAST:
            break
    return [*out, limit]


def _tangents(m: cp_model.CpModel, total: Any, count: Any, sizes: list[int], kmax: int,
              on: Any = 1) -> None:
    """total <= (sum of the `count` largest sizes), as tangents at every integer k. `on`: a literal
    that is 0 only when total and count are 0 (the agreement y): the tangents in perspective form,
    top_k y + size_k (count - k y), equal at y = 1 and valid at y = 0, but tighter in the LP where y
    is fractional (the relaxation otherwise spreads relief over many fractional agreements)."""
    top = [0]
    for v in sizes:
        top.append(top[-1] + v)
    for k in range(min(kmax, len(sizes))):
        m.add(total <= (top[k] - sizes[k] * k) * on + sizes[k] * count)


def _floor_tangents(m: cp_model.CpModel, total: Any, count: Any, lows: list[int], kmax: int,
                    on: Any = 1) -> None:
    """total >= (sum of the `count` smallest allowed reliefs), as the tangents of that convex
    function at every integer k: n relieved municipalities relieve at least their n smallest
    minimum reliefs, together (a weaker `total >= min x count` let the relaxation relieve 12
    municipalities by 109 places, which no choice of municipalities realises). `on` as in
    `_tangents` (bottom_k - k low_k <= 0, so the perspective form is the tighter one)."""
    lows = sorted(lows)
    bottom = [0]
    for v in lows:
        bottom.append(bottom[-1] + v)
    for k in range(min(kmax, len(lows))):
        m.add(total >= (bottom[k] - lows[k] * k) * on + lows[k] * count)
