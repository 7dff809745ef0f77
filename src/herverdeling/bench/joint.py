"""Joint vs staged (issue 14, point 2): one CP-SAT model per category that decides the surplus-swap
reliefs and the merger assignments together, to measure what the staged chain gives away.

A benchmark model, not a stage of the product: the chain stays staged (`pipeline.run_chain`). The
joint model is built from the product's own pieces, so both sides obey the same rules:

- the deal model of `herverdeling.surplus.deals.model` (`DealModel` on an `Instance`): relief
  decisions w/g/a, agreements y, backers b/f, P2, P11, D1, D2 (a relief clears the task or leaves
  at least the norm's minimum) and the party and partner caps, built on the shared CpModel;
- the merger model of `herverdeling.mergers.model` (`build_instances` with no commitments, merged
  into one national instance, then `build_model`): small tasks to home, host or cross-border
  absorb sites, viability, non-viable places, locations, place-km.

Coupling (what the staged chain passes from stage to stage as commitments):
- a small task relieved whole by a swap leaves the merger model: each relievable small task gets
  a virtual, always-viable site "relieved" with x[i, relieved] == sum_p w[i, p]; D2 means no other
  relief changes a task into a small one (partial reliefs leave >= min_size), so the task the
  mergers see is exactly the task left after relief;
- D3: a relieved municipality is never a merger host in that category: y[host] <= 1 - relieved;
- G3/P2: a cross-border absorber takes at most its extra places not backing a swap, and all
  absorbers of a plusprovincie at most its surplus not used by the swaps.

Levels (lexicographic, each optimum kept as a row, the solution the next level's hint): relief at
least the staged chain's floor (a constraint, not a level), then `JointSettings.levels`. The start
is the staged chain's own solution (its reliefs and merger assignment, checked feasible in the
joint model), so every level is at least as good as staged on that level's order.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ortools.sat.python import cp_model

from herverdeling.commitments import Commitments
from herverdeling.cpsat import configure, status_of
from herverdeling.mergers.model import Instance as MergerInstance
from herverdeling.mergers.model import Site, build_instances, build_model
from herverdeling.mergers.settings import MergerSettings
from herverdeling.proposals import AnyProposal, Merger, SolveInfo, SolveStatus, SurplusSwap
from herverdeling.scenario.model import CATEGORIES, Category, Scenario
from herverdeling.surplus.deals.model import DealModel, build_instance
from herverdeling.surplus.deals.result import CategoryDeals, DealResult
from herverdeling.surplus.deals.settings import DealPins, DealSettings
from herverdeling.surplus.deals.solve import read_category, solve_category

JointLevel = Literal["nonviable", "mergers", "agreements", "parties", "locations", "place_km"]


@dataclass(frozen=True)
class JointSettings:
    """The joint model's level order and limits. `agreements` sits after mergers: the staged deal
    model puts it right after relief, so the joint model may trade agreements for viability, and
    the report says by how much. Fairness and place-km of the swaps are not levels (measured)."""

    levels: tuple[JointLevel, ...] = ("nonviable", "mergers", "agreements", "parties")
    max_deterministic_time: float = 30.0  # per level; governs (the result does not depend on load)
    max_time_in_seconds: float = 600.0  # a safety net only
    random_seed: int = 20250115


# ---- the staged side, kept with its models (the joint model's start) -----------------------------

def staged_deals(scenario: Scenario, settings: DealSettings, pins: DealPins
                 ) -> tuple[DealResult, dict[Category, DealModel]]:
    """`solve_deals` per category, keeping each category's DealModel (its values seed the joint
    model). Same calls, same result as `solve_deals` without an earlier relief level."""
    cats, models = [], {}
    for c in CATEGORIES:
        inst = build_instance(scenario, c, settings, pins)
        if not inst.pairs:
            cats.append(CategoryDeals(category=c, max_relief=0, relief_floor=0, relief=0, agreements=(),
                                      fairness=0.0, place_km=0.0, solve_info=()))
            continue
        model, infos = solve_category(inst, settings)
        agreements, relief, fairness, place_km = read_category(model)
        max_relief = round(next(i.objective for i in infos if i.model == "deals/relief") or 0)
        cats.append(CategoryDeals(category=c, max_relief=max_relief, relief_floor=model.floor, relief=relief,
                                  agreements=agreements, fairness=round(fairness, 3),
                                  place_km=round(place_km, 1), solve_info=tuple(infos)))
        models[c] = model
    return (DealResult(scenario=scenario.name, scenario_hash=scenario.content_hash(), settings=settings.id,
                       categories=tuple(cats)), models)


# ---- the merger side: one national instance per category ---------------------------------------

@dataclass
class Merged:
    """One merger instance for a whole category (the scopes are separable: every allowed pair lies
    within a province or along a cross-border link, so one model equals the scopes side by side),
    with a virtual 'relieved' site per small task a swap may relieve whole."""

    inst: MergerInstance
    relieved_site: dict[int, int]  # client index -> its virtual site index
    virtual: frozenset[int]


def merged_instance(scenario: Scenario, category: Category, settings: MergerSettings,
                    relievable: Iterable[str]) -> Merged | None:
    """The scopes of `build_instances` (with no commitments: the joint model decides them) as one
    instance; home sites first (site i is client i's home, as build_model expects)."""
    every = tuple(p.code for p in scenario.provinces)
    parts = build_instances(scenario, category, settings, provinces=every, commitments=Commitments())
    if not parts:
        return None
    n = sum(len(p.clients) for p in parts)
    clients, homes, others = [], [], []
    allowed: list[list[int]] = []
    km: dict[tuple[int, int], float] = {}
    group_caps: list[tuple[str, list[int], int]] = []
    off, other_off = 0, n
    for part in parts:
        k = len(part.clients)

        def remap(j: int, off: int = off, other_off: int = other_off, k: int = k) -> int:
            return off + j if j < k else other_off + (j - k)

        clients += part.clients
        homes += part.sites[:k]
        others += part.sites[k:]
        for i, row in enumerate(part.allowed):
            allowed.append([remap(j) for j in row])
            for j in row:
                km[off + i, remap(j)] = part.km[i, j]
        group_caps += [(p, [remap(j) for j in idx], cap) for p, idx, cap in part.group_caps]
        off += k
        other_off += len(part.sites) - k
    sites = homes + others
    want = set(relievable)
    relieved_site: dict[int, int] = {}
    for i, c in enumerate(clients):
        if c.code in want:
            relieved_site[i] = len(sites)
            sites.append(Site(c.code, c.name, c.province, "absorb", 0, c.places, always_viable=True,
                              counts_location=False))
            allowed[i].append(relieved_site[i])
            km[i, relieved_site[i]] = 0.0
    first = parts[0]
    inst = MergerInstance(tuple(p for part in parts for p in part.provinces), category, first.min_size,
                          first.max_size, first.max_km, first.km_unit, clients, sites, allowed, km,
                          group_caps)
    return Merged(inst, relieved_site, frozenset(relieved_site.values()))


# ---- the joint model ------------------------------------------------------------------------------

@dataclass
class _SharedDealModel(DealModel):
    """DealModel built on a given CpModel (the merger model's), so one solve sees both."""

    shared: Any = None

    def __post_init__(self) -> None:
        self.model, self.lx = self.shared, cp_model.LinearExpr
        self._build()


@dataclass
class LevelResult:
    level: str
    status: SolveStatus
    objective: float | None
    bound: float | None
    seconds: float
    deterministic_time: float

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None:
            return None
        if self.status == "OPTIMAL":
            return 0.0
        return abs(self.objective - self.bound) / max(1.0, abs(self.objective))


@dataclass
class CategoryJoint:
    """One category's joint solution: the deals (as the deal stage reports them), the merger
    assignment (client code -> (site code, site kind)) and its figures, and every level's solve."""

    category: Category
    deals: CategoryDeals
    start: dict[str, int]
    figures: dict[str, int]
    assignment: dict[str, tuple[str, str]]
    levels: list[LevelResult]
    conflicts: list[str] = field(default_factory=list)  # D3 or D2 breaches read back (must be empty)
    seconds: float = 0.0


class JointModel:
    """Deals and mergers of one category in one CP-SAT model (see the module docstring)."""

    def __init__(self, scenario: Scenario, category: Category, deal_settings: DealSettings,
                 merger_settings: MergerSettings, pins: DealPins, floor: int) -> None:
        self.scenario, self.category = scenario, category
        self.deal_inst = build_instance(scenario, category, deal_settings, pins)
        cands = self.deal_inst.candidates
        self.cand_index = {c.code: i for i, c in enumerate(cands)}
        small_whole = [c.code for c in cands if c.small]
        self.merged = merged_instance(scenario, category, merger_settings, small_whole)
        if self.merged is not None:
            self.built = build_model(self.merged.inst)
            self.model = self.built.fm.model
        else:
            self.model = cp_model.CpModel()
        self.deal = _SharedDealModel(self.deal_inst, deal_settings, shared=self.model)
        self.floor = floor
        self.model.add(self.deal.relief >= floor)
        self.terms: dict[str, Any] = {}
        self._couple()

    def relieved(self, code: str) -> Any:
        """1 if a swap relieves `code` in this category (0 if it is no candidate)."""
        i = self.cand_index.get(code)
        if i is None:
            return 0
        return self.deal._sum([self.deal.x(i, p) for p in self.deal_inst.plus
                               if (i, p) in self.deal.w or (i, p) in self.deal.g])

    def _couple(self) -> None:
        m, deal = self.model, self.deal
        self.mg: dict[int, Any] = {}
        self.sw: dict[tuple[int, str], Any] = {}
        if self.merged is None:
            self.terms = {"nonviable": 0, "mergers": 0, "locations": 0, "place_km": 0}
        else:
            inst, fm = self.merged.inst, self.built.fm
            for i, v in self.merged.relieved_site.items():  # a relieved small task leaves the mergers
                m.add(fm.x[i, v] == self.relieved(inst.clients[i].code))
            src = {s.code: s for s in self.deal_inst.sources}
            for j in fm.sites:
                site = inst.sites[j]
                if site.kind == "host":  # D3
                    m.add(fm.y[j] + self.relieved(site.code) <= 1)
                elif site.kind == "absorb" and j not in self.merged.virtual and site.code in src:
                    backs = deal._sum([f for (s, _q), f in deal.f.items() if s == site.code])
                    m.add(fm.load(j) + backs <= src[site.code].extra)  # G3: extra not backing a swap
            for p, idx, _cap in inst.group_caps:  # P2: the surplus the swaps leave
                keys = deal.keys()  # a method of DealModel, not dict.keys
                used = deal._sum([deal.r(i, pp) for i, pp in keys if pp == p])
                m.add(sum(fm.load(j) for j in idx) + used <= self.scenario.surplus(p).get(self.category))
            for j in fm.sites:  # merger-stage proposals: a merger per host site with members,
                site = inst.sites[j]  # a cross-border swap per (absorber, sink province)
                members = [i for i in fm.by_site[j] if i != j]
                if not members or j in self.merged.virtual:
                    continue
                if site.kind == "absorb":
                    for q in sorted({inst.clients[i].province for i in members}):
                        sw = self.sw[(j, q)] = m.new_bool_var(f"sw[{j},{q}]")
                        mine = [fm.x[i, j] for i in members if inst.clients[i].province == q]
                        for x in mine:
                            m.add_implication(x, sw)
                        m.add(sw <= sum(mine))
                else:
                    mg = self.mg[j] = m.new_bool_var(f"mg[{j}]")
                    for i in members:
                        m.add_implication(fm.x[i, j], mg)
                    m.add(mg <= sum(fm.x[i, j] for i in members))
            bt = self.built.terms
            self.terms = {"nonviable": bt["nonviable_places"],
                          "mergers": sum(self.mg.values()) + sum(self.sw.values()),
                          "locations": bt["locations"], "place_km": bt["place_km"]}
        self.terms["agreements"] = deal.level_expr("agreements")
        self.terms["parties"] = deal.level_expr("parties")

    # -- the start: the staged chain's solution
    def staged_hint(self, deal_values: Mapping[str, int], chain: Sequence[AnyProposal]) -> dict[Any, int]:
        """The staged solution as (variable -> value): its deal variables by name, and the merger
        assignment read from the chain's Merger and cross-border SurplusSwap proposals."""
        hint: dict[Any, int] = {v: int(deal_values.get(name, 0)) for name, v in self.deal.variables}
        if self.merged is None:
            return hint
        inst, fm = self.merged.inst, self.built.fm
        site_of = {(s.code, "absorb" if s.kind == "absorb" else "local"): j for j, s in enumerate(inst.sites)
                   if j not in self.merged.virtual}
        index = {c.code: i for i, c in enumerate(inst.clients)}
        to: dict[int, int] = {}
        for p in chain:
            if isinstance(p, Merger) and p.category == self.category:
                for t in p.transfers:
                    to[index[t.from_code]] = site_of[(p.host_code, "local")]
            elif isinstance(p, SurplusSwap) and p.id.startswith("surplus-"):
                for t in p.transfers:
                    if t.category == self.category:
                        to[index[t.from_code]] = site_of[(t.to_code, "absorb")]
        for i, c in enumerate(inst.clients):
            if i in self.merged.relieved_site:
                ci = self.cand_index[c.code]
                if any(deal_values.get(f"w_{c.code}_{p}", 0) for p in self.deal_inst.plus
                       if (ci, p) in self.deal.w):
                    to[i] = self.merged.relieved_site[i]
            to.setdefault(i, i)
        for (i, j), x in fm.x.items():
            hint[x] = int(to[i] == j)
        for j, y in fm.y.items():
            hint[y] = int(j in set(to.values()))
        for j, v in self.mg.items():
            hint[v] = int(any(to[i] == j for i in fm.by_site[j] if i != j))
        for (j, q), v in self.sw.items():
            hint[v] = int(any(to[i] == j and inst.clients[i].province == q for i in fm.by_site[j]))
        return hint

    def _solver(self, st: JointSettings, fixed: bool = False) -> cp_model.CpSolver:
        solver = cp_model.CpSolver()
        configure(solver, num_workers=1, random_seed=st.random_seed,
                  max_deterministic_time=10.0 if fixed else st.max_deterministic_time,
                  max_time_in_seconds=st.max_time_in_seconds)
        solver.parameters.fix_variables_to_their_hinted_value = fixed
        return solver

    def _all_vars(self) -> list[Any]:
        return [self.model.get_int_var_from_proto_index(k) for k in range(len(self.model.proto.variables))]

    def _set_hint(self, hint: Mapping[Any, int]) -> None:
        self.model.clear_hints()
        for v, value in hint.items():
            self.model.add_hint(v, value)

    def figures(self, solver: cp_model.CpSolver) -> dict[str, int]:
        out = {k: int(solver.value(e)) for k, e in self.terms.items() if not isinstance(e, int)}
        out.update({k: 0 for k, e in self.terms.items() if isinstance(e, int)})
        out["relief"] = int(solver.value(self.deal.relief)) if not isinstance(self.deal.relief, int) else 0
        out["merger_proposals"] = sum(int(solver.value(v)) for v in self.mg.values())
        out["absorb_swaps"] = sum(int(solver.value(v)) for v in self.sw.values())
        return out

    def solve(self, st: JointSettings, hint: Mapping[Any, int] | None) -> CategoryJoint:
        """The start (the staged solution, fixed: a check that it is feasible here), then every
        level with its optimum kept."""
        start_t = time.perf_counter()
        everything = self._all_vars()
        values: dict[Any, int] | None = None
        start_figs: dict[str, int] = {}
        if hint:
            self._set_hint(hint)
            solver = self._solver(st, fixed=True)
            self.model.minimize(self.terms[st.levels[0]])
            status = status_of(solver.solve(self.model))
            if status not in ("OPTIMAL", "FEASIBLE"):
                raise AssertionError(f"joint {self.category}: the staged solution is not feasible in the "
                                     f"joint model ({status}): the coupling differs from the chain's")
            values = {v: int(solver.value(v)) for v in everything}
            start_figs = self.figures(solver)
        levels: list[LevelResult] = []
        last = None
        for level in st.levels:
            expr = self.terms[level]
            if isinstance(expr, int):
                levels.append(LevelResult(level, "OPTIMAL", float(expr), float(expr), 0.0, 0.0))
                continue
            self.model.minimize(expr)
            if values:
                self._set_hint(values)
            solver = self._solver(st)
            t = time.perf_counter()
            status = status_of(solver.solve(self.model))
            secs = time.perf_counter() - t
            if status not in ("OPTIMAL", "FEASIBLE"):
                raise AssertionError(f"joint {self.category}/{level}: no solution ({status})")
            obj = float(round(solver.objective_value))
            bnd = float(math.ceil(solver.best_objective_bound - 1e-6))
            levels.append(LevelResult(level, status, obj, obj if status == "OPTIMAL" else bnd, secs,
                                      float(solver.deterministic_time)))
            self.model.add(expr <= round(obj))
            values = {v: int(solver.value(v)) for v in everything}
            last = solver
        assert last is not None or not any(not isinstance(self.terms[lv], int) for lv in st.levels)
        return self._read(last, values or {}, levels, start_figs, time.perf_counter() - start_t)

    def _read(self, solver: cp_model.CpSolver | None, values: Mapping[Any, int], levels: list[LevelResult],
              start: dict[str, int], seconds: float) -> CategoryJoint:
        deal = self.deal
        deal.values = {name: int(values.get(v, 0)) for name, v in deal.variables}
        agreements, relief, fairness, place_km = read_category(deal)
        infos = tuple(SolveInfo(model=f"joint/{lv.level}", scope=self.category, status=lv.status,
                                objective=lv.objective, best_bound=lv.bound, gap=lv.gap, seconds=lv.seconds,
                                parameters={"deterministic_time": round(lv.deterministic_time, 2)})
                      for lv in levels)
        cd = CategoryDeals(category=self.category, max_relief=0, relief_floor=self.floor, relief=relief,
                           agreements=agreements, fairness=round(fairness, 3), place_km=round(place_km, 1),
                           solve_info=infos)
        figs = self.figures(solver) if solver is not None else {"relief": relief}
        assignment: dict[str, tuple[str, str]] = {}
        conflicts: list[str] = []
        relieved_codes = {r.code for a in agreements for r in a.reliefs}
        if self.merged is not None:
            inst, fm = self.merged.inst, self.built.fm
            for (i, j), x in fm.x.items():
                if values.get(x, 0):
                    site = inst.sites[j]
                    kind = "relieved" if j in self.merged.virtual else site.kind
                    assignment[inst.clients[i].code] = (site.code, kind)
                    if kind in ("home", "host") and i != j and site.code in relieved_codes:
                        conflicts.append(f"D3: {site.code} relieved and hosts {inst.clients[i].code}")
                    if (kind == "relieved") != (inst.clients[i].code in relieved_codes):
                        conflicts.append(f"coupling: {inst.clients[i].code} at {kind} site, relieved "
                                         f"{inst.clients[i].code in relieved_codes}")
        for a in agreements:
            for r in a.reliefs:
                task = self.scenario.municipality(r.code).verdeelbesluit.get(self.category)
                left = task - r.places
                if 0 < left < self.deal_inst.min_size:
                    conflicts.append(f"D2: {r.code} left with {left}")
        return CategoryJoint(self.category, cd, start, figs, assignment, levels, conflicts, seconds)


def solve_joint(scenario: Scenario, deal_settings: DealSettings, merger_settings: MergerSettings,
                pins: DealPins, floors: Mapping[Category, int], st: JointSettings | None = None,
                staged_models: Mapping[Category, DealModel] | None = None,
                chain: Sequence[AnyProposal] = (), max_relief: Mapping[Category, int] | None = None,
                ) -> tuple[DealResult, list[CategoryJoint]]:
    """The joint model per category, from the staged start if given; its deals as a DealResult (so
    the chain can draft, merge and check them like any deal result)."""
    st = st or JointSettings()
    out: list[CategoryJoint] = []
    for c in CATEGORIES:
        jm = JointModel(scenario, c, deal_settings, merger_settings, pins, floors.get(c, 0))
        hint = None
        if staged_models is not None:
            vals = staged_models[c].values if c in staged_models else {}
            hint = jm.staged_hint(vals, chain)
        res = jm.solve(st, hint)
        res.deals = res.deals.model_copy(update={"max_relief": (max_relief or {}).get(c, 0)})
        out.append(res)
    result = DealResult(scenario=scenario.name, scenario_hash=scenario.content_hash(),
                        settings=f"joint:{deal_settings.id}", categories=tuple(r.deals for r in out))
    return result, out


def parties_of(result: DealResult) -> tuple[int, int]:
    """(sum, max) of the parties over the swap agreements of a deal result."""
    counts = [len(a.parties) for a in result.agreements]
    return sum(counts), max(counts, default=0)


def by_category(items: Iterable[CategoryJoint]) -> dict[Category, CategoryJoint]:
    return {r.category: r for r in items}


__all__ = ["CategoryJoint", "JointModel", "JointSettings", "LevelResult", "Merged", "by_category",
           "merged_instance", "parties_of", "solve_joint", "staged_deals"]
