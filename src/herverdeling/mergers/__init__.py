"""Stage: mergers of small tasks (S1-S4) with CP-SAT; one public entry point, `propose_mergers`."""

from __future__ import annotations

import time
from collections.abc import Mapping

from herverdeling.cpsat import worst_status
from herverdeling.errors import ScenarioError
from herverdeling.mergers.model import Instance, build_instances, solve_instance
from herverdeling.mergers.result import Location, Member, MergerResult, ScopeResult
from herverdeling.mergers.settings import MergerSettings, load_merger_settings
from herverdeling.proposals import (
    CounterPerformance,
    Merger,
    Party,
    SolveInfo,
    SurplusSwap,
    Transfer,
)
from herverdeling.resources import bundled_dir
from herverdeling.scenario.model import CATEGORIES, Category, Scenario

__all__ = ["MergerResult", "MergerSettings", "load_merger_settings", "propose_mergers"]

FAILURE_CLAUSE_MERGER = (
    "Realiseert de gastgemeente de samengevoegde plaatsen niet (tijdig), dan blijft alleen de "
    "gastgemeente daarop aanspreekbaar in het interbestuurlijk toezicht; de deelnemende gemeenten "
    "zijn na de wijziging van het verdeelbesluit ontslagen van hun taak voor deze plaatsen. "
    "Partijen treden in dat geval binnen vier weken in overleg over herstel en over de "
    "tegenprestatie."
)
FAILURE_CLAUSE_SWAP = (
    "Realiseert de gastgemeente in de plusprovincie de plaatsen niet (tijdig), dan vervalt de "
    "ontlasting van de ontlaste gemeente niet vanzelf; de commissarissen van de Koning van de "
    "betrokken provincies treden binnen vier weken in overleg over herstel."
)


def propose_mergers(
    scenario: Scenario,
    settings: MergerSettings | None = None,
    *,
    province: str | None = None,
    categories: tuple[Category, ...] = CATEGORIES,
    relief: Mapping[tuple[str, Category], int] | None = None,
    surplus_left: Mapping[tuple[str, Category], int] | None = None,
    extra_used: Mapping[tuple[str, Category], int] | None = None,
) -> MergerResult:
    """Merge small tasks per province and category; returns proposals and how each solve went.

    `relief`: places already relieved by surplus swaps, per (CBS code, category); the small
    tasks are judged on the task net of it. `surplus_left`: per (plusprovincie, category) what
    surplus is left after the swaps (used when settings.cross_border is on; default: the whole
    surplus). `extra_used`: per (CBS code, category) the extra places of a plusprovincie
    municipality that earlier surplus swaps already rely on; an absorbing host offers only the
    rest (G3: no extra place promised twice). Raises InfeasibleError (with the task and the
    reason) when settings cannot be met.
    """
    settings = settings or load_merger_settings()
    relief = dict(relief or {})
    if province is not None and not scenario.has_province(province):
        known = ", ".join(p.code for p in scenario.provinces)
        raise ScenarioError(f"unknown province {province!r} (known: {known})", field="province")
    provinces = tuple(p.code for p in scenario.provinces if province in (None, p.code))
    start = time.perf_counter()
    scopes: list[ScopeResult] = []
    mergers: list[Merger] = []
    swaps: list[SurplusSwap] = []
    for category in categories:
        instances = build_instances(scenario, category, settings, provinces=provinces, relief=relief,
                                    surplus_left=surplus_left, extra_used=extra_used)
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


def _party(s: Scenario, code: str, role: str) -> Party:
    return Party(kind="gemeente", code=code, name=s.municipality(code).name, role=role)


def _mergers(s: Scenario, locations: list[Location]) -> list[Merger]:
    out = []
    for loc in locations:
        if loc.kind == "absorb" or not loc.members:
            continue
        out.append(Merger(
            id=f"merger-{loc.province}-{loc.category}-{loc.host_code}",
            province=loc.province, category=loc.category, host_code=loc.host_code,
            host_own_places=loc.own_places, location_size=loc.size,
            transfers=tuple(Transfer(from_code=m.code, to_code=loc.host_code, category=loc.category,
                                     places=m.places, distance_km=m.distance_km)
                            for m in loc.members),
            parties=(_party(s, loc.host_code, "gastgemeente"),
                     *(_party(s, m.code, "deelnemende gemeente") for m in loc.members)),
            counter_performance=(CounterPerformance(kind="to_agree"),),
            failure_clause=FAILURE_CLAUSE_MERGER,
        ))
    return out


def _swaps(s: Scenario, locations: list[Location]) -> list[SurplusSwap]:
    out = []
    for loc in locations:
        if loc.kind != "absorb" or not loc.members:
            continue
        for sink in sorted({m.province for m in loc.members}):
            members = [m for m in loc.members if m.province == sink]
            provs = (loc.province, sink)
            out.append(SurplusSwap(
                id=f"surplus-{loc.province}-{sink}-{loc.category}-{loc.host_code}",
                source_province=loc.province, sink_province=sink,
                transfers=tuple(Transfer(from_code=m.code, to_code=loc.host_code,
                                         category=loc.category, places=m.places,
                                         distance_km=m.distance_km) for m in members),
                parties=(*(Party(kind="provincie", code=p, name=s.province(p).name) for p in provs),
                         _party(s, loc.host_code, "realiserende gemeente"),
                         *(_party(s, m.code, "ontlaste gemeente") for m in members)),
                coordinators=tuple(Party(kind="provincie", code=p, name=s.province(p).name,
                                         role="commissaris van de Koning") for p in provs),
                counter_performance=(CounterPerformance(kind="to_agree"),),
                failure_clause=FAILURE_CLAUSE_SWAP,
            ))
    return out
