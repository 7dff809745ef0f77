"""`solve_deals`: the lexicographic chain per category, and the result read back."""

from __future__ import annotations

import hashlib
import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from herverdeling.dutch import LEVEL_NL, getal
from herverdeling.errors import InfeasibleError, ScenarioError
from herverdeling.proposals import SolveInfo
from herverdeling.scenario.model import CATEGORIES, Category, Scenario
from herverdeling.surplus.deals.greedy import greedy_deals
from herverdeling.surplus.deals.model import (
    AGGREGATE_LEVELS,
    MAXIMISE,
    CountModel,
    DealModel,
    Instance,
    build_instance,
    relief_top,
)
from herverdeling.surplus.deals.place_km import Held, fits, place_km_by_layouts, screen_units
from herverdeling.surplus.deals.result import Agreement, CategoryDeals, DealResult, Relief
from herverdeling.surplus.deals.settings import DealPins, DealSettings, Level, load_deal_settings


def check_pins(scenario: Scenario, pins: DealPins, instances: dict[Category, Instance]) -> None:
    """Unknown codes are bad input; a wanted relief that no category allows cannot hold (D4)."""
    for pin in pins.municipalities:
        if not scenario.has_municipality(pin.cbs_code):
            raise ScenarioError(f"pin for unknown municipality {pin.cbs_code}", field="cbs_code")
    for pp in pins.partners:
        for code in (pp.sink, pp.source):
            if not scenario.has_province(code):
                raise ScenarioError(f"partner pin ({pp.sink}, {pp.source}) names unknown province {code}",
                                    field="partner")
    for pin in pins.municipalities:
        if pin.relief != "wanted":
            continue
        if not any(c.code == pin.cbs_code and any(q == c.province for _, q in inst.pairs)
                   for inst in instances.values() for c in inst.candidates):
            m = scenario.municipality(pin.cbs_code)
            raise InfeasibleError(
                f"relief wanted for {m.name} ({pin.cbs_code}) cannot hold: in no category does it lie in "
                "a province with a restopgave that a plusprovincie may relieve (P3, partner pins) with an "
                "allowed relief (P11: at most its relief cap; D2: the whole task, or at least min_relief "
                "leaving no residue)")


DISAGGREGATE_TRIES = 4
RETRY_DETERMINISTIC_TIME = 5.0
"""How often a level's CountModel optimum is cut off and solved again when a sink's counts cannot be
realised, before the full model searches on its own (each retry is one CountModel solve, capped at
RETRY_DETERMINISTIC_TIME: < 1 s on nl-2025 where it proves at all)."""


def level_line(info: SolveInfo) -> str:
    """One progress line for a solved level, in Dutch: what it is, its value, proven or its gap."""
    level = info.model.split("/")[1]
    value = "-" if info.objective is None else getal(info.objective)
    how = "bewezen optimaal" if info.status == "OPTIMAL" else "niet bewezen" + (
        "" if info.gap is None else f", gat {getal(100 * info.gap, 2)} %")
    what = LEVEL_NL.get(level, level)
    return f"      dealmodel {info.scope}: {what} {value} ({how}, {getal(info.seconds, 1)} s)"


def solve_category(inst: Instance, settings: DealSettings, backend: str | None = None,
                   use_bounds: bool = True, relief: SolveInfo | None = None,
                   floor: int | None = None, earlier: bool = True,
                   levels: tuple[Level, ...] | None = None,
                   hint: dict[str, int] | None = None,
                   progress: Callable[[str], None] | None = None) -> tuple[DealModel, list[SolveInfo]]:
    """Every level of one category. Before each level that CountModel covers, its proven optimum
    becomes a bound row of the full model, so the full solve stops when it reaches it.

    `relief`: the relief level of an earlier solve of the same instance (the frontier solves it once
    for all its floors, solve_deals once before it sets the floors); its proven maximum is taken,
    only the floor is this settings' share, or `floor` where given. `earlier`: that relief level
    belongs to another solve (its seconds are not counted again). `levels`: only these (default:
    the settings' objectives). `progress`: told each level as it is solved (level_line)."""
    model = DealModel(inst, settings, backend or settings.solver.backend)
    if hint:  # an earlier solve's solution (solve_deals' relief pass)
        model.values = dict(hint)
    else:  # a feasible start: a level never ends without a solution
        model.set_hint(*greedy_deals(inst))
    count = CountModel(inst, settings) if use_bounds else None
    infos = []
    held: list[Held] = []  # every level's value as the model holds it (place_km_by_layouts)
    for level in levels or settings.levels:
        if level == "relief" and relief is not None:
            infos.append(model.take_relief(relief, floor, earlier))
            if progress is not None:
                progress(level_line(infos[-1]))
            held.append(("relief", model.floor))
            if count is not None:
                count.fix("relief", model.floor, model.floor)
            continue
        proven, t = None, 0.0
        known = count.known_optimum(level) if count is not None else None
        dtime = count.deterministic_time if count is not None else 0.0
        if known is not None:  # the previous level's solution is the hint, and it meets this
            proven = known
        elif count is not None and level in AGGREGATE_LEVELS:
            start = time.perf_counter()
            status, proven = count.bound(level)
            if status == "INFEASIBLE":
                _wanted_fails(inst)
            # realise the relaxation's optimum: a hint that meets the bound. A sink whose counts no
            # choice of municipalities realises is cut off and the bound solved again (a few times)
            for _ in range(DISAGGREGATE_TRIES):
                if proven is None:
                    break
                reliefs = count.disaggregate()
                if reliefs is not None:
                    model.set_hint(reliefs, count.solution["f"])
                    break
                if not count.exclude_unrealisable():
                    break
                _, tighter = count.bound(level, RETRY_DETERMINISTIC_TIME)
                if tighter is None:  # not proven within the cap (or nothing left): keep the bound we have
                    break
                proven = tighter
            t = time.perf_counter() - start
        layouts = None
        if count is not None and level == "place_km" and model.backend == "cp-sat":
            start = time.perf_counter()
            # what screening may cost; the current solution's layout holds every level already
            layouts = count.open_layouts(screen_units(settings), known=(model.layout(),))
            t = time.perf_counter() - start
        # place-km: the least over the layouts that can still hold (place_km.py)
        out = (place_km_by_layouts(model, layouts, held, t) if layouts and fits(len(layouts), settings)
               else model.solve_level(level, proven, t))
        if count is not None and (proven is not None or layouts is not None):
            out.info.parameters["count_model_deterministic_time"] = round(count.deterministic_time - dtime, 3)
        if out.status == "INFEASIBLE":
            _wanted_fails(inst)
        if out.status not in ("OPTIMAL", "FEASIBLE") or out.objective is None:
            raise InfeasibleError(f"deals {inst.category}/{level}: no solution within the solver's limits "
                                  f"({out.status}); raise solver.max_time_in_seconds")
        infos.append(out.info)
        if progress is not None:
            progress(level_line(out.info))
        held.append((level, model.floor if level == "relief" else _raw(model, level, out.objective)))
        if count is not None and level in AGGREGATE_LEVELS:
            count.fix(level, _raw(model, level, out.objective), getattr(model, "floor", None),
                      optimal=out.status == "OPTIMAL")
    return model, infos


def _raw(model: DealModel, level: str, objective: float) -> int:
    """The level's objective back in the model's integer units."""
    if level == "fairness":
        return round(objective * model._fair_scale)
    if level == "place_km":
        return round(objective * 1000 / model.settings.distance_unit_m)
    return round(objective)


def _wanted_fails(inst: Instance) -> None:
    wanted = [c.code for c in inst.candidates if c.wanted]
    raise InfeasibleError(
        f"deals {inst.category}: the relief wanted for {', '.join(wanted) or '(none)'} cannot hold with "
        f"the hard rules (one plusprovincie, min_relief {inst.min_relief}, no residue under "
        f"{inst.min_size}, at most {inst.max_parties} parties and {inst.max_partners} partners per sink) "
        "and the refused pins")


def read_category(model: DealModel) -> tuple[tuple[Agreement, ...], int, float, float]:
    """(agreements, relief, fairness in places, place-km) from the last level's solution."""
    inst, val = model.inst, model.val
    by_pair: dict[tuple[str, str], list[Relief]] = defaultdict(list)
    relief = 0
    place_km = 0.0
    rel_by_q: dict[str, int] = defaultdict(int)
    for p, q in inst.pairs:
        codes = [s.code for s in model.src_in[p]]
        left = [val(f"f_{code}_{q}") for code in codes]
        k = 0
        backing: list[tuple[str, int]]
        for i in model.by_q[q]:
            c = inst.candidates[i]
            places = model.relief_value(i, p)
            if places <= 0:
                continue
            if model.f2:
                backing = [(s.code, val(f"f2_{s.code}_{c.code}")) for s in model.src_in[p]
                           if val(f"f2_{s.code}_{c.code}") > 0]
            else:  # north-west corner over the agreement's backers
                backing = []
                need = places
                while need > 0:
                    take = min(need, left[k])
                    if take:
                        backing.append((codes[k], take))
                    need -= take
                    left[k] -= take
                    if left[k] == 0:
                        k += 1
            place_km += sum(v * inst.km[(s, c.code)] for s, v in backing)
            relief += places
            rel_by_q[q] += places
            by_pair[(p, q)].append(Relief(code=c.code, category=inst.category, places=places,
                                          source_province=p, backing=tuple(sorted(backing))))
    agreements = []
    for (p, q), reliefs in sorted(by_pair.items()):
        relieved = sorted(r.code for r in reliefs)
        backers_ = sorted({s for r in reliefs for s, _ in r.backing})
        agreements.append(Agreement(id=f"deal-{inst.category}-{p}-{q}", source_province=p, sink_province=q,
                                    category=inst.category, reliefs=tuple(reliefs),
                                    parties=(p, q, *relieved, *backers_)))
    total_w = sum(inst.weights.values())
    fairness = (sum(abs(rel_by_q[q] - relief * w / total_w) for q, w in inst.weights.items())
                if total_w else 0.0)
    return tuple(agreements), relief, fairness, place_km


def relief_floors(settings: DealSettings, surplus_max: dict[Category, int],
                  rules_max: dict[Category, int]) -> dict[Category, int]:
    """The relief floor of each category (issue 14, points 1 and 8).

    relief_base "category": relief_share of each category's own maximum under the hard rules.
    relief_base "surplus": one floor for the categories together, ceil(relief_share x the P-rules
    maximum), split so that every category keeps the same share of its own maximum under the hard
    rules (ceil per category, so the floors add up to at least the total). Where the hard rules
    cannot reach the total, every category keeps its maximum (the most the rules allow; the solve
    info says so with relief_floor_capped)."""
    share = settings.relief_share
    if settings.relief_base == "category":
        return {c: math.ceil(share * r - 1e-9) for c, r in rules_max.items()}
    total = math.ceil(share * sum(surplus_max.values()) - 1e-9)
    top = sum(rules_max.values())
    if total >= top:
        return dict(rules_max)
    return {c: min(r, math.ceil(total * r / top - 1e-9)) for c, r in rules_max.items()}


def build_instances(scenario: Scenario, settings: DealSettings,
                    pins: DealPins) -> dict[Category, Instance]:
    """Every category's instance: what `deal_key` hashes and `solve_deals` solves."""
    return {c: build_instance(scenario, c, settings, pins) for c in CATEGORIES}


def deal_key(instances: dict[Category, Instance], settings: DealSettings, pins: DealPins) -> str:
    """What the deal model sees of a scenario, as a hash: its instances (candidates, sources,
    pairs, weights, distances), the settings and the pins. A what-if that changes only who may host
    keeps the key, so a cache keyed on it need not solve again (the explorer)."""
    unused = {"municipalities": {"__all__": {"host"}}}  # the merger stage's pin, not the deal model's
    # how many categories are solved at once changes no deal (test_categories_side_by_side_...)
    parts = [settings.model_dump_json(exclude={"solver": {"category_threads"}}),
             pins.model_dump_json(exclude=unused)]
    for i in instances.values():
        parts.append(repr((i.category, i.candidates, i.sources, i.pairs, sorted(i.preferred),
                           sorted(i.weights.items()), sorted(i.units.items()), sorted(i.km.items()),
                           i.max_parties, i.max_partners, i.min_relief, i.min_size, i.surplus_max)))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def solve_deals(scenario: Scenario, settings: DealSettings | str | None = None,
                pins: DealPins | None = None, backend: str | None = None,
                known_relief: dict[Category, SolveInfo] | None = None,
                instances: dict[Category, Instance] | None = None,
                progress: Callable[[str], None] | None = None) -> DealResult:
    """The deal model per category (categories are separate: G4, and max_partners counts per
    category), lexicographic in the settings' order; every level states status, bound and gap.
    `known_relief`: per category the relief level of an earlier solve with the same rules (see
    `solve_category`). `progress`: one line per level solved after the relief maxima, in Dutch
    (the categories run side by side, so their lines interleave)."""
    st = settings if isinstance(settings, DealSettings) else load_deal_settings(settings or "default")
    pins = pins or DealPins()
    instances = instances or build_instances(scenario, st, pins)
    check_pins(scenario, pins, instances)
    known = dict(known_relief or {})
    solved_here: dict[Category, dict[str, int]] = {}
    threads = _threads(st, backend)
    todo = [c for c, inst in instances.items() if inst.pairs and c not in known]
    # every category's maximum first: the floors depend on all
    firsts = _each(threads, lambda c: solve_category(instances[c], st, backend, levels=("relief",)), todo)
    for c, (first, infos) in zip(todo, firsts, strict=True):
        known[c], solved_here[c] = infos[0], first.values
    floors = relief_floors(st, {c: inst.surplus_max for c, inst in instances.items()},
                           {c: relief_top(known[c]) if c in known else 0 for c in instances})
    for c, info in known.items():  # an unproven maximum: never a floor above the relief found
        if info.status != "OPTIMAL" and info.objective is not None:
            floors[c] = min(floors[c], round(info.objective))
    total = math.ceil(st.relief_share * sum(i.surplus_max for i in instances.values()) - 1e-9)
    paired = [c for c, inst in instances.items() if inst.pairs]
    solved = dict(zip(paired, _each(threads, lambda c: solve_category(
        instances[c], st, backend, relief=known[c], floor=floors[c], earlier=c not in solved_here,
        hint=solved_here.get(c), progress=progress), paired), strict=True))
    cats = []
    for c, inst in instances.items():
        if not inst.pairs:
            info = SolveInfo(model="deals/relief", scope=c, status="OPTIMAL", objective=0.0, best_bound=0.0,
                             gap=0.0, seconds=0.0,
                             parameters={"note": "no allowed (plusprovincie, sink) pair"})
            cats.append(CategoryDeals(category=c, surplus_max=inst.surplus_max, max_relief=0,
                                      relief_floor=0, relief=0, agreements=(),
                                      fairness=0.0, place_km=0.0, solve_info=(info,)))
            continue
        model, infos = solved[c]
        if st.relief_base == "surplus":  # the one floor both categories share, and whether it held
            infos[0] = infos[0].model_copy(update={"parameters": {
                **infos[0].parameters, "surplus_max": inst.surplus_max, "relief_floor_total": total,
                "relief_floor_capped": sum(floors.values()) < total}})
        agreements, relief, fairness, place_km = read_category(model)
        max_relief = round(next(i.objective for i in infos if i.model == "deals/relief") or 0)
        cats.append(CategoryDeals(category=c, surplus_max=inst.surplus_max, max_relief=max_relief,
                                  relief_floor=model.floor, relief=relief,
                                  agreements=agreements, fairness=round(fairness, 3),
                                  place_km=round(place_km, 1), solve_info=tuple(infos)))
    return DealResult(scenario=scenario.name, scenario_hash=scenario.content_hash(), settings=st.id,
                      categories=tuple(cats))


_T = TypeVar("_T")
_R = TypeVar("_R")


def _threads(settings: DealSettings, backend: str | None) -> int:
    """How many categories to solve at once: `category_threads` for CP-SAT, which releases the GIL
    while it searches (nl-2025: 51.8 -> 34.5 s on 2 cores, the same deals); one for the MIP
    backends. HiGHS keeps one process-wide task scheduler that concurrent instances have crashed
    on (HiGHS issues 810 and 1005; PR 3141, after the HiGHS 1.12 that OR-Tools 9.15 bundles), and
    they are the second solver of the benchmarks, not the default: not worth a crash. (The place-km
    proof's HiGHS solves run under the category threads too, one at a time: place_km.HIGHS.)"""
    return settings.solver.category_threads if (backend or settings.solver.backend) == "cp-sat" else 1


def _each(threads: int, fn: Callable[[_T], _R], items: Iterable[_T]) -> list[_R]:
    """fn over the items, in their order, on up to `threads` threads. Each category's solve is its
    own deterministic search, so the results do not depend on the count; an error of the first
    failing item in order is raised, as the loop raised it."""
    items = list(items)
    if threads <= 1 or len(items) <= 1:
        return [fn(i) for i in items]
    with ThreadPoolExecutor(max_workers=min(threads, len(items))) as pool:
        futures = [pool.submit(fn, i) for i in items]
        return [f.result() for f in futures]


__all__ = ["MAXIMISE", "build_instances", "check_pins", "deal_key", "read_category", "relief_floors",
           "solve_category", "solve_deals"]
