"""The merger model of one scope (a province, or a cross-border group) and one category.

Clients are the small tasks (0 < task < min_size, the task net of any surplus-swap relief).
Sites, each a named municipality (so there are no symmetric copies of a location):
- "home": a small task's own municipality. It may always keep its task (not merged); when it
  may host, others may join it, and then its own task stays with it (x[i, j] <= x[j, j]).
- "host": a municipality of the province that may host (S1) and whose task is not small; its own
  task counts toward the location's size.
- "absorb" (point 2, optional): a municipality of a plusprovincie with extra places that absorbs
  a small task of a neighbouring restopgave province as a surplus swap; it creates no location
  and needs no viability; what all hosts of a plusprovincie absorb stays within its surplus left.
A task goes whole to one site within the category's max_distance_km.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from ortools.sat.python import cp_model

from herverdeling.commitments import Commitments
from herverdeling.errors import InfeasibleError, ScenarioError
from herverdeling.mergers.core import FacilityModel, Outcome, solve
from herverdeling.mergers.settings import MergerSettings, Term
from herverdeling.scenario.model import Category, Municipality, Scenario

SiteKind = Literal["home", "host", "absorb"]


@dataclass(frozen=True)
class Client:
    code: str
    name: str
    province: str
    places: int
    may_host: bool


@dataclass(frozen=True)
class Site:
    code: str
    name: str
    province: str
    kind: SiteKind
    own: int  # the host's own task (for a home site: the client's task, counted in the load)
    cap: int  # most places the site's load (x-assigned places) may reach
    always_viable: bool
    counts_location: bool


@dataclass
class Instance:
    """Data of one model: pure, built from the scenario; `allowed[i]` lists site indices."""

    provinces: tuple[str, ...]
    category: Category
    min_size: int
    max_size: int
    max_km: float
    km_unit: float
    clients: list[Client]
    sites: list[Site]
    allowed: list[list[int]]
    km: dict[tuple[int, int], float]
    group_caps: list[tuple[str, list[int], int]] = field(default_factory=list)

    @property
    def scope(self) -> str:
        return f"{'+'.join(self.provinces)}/{self.category}"

    @property
    def base(self) -> list[int]:
        """Places a site has outside its load: a host's own task (home sites count theirs in x)."""
        return [0 if s.kind == "home" else s.own for s in self.sites]

    def unit_cost(self, i: int, j: int) -> int:
        """place-km of sending task i to site j, in units of km_unit (0 for staying home)."""
        if i == j:
            return 0
        return self.clients[i].places * round(self.km[i, j] / self.km_unit)


def task_of(m: Municipality, category: Category, commitments: Commitments) -> int:
    """The task net of surplus-swap relief: what a merger works with."""
    relieved = commitments.relieved(m.cbs_code, category)
    task = m.verdeelbesluit.get(category) - relieved
    if task < 0:
        raise ScenarioError(
            f"{m.name} ({m.cbs_code}): relief {relieved} {category} exceeds "
            f"its verdeelbesluit task {m.verdeelbesluit.get(category)}", field="relief")
    return task


def build_instances(
    s: Scenario,
    category: Category,
    settings: MergerSettings,
    *,
    provinces: tuple[str, ...],
    commitments: Commitments,
) -> list[Instance]:
    """One instance per province, or per connected cross-border group when that option is on."""
    norm = s.norms.get(category)
    rule = settings.objective.capacity_rule
    clients: list[Client] = []
    for prov in provinces:
        for m in sorted(s.municipalities_in(prov), key=lambda m: m.cbs_code):
            t = task_of(m, category, commitments)
            if 0 < t < norm.min_size:
                clients.append(Client(m.cbs_code, m.name, prov, t, s.may_take_on(m)
                                      and commitments.may_take_on(m.cbs_code, category)))
    hosts: list[Site] = []
    for prov in provinces:
        for m in sorted(s.municipalities_in(prov), key=lambda m: m.cbs_code):
            t = task_of(m, category, commitments)
            # D3: a municipality relieved by a swap does not host in the same category
            if (not s.may_take_on(m) or 0 < t < norm.min_size
                    or not commitments.may_take_on(m.cbs_code, category)):
                continue
            cap = norm.max_size - t if rule == "location" else norm.max_size
            if cap > 0:
                hosts.append(Site(m.cbs_code, m.name, prov, "host", t, cap,
                                  always_viable=t >= norm.min_size,
                                  counts_location=t < norm.min_size))
    absorbers: list[Site] = []
    caps: dict[str, int] = {}
    eligible: dict[str, int] = {}  # client code -> relief still allowed (P11)
    if settings.cross_border:
        sinks = {p for p in s.restopgave_provinces() if s.restopgave(p).get(category) > 0}
        for p in s.plusprovincies():
            left = commitments.surplus_left(s, p, category)
            if left <= 0:
                continue
            caps[p] = left
            for m in sorted(s.municipalities_in(p), key=lambda m: m.cbs_code):
                extra = commitments.extra_left(s, m.cbs_code, category)
                if s.may_take_on(m) and extra > 0:
                    absorbers.append(Site(m.cbs_code, m.name, p, "absorb", task_of(m, category, commitments),
                                          extra, always_viable=True, counts_location=False))
        for c in clients:
            m = s.municipality(c.code)
            room = s.relief_cap(m, category) - commitments.relieved(c.code, category)
            if c.province in sinks and room >= c.places:
                eligible[c.code] = room

    def reach(c: Client, site: Site) -> float | None:
        d = s.distance_km(c.code, site.code)
        return d if d <= norm.max_distance_km + 1e-9 else None

    # Cross-border links decide which provinces must be solved together (shared surplus caps).
    parent = {p: p for p in provinces}
    parent.update({p: p for p in caps})

    def find(p: str) -> str:
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    links: dict[str, list[Site]] = {}
    for c in clients:
        if c.code not in eligible:
            continue
        for site in absorbers:
            if site.province != c.province and reach(c, site) is not None:
                links.setdefault(c.code, []).append(site)
                a, b = find(c.province), find(site.province)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[str, list[str]] = {}
    for p in sorted(parent):
        groups.setdefault(find(p), []).append(p)

    out = []
    for members in groups.values():
        scope_provs = tuple(p for p in members if p in provinces or any(
            site.province == p for sites in links.values() for site in sites))
        in_scope = [c for c in clients if c.province in scope_provs]
        if not in_scope:
            continue
        out.append(_instance(s, category, settings, scope_provs, in_scope,
                             [h for h in hosts if h.province in scope_provs],
                             [a for a in absorbers if a.province in scope_provs], links, caps, reach))
    return out


def _instance(s: Scenario, category: Category, settings: MergerSettings, provinces: tuple[str, ...],
              clients: list[Client], hosts: list[Site], absorbers: list[Site],
              links: dict[str, list[Site]], caps: dict[str, int], reach: object) -> Instance:
    norm = s.norms.get(category)
    rule = settings.objective.capacity_rule
    sites = [Site(c.code, c.name, c.province, "home", c.places,
                  norm.max_size if rule == "location" else norm.max_size + c.places,
                  always_viable=False, counts_location=True) for c in clients]
    used_abs = sorted({a.code for sites_ in links.values() for a in sites_
                       if a.province in provinces})
    sites += hosts + [a for a in absorbers if a.code in used_abs]
    allowed: list[list[int]] = []
    km: dict[tuple[int, int], float] = {}
    for i, c in enumerate(clients):
        row = [i]
        km[i, i] = 0.0
        for j, site in enumerate(sites):
            if j == i:
                continue
            if site.kind == "home" and not (clients[j].may_host and site.province == c.province):
                continue
            if site.kind == "host" and site.province != c.province:
                continue
            if site.kind == "absorb" and site not in links.get(c.code, []):
                continue
            d = reach(c, site)  # type: ignore[operator]
            if d is None:
                continue
            row.append(j)
            km[i, j] = d
        allowed.append(row)
    group_caps = []
    for p in sorted(caps):
        idx = [j for j, site in enumerate(sites) if site.kind == "absorb" and site.province == p]
        if idx:
            group_caps.append((p, idx, caps[p]))
    return Instance(provinces, category, norm.min_size, norm.max_size, norm.max_distance_km,
                    settings.objective.place_km_unit, clients, sites, allowed, km, group_caps)


# ---- the CP-SAT model ---------------------------------------------------------------------------
@dataclass
class Built:
    fm: FacilityModel
    terms: dict[Term, cp_model.LinearExpr]
    viable: dict[int, cp_model.IntVar]


def build_model(inst: Instance, *, require_viable: bool = False) -> Built:
    """x/y from the core; home sites keep their own task; viability; the three objective terms."""
    demand = [c.places for c in inst.clients]
    fm = FacilityModel(demand, inst.allowed, {j: s.cap for j, s in enumerate(inst.sites)},
                       name=f"mergers {inst.scope}")
    m = fm.model
    n = len(inst.clients)
    for j in fm.sites:
        if j < n:  # a home site: open exactly when its own task stays home
            m.add(fm.y[j] == fm.x[j, j])
            for i in fm.by_site[j]:
                if i != j:
                    m.add_implication(fm.x[i, j], fm.x[j, j])
    base = inst.base
    nonviable = []
    viable: dict[int, cp_model.IntVar] = {}
    for j in fm.sites:
        site = inst.sites[j]
        if site.always_viable:
            continue
        need = inst.min_size - base[j]
        v = m.new_bool_var(f"v[{j}]")
        viable[j] = v
        load = fm.load(j)
        m.add_implication(v, fm.y[j])
        m.add(load >= need).only_enforce_if(v)
        m.add(load <= need - 1).only_enforce_if(~v)
        nv = m.new_int_var(0, max(0, need - 1), f"nv[{j}]")
        m.add(nv == 0).only_enforce_if(v)
        m.add(nv == load).only_enforce_if(~v)
        nonviable.append(nv)
        if require_viable:
            m.add(v == fm.y[j])
    for _prov, idx, cap in inst.group_caps:
        m.add(sum(fm.load(j) for j in idx) <= cap)
    # Redundant cuts: open capacity covers all small places; a lower bound on open sites.
    fm.add_capacity_cover()
    total = sum(demand)
    biggest = max(s.cap for s in inst.sites)
    m.add(sum(fm.y.values()) >= math.ceil(total / biggest))
    cost = {(i, j): inst.unit_cost(i, j) for (i, j) in fm.x}
    terms: dict[Term, cp_model.LinearExpr] = {
        "nonviable_places": cp_model.LinearExpr.sum(nonviable),
        "locations": cp_model.LinearExpr.sum([fm.y[j] for j in fm.sites if inst.sites[j].counts_location]),
        "place_km": fm.assignment_cost(cost),
    }
    return Built(fm, terms, viable)


def evaluate(inst: Instance, assign: Mapping[int, int]) -> dict[Term, int]:
    """The objective terms of an assignment, computed directly (used for hints and checks)."""
    load: dict[int, int] = {}
    for i, j in assign.items():
        load[j] = load.get(j, 0) + inst.clients[i].places
    base = inst.base
    nonviable = sum(v for j, v in load.items()
                    if not inst.sites[j].always_viable and base[j] + v < inst.min_size)
    locations = sum(1 for j in load if inst.sites[j].counts_location)
    place_km = sum(inst.unit_cost(i, j) for i, j in assign.items())
    return {"nonviable_places": nonviable, "locations": locations, "place_km": place_km}


def greedy(inst: Instance) -> dict[int, int]:
    """A feasible start: fill already-viable sites nearest first, then gather viable groups at
    home sites of may-host small tasks (largest first, nearest members first), rest stays home."""
    n = len(inst.clients)
    assign: dict[int, int] = {}
    load = [0] * len(inst.sites)
    group_of = {j: g for g, (_p, idx, _c) in enumerate(inst.group_caps) for j in idx}
    group_load = [0] * len(inst.group_caps)
    order = sorted(range(n), key=lambda i: (-inst.clients[i].places, inst.clients[i].code))
    for i in order:
        a = inst.clients[i].places
        for j in sorted(inst.allowed[i][1:], key=lambda j: (inst.km[i, j], j)):
            site = inst.sites[j]
            if not site.always_viable or load[j] + a > site.cap:
                continue
            g = group_of.get(j)
            if g is not None and group_load[g] + a > inst.group_caps[g][2]:
                continue
            assign[i] = j
            load[j] += a
            if g is not None:
                group_load[g] += a
            break
    at_site: dict[int, list[int]] = {}
    for i in range(n):
        if i not in assign:
            at_site.setdefault(i, [])
            for j in inst.allowed[i][1:]:
                if j < n:
                    at_site.setdefault(j, []).append(i)
    for h in order:
        if h in assign or not inst.clients[h].may_host:
            continue
        total = inst.clients[h].places
        group = [h]
        for i in sorted(at_site.get(h, []), key=lambda i: (inst.km[i, h], i)):
            if i in assign or i == h:
                continue
            if total + inst.clients[i].places <= inst.sites[h].cap:
                group.append(i)
                total += inst.clients[i].places
            if total >= inst.min_size:
                break
        if total >= inst.min_size:
            for i in group:
                assign[i] = h
    for i in range(n):
        assign.setdefault(i, i)
    return assign


def explain_unplaceable(inst: Instance) -> str | None:
    """Why some small task cannot end in a viable location (for require_viable), or None."""
    n = len(inst.clients)
    base = inst.base
    for i, c in enumerate(inst.clients):
        if any(inst.sites[j].always_viable for j in inst.allowed[i]):
            continue
        best = 0
        for j in inst.allowed[i]:
            at_j = [k for k in range(n) if j in inst.allowed[k]]
            best = max(best, base[j] + min(inst.sites[j].cap,
                                           sum(inst.clients[k].places for k in at_j)))
        if best < inst.min_size:
            near = [inst.sites[j].code for j in inst.allowed[i] if j != i]
            return (f"{c.name} ({c.code}, {c.places} {inst.category} places, {c.province}) cannot be "
                    f"placed in a viable location: the hosts within {inst.max_km:g} km "
                    f"({', '.join(near) or 'none'}) can gather at most {best} places, below the "
                    f"minimum of {inst.min_size}")
    return None


@dataclass
class LevelOutcome:
    name: str
    outcome: Outcome


def solve_instance(inst: Instance, settings: MergerSettings) -> tuple[dict[int, int], list[LevelOutcome]]:
    """Sequential lexicographic solve; each level keeps earlier levels at the values reached."""
    if settings.require_viable:
        why = explain_unplaceable(inst)
        if why:
            raise InfeasibleError(why)
    built = build_model(inst, require_viable=settings.require_viable)
    fm = built.fm
    hint = greedy(inst)
    if settings.require_viable and evaluate(inst, hint)["nonviable_places"] > 0:
        hint = {}
    levels: list[LevelOutcome] = []
    for level in settings.objective.levels:
        expr = cp_model.LinearExpr.weighted_sum([built.terms[t] for t in level.terms],
                                                list(level.terms.values()))
        fm.model.clear_hints()
        if hint:
            fm.add_hint(hint)
        out = solve(fm.model, expr, settings.solver)
        levels.append(LevelOutcome(level.name, out))
        if out.status == "INFEASIBLE":
            raise InfeasibleError(
                f"{inst.scope}: the small tasks cannot all be placed in viable locations at the same "
                "time (host capacity or distance); allow non-viable locations or widen the norms")
        if not out.has_solution:
            break  # no solution within the limit: keep the last one found (or the greedy start)
        hint = fm.assignment(out)
        fm.model.add(expr <= round(out.objective or 0))
    if not hint:
        raise InfeasibleError(f"{inst.scope}: no solution found within the solver limits")
    return hint, levels
