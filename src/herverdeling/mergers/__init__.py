"""Stage: mergers of small tasks (S1-S4) with CP-SAT; one public entry point, `propose_mergers`."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

from herverdeling import drafting
from herverdeling.commitments import Commitments
from herverdeling.cpsat import worst_status
from herverdeling.errors import ScenarioError
from herverdeling.mergers.model import Instance, build_instances, solve_instance
from herverdeling.mergers.result import Location, Member, MergerResult, ScopeResult
from herverdeling.mergers.settings import MergerSettings, load_merger_settings
from herverdeling.proposals import Merger, SolveInfo, SurplusSwap, Transfer
from herverdeling.resources import bundled_dir
from herverdeling.scenario.model import CATEGORIES, Category, Scenario

__all__ = ["MergerResult", "MergerSettings", "load_merger_settings", "propose_mergers"]

def propose_mergers(
    scenario: Scenario,
    settings: MergerSettings | None = None,
    *,
    province: str | None = None,
    categories: tuple[Category, ...] = CATEGORIES,
    commitments: Commitments | None = None,
) -> MergerResult:
    """Merge small tasks per province and category; returns proposals and how each solve went.

    `commitments`: what earlier stages (the surplus swaps) already committed. The small tasks are
    judged on the task net of their relief; with settings.cross_border a plusprovincie host may
    absorb small tasks across the border, within the surplus and the extra places not yet
    promised (G3). `province`: solve only the scopes that contain it; a cross-border scope spans
    several provinces and is solved whole, so the result for the province is the same as in a
    national run. Raises InfeasibleError (with the task and the reason) when settings cannot be
    met.
    """
    settings = settings or load_merger_settings()
    commitments = commitments or Commitments()
    if province is not None and not scenario.has_province(province):
        known = ", ".join(p.code for p in scenario.provinces)
        raise ScenarioError(f"unknown province {province!r} (known: {known})", field="province")
    every = tuple(p.code for p in scenario.provinces)
    provinces = tuple(p for p in every if province in (None, p))
    start = time.perf_counter()
    scopes: list[ScopeResult] = []
    mergers: list[Merger] = []
    swaps: list[SurplusSwap] = []
    for category in categories:
        instances = [inst for inst in build_instances(scenario, category, settings, provinces=every,
                                                      commitments=commitments)
                     if province is None or province in inst.provinces]
        covered = {p for inst in instances for p in inst.provinces}
        for inst in instances:
            scope, locs = _solve_scope(inst, settings)
            scopes.append(scope)
            mergers.extend(_mergers(scenario, locs))
            swaps.extend(_swaps(scenario, locs))
        for p in provinces:
            if p not in covered:  # nothing small: trivially optimal, stated rather than left out
                scopes.append(ScopeResult(scope=f"{p}/{category}", provinces=(p,), category=category,
                                          small_tasks=0, small_places=0, status="OPTIMAL",
                                          objectives={lv.name: 0.0 for lv in settings.objective.levels},
                                          bounds={lv.name: 0.0 for lv in settings.objective.levels},
                                          locations=(), solve_info=(), seconds=0.0))
    return MergerResult(
        scenario=scenario.name, scenario_hash=scenario.content_hash(),
        status=worst_status(s.status for s in scopes) if scopes else "OPTIMAL",
        scopes=tuple(scopes), mergers=tuple(mergers), surplus_swaps=tuple(swaps),
        seconds=time.perf_counter() - start,
        notes=(f"objective {settings.objective.id} v{settings.objective.version}: "
               + " > ".join(lv.name for lv in settings.objective.levels),
               f"solver {settings.solver.id}; models in {bundled_dir('models')}"),
    )


def _solve_scope(inst: Instance, settings: MergerSettings) -> tuple[ScopeResult, list[Location]]:
    start = time.perf_counter()
    assign, levels = solve_instance(inst, settings)
    infos = tuple(
        SolveInfo(model=f"mergers/{lv.name}", scope=inst.scope, status=lv.outcome.status,
                  objective=lv.outcome.objective, best_bound=lv.outcome.best_bound,
                  gap=lv.outcome.gap, seconds=lv.outcome.seconds,
                  parameters=settings.solver.as_info())
        for lv in levels
    )
    statuses = [lv.outcome.status for lv in levels]
    if len(levels) < len(settings.objective.levels):
        statuses.append("UNKNOWN")
    locations = _locations(inst, assign)
    scope = ScopeResult(
        scope=inst.scope, provinces=inst.provinces, category=inst.category,
        small_tasks=len(inst.clients), small_places=sum(c.places for c in inst.clients),
        status=worst_status(statuses),
        objectives={lv.name: lv.outcome.objective for lv in levels if lv.outcome.objective is not None},
        bounds={lv.name: lv.outcome.best_bound for lv in levels},
        locations=tuple(locations), solve_info=infos, seconds=time.perf_counter() - start,
    )
    return scope, locations


def _locations(inst: Instance, assign: Mapping[int, int]) -> list[Location]:
    by_site: dict[int, list[int]] = {}
    for i, j in sorted(assign.items()):
        by_site.setdefault(j, []).append(i)
    out = []
    for j in sorted(by_site, key=lambda j: inst.sites[j].code):
        site = inst.sites[j]
        members = tuple(
            Member(code=inst.clients[i].code, province=inst.clients[i].province,
                   places=inst.clients[i].places, distance_km=round(inst.km[i, j], 1))
            for i in by_site[j] if i != j
        )
        own = inst.clients[j].places if site.kind == "home" else site.own
        size = own + sum(m.places for m in members)
        out.append(Location(host_code=site.code, province=site.province, category=inst.category,
                            kind=site.kind, own_places=own, members=members,
                            viable=site.always_viable or size >= inst.min_size))
    return out


def _transfers(loc: Location, members: Iterable[Member]) -> tuple[Transfer, ...]:
    return tuple(Transfer(from_code=m.code, to_code=loc.host_code, category=loc.category,
                          places=m.places, distance_km=m.distance_km) for m in members)


def _mergers(s: Scenario, locations: list[Location]) -> list[Merger]:
    return [drafting.merger(s, province=loc.province, host_code=loc.host_code,
                            host_own_places=loc.own_places, transfers=_transfers(loc, loc.members))
            for loc in locations if loc.kind != "absorb" and loc.members]


def _swaps(s: Scenario, locations: list[Location]) -> list[SurplusSwap]:
    """A plusprovincie host absorbing small tasks across the border: a surplus swap per sink."""
    out = []
    for loc in locations:
        if loc.kind != "absorb" or not loc.members:
            continue
        for sink in sorted({m.province for m in loc.members}):
            members = [m for m in loc.members if m.province == sink]
            out.append(drafting.surplus_swap(
                s, loc.province, sink, _transfers(loc, members),
                id=f"surplus-{loc.province}-{sink}-{loc.category}-{loc.host_code}"))
    return out
