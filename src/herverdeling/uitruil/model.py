"""The uitruil market of one province as data (`Instance`) and as a CP-SAT model (`solve`).

Why one model per province and not per category: the counter-performance room of a realiser
(its statushouders task or Ukrainian reception) is shared by what it takes on in both categories,
so the categories meet in that one row. They never meet in the places: a place variable exists
only for one category at both ends (G4), and only between municipalities of the province (U1).

Only pairs are modelled (settings.max_cycle_length = 2). A pair is already many-to-many in amounts
(a requester may split its request over partners), so the only gain of a three-cycle would come
from a counter-performance paid to a third municipality; the scenario has no input for that.

Variables per allowed pair (i hands over, j realises):
- x[i, j, c] places of category c, 0 <= x <= min(request, offer);
- y[i, j] counter-performance of i's kind, taken over from j's own task;
- z[i, j] the pair is used (then at least min_transfer_places move).
Rows: requests and offers per category; balance  (1 - tol) r X <= y <= (1 + tol) r X  with
X = sum_c x and r = p/q the exchange rate (integer after scaling); the realiser's room per kind;
at most max_partners pairs per requester.
Objective, lexicographic by weights: most places handed over; then fewest and shortest pairs
(cost 1 + km each); then counter-performance closest to r X.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from herverdeling.proposals import SolveInfo, SolveStatus
from herverdeling.scenario.model import CATEGORIES, Category, CounterKind, Scenario
from herverdeling.uitruil.settings import UitruilSettings

_STATUS: dict[int, SolveStatus] = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.MODEL_INVALID: "MODEL_INVALID",
    cp_model.UNKNOWN: "UNKNOWN",
}


@dataclass(frozen=True)
class Pair:
    """An allowed pair: `requester` may hand places to `realiser` in `categories`."""

    requester: str
    realiser: str
    kind: CounterKind
    categories: tuple[Category, ...]
    distance_km: float


@dataclass(frozen=True)
class Instance:
    """One province's market, capped and filtered; pure data (brute force reads the same)."""

    province: str
    requests: dict[tuple[str, Category], int]  # capped at the requester's task
    offers: dict[tuple[str, Category], int]
    kinds: dict[str, CounterKind]  # what each requester offers in return
    room: dict[tuple[str, CounterKind], int]  # how much of a realiser's own task may be taken over
    pairs: tuple[Pair, ...]

    def upper(self, pair: Pair, category: Category) -> int:
        return min(self.requests.get((pair.requester, category), 0),
                   self.offers.get((pair.realiser, category), 0))


def build_instance(scenario: Scenario, province: str, settings: UitruilSettings,
                   committed: Mapping[tuple[str, Category], int] | None = None) -> Instance:
    """Requests (capped at the task), offers, and the pairs allowed by kind, room and distance.

    `committed`: places per (CBS code, category) already handed over or relieved by earlier
    stages (surplus swaps, mergers); a request is capped at the task left, so no place is
    handed over twice (G3).
    """
    committed = committed or {}
    members = sorted(scenario.municipalities_in(province), key=lambda m: m.cbs_code)
    requests: dict[tuple[str, Category], int] = {}
    offers: dict[tuple[str, Category], int] = {}
    kinds: dict[str, CounterKind] = {}
    room: dict[tuple[str, CounterKind], int] = {}
    for m in members:
        u = m.uitruil
        for c in CATEGORIES:
            left = max(0, m.verdeelbesluit.get(c) - committed.get((m.cbs_code, c), 0))
            asked = min(u.request.get(c), left)
            if asked > 0 and u.offers_in_return != "none":
                requests[(m.cbs_code, c)] = asked
            if u.offer.get(c) > 0:
                offers[(m.cbs_code, c)] = u.offer.get(c)
        if u.offers_in_return != "none":
            kinds[m.cbs_code] = u.offers_in_return
        for k in ("statushouders", "oekrainers"):
            if u.counter_capacity(k) > 0:
                room[(m.cbs_code, k)] = u.counter_capacity(k)
    pairs = []
    requesters = sorted({code for code, _ in requests})
    realisers = sorted({code for code, _ in offers})
    for i in requesters:
        for j in realisers:
            if i == j or room.get((j, kinds[i]), 0) == 0:
                continue
            cats = tuple(c for c in CATEGORIES if (i, c) in requests and (j, c) in offers)
            if not cats:
                continue
            km = round(scenario.distance_km(i, j), 1)
            if settings.max_distance_km is not None and km > settings.max_distance_km:
                continue
            pairs.append(Pair(i, j, kinds[i], cats, km))
    return Instance(province, requests, offers, kinds, room, tuple(pairs))


@dataclass
class Solution:
    """What one solve found: places per pair and category, counter-performance per pair."""

    places: dict[tuple[str, str, Category], int] = field(default_factory=dict)
    counter: dict[tuple[str, str], int] = field(default_factory=dict)
    info: SolveInfo | None = None

    def handed_over(self, requester: str, category: Category) -> int:
        return sum(v for (i, _, c), v in self.places.items() if i == requester and c == category)


def solve(instance: Instance, settings: UitruilSettings) -> Solution:
    """Build and solve the province's CP-SAT model; the SolveInfo states status, bound and gap."""
    m = cp_model.CpModel()
    x: dict[tuple[str, str, Category], cp_model.IntVar] = {}
    y: dict[tuple[str, str], cp_model.IntVar] = {}
    z: dict[tuple[str, str], cp_model.IntVar] = {}
    dev: list[cp_model.IntVar] = []
    d_max = 0
    costs: list[tuple[int, cp_model.IntVar]] = []
    for p in instance.pairs:
        key = (p.requester, p.realiser)
        total_ub = 0
        for c in p.categories:
            ub = instance.upper(p, c)
            x[(*key, c)] = m.new_int_var(0, ub, f"x_{p.requester}_{p.realiser}_{c}")
            total_ub += ub
        room = instance.room[(p.realiser, p.kind)]
        y[key] = m.new_int_var(0, room, f"y_{p.requester}_{p.realiser}")
        z[key] = m.new_bool_var(f"z_{p.requester}_{p.realiser}")
        places = sum(x[(*key, c)] for c in p.categories)
        m.add(places <= total_ub * z[key])
        m.add(places >= settings.min_transfer_places * z[key])
        rate, tol = settings.exchange_rates.get(p.kind), settings.tolerance_fraction
        # (1 - tol) * rate * X <= y <= (1 + tol) * rate * X, multiplied out to integers.
        a, b = rate.numerator, rate.denominator
        t, s = tol.numerator, tol.denominator
        m.add(b * s * y[key] >= a * (s - t) * places)
        m.add(b * s * y[key] <= a * (s + t) * places)
        bound = max(b * room, a * total_ub)
        d = m.new_int_var(0, bound, f"dev_{p.requester}_{p.realiser}")
        m.add(d >= b * y[key] - a * places)
        m.add(d >= a * places - b * y[key])
        dev.append(d)
        d_max += bound
        costs.append((1 + math.ceil(p.distance_km), z[key]))
    for (i, c), asked in instance.requests.items():
        terms = [v for (a_, _, c_), v in x.items() if a_ == i and c_ == c]
        if terms:
            m.add(sum(terms) <= asked)
    for (j, c), offered in instance.offers.items():
        terms = [v for (_, b_, c_), v in x.items() if b_ == j and c_ == c]
        if terms:
            m.add(sum(terms) <= offered)
    by_room: dict[tuple[str, CounterKind], list[cp_model.IntVar]] = defaultdict(list)
    partners: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    for p in instance.pairs:
        by_room[(p.realiser, p.kind)].append(y[(p.requester, p.realiser)])
        partners[p.requester].append(z[(p.requester, p.realiser)])
    for key, terms in by_room.items():
        m.add(sum(terms) <= instance.room[key])
    for terms in partners.values():
        if len(terms) > settings.max_partners:
            m.add(sum(terms) <= settings.max_partners)
    w_pair = d_max + 1
    w_places = w_pair * sum(cost for cost, _ in costs) + d_max + 1
    m.maximize(w_places * sum(x.values()) - w_pair * sum(cost * v for cost, v in costs) - sum(dev))

    solver = cp_model.CpSolver()
    p_ = solver.parameters
    p_.num_workers = settings.solver.num_workers
    p_.random_seed = settings.solver.random_seed
    if settings.solver.max_deterministic_time is not None:
        p_.max_deterministic_time = settings.solver.max_deterministic_time
    if settings.solver.max_time_in_seconds is not None:
        p_.max_time_in_seconds = settings.solver.max_time_in_seconds
    started = time.perf_counter()
    code = solver.solve(m)
    seconds = time.perf_counter() - started
    status = _STATUS.get(code, "UNKNOWN")
    out = Solution()
    objective = bound = gap = None
    if status in ("OPTIMAL", "FEASIBLE"):
        for key, v in x.items():
            if solver.value(v) > 0:
                out.places[key] = int(solver.value(v))
        for key, v in y.items():
            if solver.value(v) > 0:
                out.counter[key] = int(solver.value(v))
        # Report in places: the penalties are below w_places, so places = ceil(composite / w).
        objective = float(sum(out.places.values()))
        bound = float(max(objective, math.ceil(solver.best_objective_bound / w_places)))
        gap = (bound - objective) / max(1.0, bound)
    out.info = SolveInfo(
        model="uitruil-pairs", scope=instance.province, status=status, objective=objective,
        best_bound=bound, gap=gap, seconds=round(seconds, 3),
        parameters={**settings.solver.as_info(), "objective": "places handed over, then fewer "
                    "and shorter pairs, then exact balance (lexicographic weights)",
                    "pairs": len(instance.pairs)},
    )
    return out
