"""The uitruil market of one province as data (`Instance`) and as a CP-SAT model (`solve`).

Why one model per province and not per category: the counter-performance room of a municipality
(its statushouders task or Ukrainian reception) is shared by everything that draws on it, in both
categories, so the categories meet in that one row. They never meet in the places: a place variable
exists only for one category at both ends (G4), and only between municipalities of the province
(U1). Only a municipality that may host a location (`may_host`) realises places (U6).

Pairs (always). A pair (i hands over, j realises) is already many-to-many in amounts: a requester
may split its request over partners. i pays j in its own kind (`offers_in_return`), drawn from j's
room of that kind. Variables per allowed pair:
- x[i, j, c] places of category c, 0 <= x <= min(request, offer);
- y[i, j] counter-performance of i's kind, taken over from j's own task;
- z[i, j] the pair is used (then at least min_transfer_places move).

Three-cycles (settings.max_cycle_length = 3), as in kidney exchange: they chain counter-
performances of different kinds when no pair fits. A cycle (B, A, C) has three arcs and every
municipality gives one thing and receives one thing:
- B -> A: A realises X places of B's task (one or both categories, each kept apart, G4);
- B -> C: B takes over y_B of C's own task of B's kind (B's `offers_in_return`), from C's room;
- C -> A: C takes over y_C of A's own task of C's kind (C's `offers_in_return`), from A's room.
Example: B can only take over Ukrainian reception, A (which offers places) only wants statushouders
taken over; C has Ukrainians to hand on and takes over statushouders. A cycle is allowed when B
requests and A offers a common category, both B and C offer a counter-performance and of different
kinds (with equal kinds C would only pass B's counter-performance on, and the pair B-A does that
directly), C has room of B's kind and A of C's kind, and all three are pairwise within
max_distance_km (one province, U1). C need not request or offer places itself; taking part
presumes that a municipality offering a counter-performance gives it for a counter-performance of
the other kind as readily as for places. What a municipality gives is not bounded (as for pairs:
the scenario has no input for it); what it receives is bounded by its room.
Balance on every arc: each counter-performance arc is valued against the X places at its own
exchange rate, in the same band as a pair, (1 - tol) r_k X <= y_k <= (1 + tol) r_k X; so every
municipality gives and receives X asylum-place equivalents within the tolerance (C's two arcs are
each within it of X). Variables per allowed cycle: x[B, A, C, c] places, y_B and y_C, and w the
cycle is used (at least min_transfer_places move). A cycle shares the request and offer rows with
the pairs, its two counter-performances draw on the same room rows (C's room of B's kind, A's room
of C's kind), and it counts as one of B's partners.

Rows: requests and offers per category; balance  (1 - tol) r X <= y <= (1 + tol) r X  with
X = sum_c x and r = p/q the exchange rate (integer after scaling), per pair and per cycle arc; the
room per municipality and kind; at most max_partners agreements per requester.
Objective, lexicographic by weights: most places handed over; then fewest and shortest agreements
(a pair costs 1 + its km, a cycle 2 + its three arcs' km, so a pair wins a tie); then
counter-performance closest to r X on every arc.

Solving with cycles: the pairs-only model first, then the full model hinted with that answer; the
pairs-only answer is kept (status FEASIBLE, the full model's bound) if the full model stops at its
work limit with fewer places. So switching cycles on never costs places, only time.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace

from ortools.sat.python import cp_model

from herverdeling.commitments import Commitments
from herverdeling.cpsat import relative_gap, status_of
from herverdeling.proposals import SolveInfo
from herverdeling.scenario.model import CATEGORIES, Category, CounterKind, Scenario
from herverdeling.uitruil.settings import UitruilSettings


@dataclass(frozen=True)
class Pair:
    """An allowed pair: `requester` may hand places to `realiser` in `categories`."""

    requester: str
    realiser: str
    kind: CounterKind
    categories: tuple[Category, ...]
    distance_km: float


@dataclass(frozen=True)
class Cycle:
    """An allowed three-cycle: `realiser` realises `requester`'s places in `categories`;
    `requester` pays `third` in `kind` (from third's room), `third` pays `realiser` in `third_kind`
    (from realiser's room)."""

    requester: str
    realiser: str
    third: str
    kind: CounterKind
    third_kind: CounterKind
    categories: tuple[Category, ...]
    distance_km: float  # requester - realiser: where the places go
    perimeter_km: float  # the three arcs together

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.requester, self.realiser, self.third)


@dataclass(frozen=True)
class Instance:
    """One province's market, capped and filtered; pure data (brute force reads the same)."""

    province: str
    requests: dict[tuple[str, Category], int]  # capped at the requester's task
    offers: dict[tuple[str, Category], int]
    kinds: dict[str, CounterKind]  # what each municipality offers in return
    room: dict[tuple[str, CounterKind], int]  # how much of a municipality's own task may be taken over
    pairs: tuple[Pair, ...]
    cycles: tuple[Cycle, ...] = ()  # only with settings.max_cycle_length = 3

    def upper(self, deal: Pair | Cycle, category: Category) -> int:
        return min(self.requests.get((deal.requester, category), 0),
                   self.offers.get((deal.realiser, category), 0))


def build_instance(scenario: Scenario, province: str, settings: UitruilSettings,
                   commitments: Commitments | None = None) -> Instance:
    """Requests (capped at the task), offers, and the pairs and cycles allowed by kind, room and
    distance.

    `commitments`: what earlier stages (surplus swaps, mergers) already relieve, merge or host; a
    request is capped at the task left, so no place is handed over twice (G3).
    """
    commitments = commitments or Commitments()
    members = sorted(scenario.municipalities_in(province), key=lambda m: m.cbs_code)
    requests: dict[tuple[str, Category], int] = {}
    offers: dict[tuple[str, Category], int] = {}
    kinds: dict[str, CounterKind] = {}
    room: dict[tuple[str, CounterKind], int] = {}
    for m in members:
        u = m.uitruil
        for c in CATEGORIES:
            left = max(0, m.verdeelbesluit.get(c) - commitments.of(m.cbs_code, c).committed)
            asked = min(u.request.get(c), left)
            if asked > 0 and u.offers_in_return != "none":
                requests[(m.cbs_code, c)] = asked
            # U6: the realiser alone is held to the places; D3: not one the swaps relieve (deal chain)
            if (u.offer.get(c) > 0 and scenario.may_take_on(m)
                    and commitments.may_take_on(m.cbs_code, c)):
                offers[(m.cbs_code, c)] = u.offer.get(c)
        if u.offers_in_return != "none":
            kinds[m.cbs_code] = u.offers_in_return
        for k in ("statushouders", "oekrainers"):
            if u.counter_capacity(k) > 0:
                room[(m.cbs_code, k)] = u.counter_capacity(k)
    km_cache: dict[tuple[str, str], float] = {}

    def km(a: str, b: str) -> float:
        key = (a, b) if a < b else (b, a)
        if key not in km_cache:
            km_cache[key] = round(scenario.distance_km(a, b), 1)
        return km_cache[key]

    def near(a: str, b: str) -> bool:
        return settings.max_distance_km is None or km(a, b) <= settings.max_distance_km

    pairs = []
    cycles = []
    requesters = sorted({code for code, _ in requests})
    realisers = sorted({code for code, _ in offers})
    for i in requesters:
        for j in realisers:
            if i == j:
                continue
            cats = tuple(c for c in CATEGORIES if (i, c) in requests and (j, c) in offers)
            if not cats or not near(i, j):
                continue
            if room.get((j, kinds[i]), 0) > 0:
                pairs.append(Pair(i, j, kinds[i], cats, km(i, j)))
            if settings.max_cycle_length < 3:
                continue
            for t, kind_t in sorted(kinds.items()):
                if t in (i, j) or kind_t == kinds[i]:
                    continue
                if room.get((t, kinds[i]), 0) == 0 or room.get((j, kind_t), 0) == 0:
                    continue
                if near(i, t) and near(t, j):
                    cycles.append(Cycle(i, j, t, kinds[i], kind_t, cats, km(i, j),
                                        round(km(i, j) + km(i, t) + km(t, j), 1)))
    return Instance(province, requests, offers, kinds, room, tuple(pairs), tuple(cycles))


@dataclass
class Solution:
    """What one solve found: places and counter-performance per pair and per cycle."""

    places: dict[tuple[str, str, Category], int] = field(default_factory=dict)
    counter: dict[tuple[str, str], int] = field(default_factory=dict)
    # cycles, keyed (requester, realiser, third): places per category, and the counter-performance
    # (requester -> third, third -> realiser)
    cycle_places: dict[tuple[str, str, str, Category], int] = field(default_factory=dict)
    cycle_counter: dict[tuple[str, str, str], tuple[int, int]] = field(default_factory=dict)
    info: SolveInfo | None = None
    places_bound: float | None = None  # the solver's bound in places, also when it found nothing

    def handed_over(self, requester: str, category: Category) -> int:
        in_pairs = sum(v for (i, _, c), v in self.places.items() if i == requester and c == category)
        return in_pairs + sum(v for (i, _, _, c), v in self.cycle_places.items()
                              if i == requester and c == category)

    def total_places(self) -> int:
        return sum(self.places.values()) + sum(self.cycle_places.values())


def _balanced(m: cp_model.CpModel, y: cp_model.IntVar, places: cp_model.LinearExpr | int, kind: CounterKind,
              settings: UitruilSettings, room: int, total_ub: int, name: str) -> tuple[cp_model.IntVar, int]:
    """Tie y to X = places: (1 - tol) r X <= y <= (1 + tol) r X, integer after scaling.

    Returns |b y - a X| as a variable (for the objective) and its upper bound.
    """
    rate, tol = settings.exchange_rates.get(kind), settings.tolerance_fraction
    a, b = rate.numerator, rate.denominator
    t, s = tol.numerator, tol.denominator
    m.add(b * s * y >= a * (s - t) * places)
    m.add(b * s * y <= a * (s + t) * places)
    bound = max(b * room, a * total_ub)
    d = m.new_int_var(0, bound, f"dev_{name}")
    m.add(d >= b * y - a * places)
    m.add(d >= a * places - b * y)
    return d, bound


def solve(instance: Instance, settings: UitruilSettings) -> Solution:
    """Build and solve the province's CP-SAT model; the SolveInfo states status, bound and gap.

    With cycles the pairs-only model is solved first and its answer is the hint of the full model,
    and is kept if the full model ends (at its work limit) with fewer places: allowing cycles
    never hands over fewer places than pairs alone, even where the larger model is not solved to
    optimality. The bound reported is the full model's, so the gap stays honest.
    """
    if not instance.cycles:
        return _solve(instance, settings)
    pairs = _solve(replace(instance, cycles=()), settings)
    assert pairs.info is not None
    full = _solve(instance, settings, hint=pairs if pairs.info.status in ("OPTIMAL", "FEASIBLE") else None)
    assert full.info is not None
    seconds = round(pairs.info.seconds + full.info.seconds, 3)
    params = {**full.info.parameters, "warm_start": "the pairs-only solution"}
    if full.info.status in ("OPTIMAL", "FEASIBLE") and full.total_places() >= pairs.total_places():
        full.info = full.info.model_copy(update={"seconds": seconds, "parameters": params})
        return full
    if pairs.info.status not in ("OPTIMAL", "FEASIBLE"):
        full.info = full.info.model_copy(update={"seconds": seconds, "parameters": params})
        return full
    objective = float(pairs.total_places())
    bound = None if full.places_bound is None else max(objective, full.places_bound)
    pairs.info = full.info.model_copy(update={
        "status": "FEASIBLE",  # optimal in places at most; the tie-breaks were not proven
        "objective": objective, "best_bound": bound,
        "gap": relative_gap(objective, bound),
        "seconds": seconds, "parameters": {**params, "kept": "the pairs-only solution (more places)"},
    })
    return pairs


def _solve(instance: Instance, settings: UitruilSettings, hint: Solution | None = None) -> Solution:
    """One CP-SAT solve of the instance as given (its cycles included), optionally hinted."""
    m = cp_model.CpModel()
    x: dict[tuple[str, str, Category], cp_model.IntVar] = {}
    y: dict[tuple[str, str], cp_model.IntVar] = {}
    z: dict[tuple[str, str], cp_model.IntVar] = {}
    cx: dict[tuple[str, str, str, Category], cp_model.IntVar] = {}
    cy: dict[tuple[str, str, str], tuple[cp_model.IntVar, cp_model.IntVar]] = {}
    cw: dict[tuple[str, str, str], cp_model.IntVar] = {}
    dev: list[cp_model.IntVar] = []
    d_max = 0
    costs: list[tuple[int, cp_model.IntVar]] = []
    by_request: dict[tuple[str, Category], list[cp_model.IntVar]] = defaultdict(list)
    by_offer: dict[tuple[str, Category], list[cp_model.IntVar]] = defaultdict(list)
    by_room: dict[tuple[str, CounterKind], list[cp_model.IntVar]] = defaultdict(list)
    partners: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    for p in instance.pairs:
        key = (p.requester, p.realiser)
        name = f"{p.requester}_{p.realiser}"
        total_ub = 0
        for c in p.categories:
            ub = instance.upper(p, c)
            x[(*key, c)] = v = m.new_int_var(0, ub, f"x_{name}_{c}")
            by_request[(p.requester, c)].append(v)
            by_offer[(p.realiser, c)].append(v)
            total_ub += ub
        room = instance.room[(p.realiser, p.kind)]
        y[key] = m.new_int_var(0, room, f"y_{name}")
        z[key] = m.new_bool_var(f"z_{name}")
        places = sum(x[(*key, c)] for c in p.categories)
        m.add(places <= total_ub * z[key])
        m.add(places >= settings.min_transfer_places * z[key])
        d, d_bound = _balanced(m, y[key], places, p.kind, settings, room, total_ub, name)
        dev.append(d)
        d_max += d_bound
        costs.append((1 + math.ceil(p.distance_km), z[key]))
        by_room[(p.realiser, p.kind)].append(y[key])
        partners[p.requester].append(z[key])
    for t in instance.cycles:
        name = "_".join(t.key)
        total_ub = 0
        for c in t.categories:
            ub = instance.upper(t, c)
            cx[(*t.key, c)] = v = m.new_int_var(0, ub, f"cx_{name}_{c}")
            by_request[(t.requester, c)].append(v)
            by_offer[(t.realiser, c)].append(v)
            total_ub += ub
        used = m.new_bool_var(f"w_{name}")
        places = sum(cx[(*t.key, c)] for c in t.categories)
        m.add(places <= total_ub * used)
        m.add(places >= settings.min_transfer_places * used)
        arcs = []
        for who, kind, tag in ((t.third, t.kind, "to_third"), (t.realiser, t.third_kind, "to_realiser")):
            room = instance.room[(who, kind)]
            arc = m.new_int_var(0, room, f"cy_{name}_{tag}")
            d, d_bound = _balanced(m, arc, places, kind, settings, room, total_ub, f"{name}_{tag}")
            dev.append(d)
            d_max += d_bound
            by_room[(who, kind)].append(arc)
            arcs.append(arc)
        cy[t.key] = (arcs[0], arcs[1])
        cw[t.key] = used
        costs.append((2 + math.ceil(t.perimeter_km), used))
        partners[t.requester].append(used)
    for key, terms in by_request.items():
        m.add(sum(terms) <= instance.requests[key])
    for key, terms in by_offer.items():
        m.add(sum(terms) <= instance.offers[key])
    for key, terms in by_room.items():
        m.add(sum(terms) <= instance.room[key])
    for terms in partners.values():
        if len(terms) > settings.max_partners:
            m.add(sum(terms) <= settings.max_partners)
    w_pair = d_max + 1
    w_places = w_pair * sum(cost for cost, _ in costs) + d_max + 1
    all_places = [*x.values(), *cx.values()]
    m.maximize(w_places * sum(all_places) - w_pair * sum(cost * v for cost, v in costs) - sum(dev))
    if hint is not None:  # a pairs-only solution, cycles unused
        for xkey, v in x.items():
            m.add_hint(v, hint.places.get(xkey, 0))
        for pkey, v in y.items():
            m.add_hint(v, hint.counter.get(pkey, 0))
        for pkey, v in z.items():
            m.add_hint(v, int(any(hint.places.get((*pkey, c), 0) for c in CATEGORIES)))
        for v in (*cx.values(), *cw.values(), *(a for arcs in cy.values() for a in arcs)):
            m.add_hint(v, 0)

    solver = cp_model.CpSolver()
    settings.solver.apply(solver)
    started = time.perf_counter()
    code = solver.solve(m)
    seconds = time.perf_counter() - started
    status = status_of(code)
    out = Solution()
    objective = bound = gap = None
    if status in ("OPTIMAL", "FEASIBLE", "UNKNOWN") and math.isfinite(solver.best_objective_bound):
        out.places_bound = float(math.ceil(solver.best_objective_bound / w_places))
    if status in ("OPTIMAL", "FEASIBLE"):
        for xkey, v in x.items():
            if solver.value(v) > 0:
                out.places[xkey] = int(solver.value(v))
        for key, v in y.items():
            if solver.value(v) > 0:
                out.counter[key] = int(solver.value(v))
        for ckey, v in cx.items():
            if solver.value(v) > 0:
                out.cycle_places[ckey] = int(solver.value(v))
        for tkey, (a1, a2) in cy.items():
            if any(out.cycle_places.get((*tkey, c), 0) for c in CATEGORIES):
                out.cycle_counter[tkey] = (int(solver.value(a1)), int(solver.value(a2)))
        # Report in places: the penalties are below w_places, so places = ceil(composite / w).
        objective = float(out.total_places())
        bound = float(max(objective, math.ceil(solver.best_objective_bound / w_places)))
        gap = relative_gap(objective, bound)
    cycles_on = settings.max_cycle_length >= 3
    out.info = SolveInfo(
        model="uitruil-cycles" if cycles_on else "uitruil-pairs", scope=instance.province,
        status=status, objective=objective, best_bound=bound, gap=gap, seconds=round(seconds, 3),
        parameters={**settings.solver.as_info(), "objective": "places handed over, then fewer "
                    "and shorter agreements, then exact balance (lexicographic weights)",
                    "max_cycle_length": settings.max_cycle_length,
                    "pairs": len(instance.pairs), "cycles": len(instance.cycles)},
    )
    return out
