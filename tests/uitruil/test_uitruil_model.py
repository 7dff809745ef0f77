"""The uitruil CP-SAT model against brute force, its invariants on random instances, and reasons."""

from __future__ import annotations

import itertools
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from herverdeling.commitments import Commitment, Commitments
from herverdeling.scenario.model import CATEGORIES, Scenario, Tasks, UitruilInputs
from herverdeling.uitruil import Unmatched, propose_uitruil
from herverdeling.uitruil.settings import ExchangeRates, UitruilSettings
from tests.factories import municipality, scenario

KINDS = ("none", "statushouders", "oekrainers")


def make_settings(**over) -> UitruilSettings:
    base = {"id": "test", "exchange_rates": ExchangeRates(statushouders=1.0, oekrainers=1.5),
                "tolerance": 0.1, "max_distance_km": 30.0, "min_transfer_places": 1, "max_partners": 2,
                "solver": {"max_deterministic_time": 5.0, "max_time_in_seconds": 30.0}}
    base.update(over)
    return UitruilSettings(**base)


def gm(code: int, province: str = "AA", *, vb=(10, 4), offer=(0, 0), request=(0, 0), sh=0, ukr=0,
       kind="none", lat=52.0, lon=5.0):
    m = municipality(code, province, vb=vb, lat=lat, lon=lon)
    return m.model_copy(update={"uitruil": UitruilInputs(
        offer=Tasks(regulier=offer[0], amv=offer[1]), request=Tasks(regulier=request[0], amv=request[1]),
        statushouders_task=sh, ukraine_reception=ukr, offers_in_return=kind)})


# ---- an independent brute force, straight from the scenario ---------------------------------------
def _deals(s: Scenario, members, cfg: UitruilSettings):
    """Every (requester, realiser, third or None) the rules allow, read from the scenario alone.

    Cycles admit a third of any kind, also the requester's own: the model leaves those out as
    dominated by the pair, and the brute force checks that claim instead of repeating it.
    """
    def near(a, b):
        return cfg.max_distance_km is None or round(s.distance_km(a.cbs_code, b.cbs_code), 1) \
            <= cfg.max_distance_km
    for a, b in itertools.permutations(members, 2):
        kind = a.uitruil.offers_in_return
        if kind == "none" or not b.may_host or not near(a, b):
            continue
        if b.uitruil.counter_capacity(kind) > 0:
            yield a, b, None
        if cfg.max_cycle_length < 3:
            continue
        for t in members:
            k_t = t.uitruil.offers_in_return
            if t in (a, b) or k_t == "none":
                continue
            if t.uitruil.counter_capacity(kind) > 0 and b.uitruil.counter_capacity(k_t) > 0 \
                    and near(a, t) and near(t, b):
                yield a, b, t


def brute_force(s: Scenario, cfg: UitruilSettings) -> int:
    """Most places handed over in total, by enumerating every integer assignment per province."""
    total = 0
    for p in s.provinces:
        members = [m for m in s.municipalities if m.province == p.code]
        slots = []  # (deal, c, upper); deal = (i, j, third or None)
        for a, b, t in _deals(s, members, cfg):
            for c in CATEGORIES:
                ub = min(a.uitruil.request.get(c), a.verdeelbesluit.get(c), b.uitruil.offer.get(c))
                if ub > 0:
                    slots.append(((a, b, t), c, ub))
        best = 0
        for values in itertools.product(*[range(u + 1) for *_, u in slots]):
            if sum(values) <= best:
                continue
            asked, offered, deal = defaultdict(int), defaultdict(int), defaultdict(int)
            for ((a, b, t), c, _), v in zip(slots, values, strict=True):
                asked[(a.cbs_code, c)] += v
                offered[(b.cbs_code, c)] += v
                deal[(a, b, t)] += v
            if any(v > min(s.municipality(i).uitruil.request.get(c), s.municipality(i).verdeelbesluit.get(c))
                   for (i, c), v in asked.items()):
                continue
            if any(v > s.municipality(j).uitruil.offer.get(c) for (j, c), v in offered.items()):
                continue
            room, partners, ok = defaultdict(int), defaultdict(int), True
            for (a, b, t), x in deal.items():
                if x == 0:
                    continue
                # every counter-performance arc: (who gives up room, kind); a pair has one, a cycle two
                arcs = [(b, a.uitruil.offers_in_return)] if t is None else \
                    [(t, a.uitruil.offers_in_return), (b, t.uitruil.offers_in_return)]
                if x < cfg.min_transfer_places:
                    ok = False
                    break
                for who, kind in arcs:
                    lo, hi = cfg.balance_band(kind, x)
                    if lo > hi:
                        ok = False
                    room[(who, kind)] += lo  # the least counter-performance that balances
                partners[a.cbs_code] += 1
            if not ok or any(v > b.uitruil.counter_capacity(k) for (b, k), v in room.items()):
                continue
            if any(v > cfg.max_partners for v in partners.values()):
                continue
            best = sum(values)
        total += best
    return total


def tiny_scenarios():
    """Two provinces, 2-4 municipalities each, with random requests, offers, rooms and places."""
    muni = st.tuples(
        st.sampled_from(["AA", "AA", "BB"]),
        st.tuples(st.integers(0, 3), st.integers(0, 2)),  # offer
        st.tuples(st.integers(0, 4), st.integers(0, 2)),  # request
        st.integers(0, 4), st.integers(0, 4),  # statushouders task, ukraine reception
        st.sampled_from(["statushouders", "statushouders", "oekrainers", "none"]),
        st.floats(52.0, 52.4),  # latitude: up to ~45 km apart, the limit is 30
        st.tuples(st.integers(1, 3), st.integers(0, 2)),  # verdeelbesluit task
    )
    return st.lists(muni, min_size=3, max_size=5)


def build(rows) -> Scenario:
    ms = [gm(100 + n, prov, offer=off, request=req, sh=sh, ukr=ukr, kind=kind, lat=lat, vb=vb)
          for n, (prov, off, req, sh, ukr, kind, lat, vb) in enumerate(rows)]
    return scenario(ms)


def slot_count(s: Scenario, cfg: UitruilSettings) -> int:
    """Place variables of the brute force (pairs and cycles of any kinds), which sets its run time."""
    return sum(1 for prov in s.provinces
               for a, b, _ in _deals(s, [m for m in s.municipalities if m.province == prov.code], cfg)
               for c in CATEGORIES
               if min(a.uitruil.request.get(c), a.verdeelbesluit.get(c), b.uitruil.offer.get(c)) > 0)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=tiny_scenarios(), min_places=st.integers(1, 2), max_partners=st.integers(1, 2))
def test_cp_sat_optimum_equals_brute_force(rows, min_places, max_partners):
    s = build(rows)
    cfg = make_settings(min_transfer_places=min_places, max_partners=max_partners)
    assume(slot_count(s, cfg) <= 6)
    result = propose_uitruil(s, cfg)
    assert all(i.status == "OPTIMAL" for i in result.solve_info)
    assert result.places_handed_over() == brute_force(s, cfg)


def test_brute_force_sees_a_binding_balance():
    """Guard on the test itself: a 1-place oekrainers request cannot balance at 1.5 +- 10 %."""
    s = scenario([gm(1, request=(1, 0), kind="oekrainers"), gm(2, offer=(5, 0), ukr=9)])
    cfg = make_settings()
    assert brute_force(s, cfg) == 0
    assert propose_uitruil(s, cfg).places_handed_over() == 0
    s2 = scenario([gm(1, request=(2, 0), kind="oekrainers"), gm(2, offer=(5, 0), ukr=9)])
    assert brute_force(s2, cfg) == propose_uitruil(s2, cfg).places_handed_over() == 2


def assert_limits_and_accounting(s: Scenario, r, handed, realised, room, partners,
                                 max_partners: int) -> None:
    """Requests, offers, counter-performance room and partners within their limits, and every
    requested place either handed over or reported unmatched, exactly once."""
    for (i, c), v in handed.items():
        m = s.municipality(i)
        assert v <= min(m.uitruil.request.get(c), m.verdeelbesluit.get(c))
    for (j, c), v in realised.items():
        assert v <= s.municipality(j).uitruil.offer.get(c)
    for (j, k), v in room.items():
        assert v <= s.municipality(j).uitruil.counter_capacity(k)
    assert all(v <= max_partners for v in partners.values())
    unmatched = defaultdict(int)
    for u in r.unmatched:
        unmatched[(u.cbs_code, u.category)] += u.places
    for m in s.municipalities:
        for c in CATEGORIES:
            assert handed[(m.cbs_code, c)] + unmatched[(m.cbs_code, c)] == m.uitruil.request.get(c)



# ---- invariants on larger random instances --------------------------------------------------------
def medium_scenarios():
    muni = st.tuples(
        st.sampled_from(["AA", "AA", "BB"]),
        st.tuples(st.integers(0, 60), st.integers(0, 12)),
        st.tuples(st.integers(0, 60), st.integers(0, 12)),
        st.integers(0, 80), st.integers(0, 80),
        st.sampled_from(KINDS),
        st.floats(51.9, 52.6),
        st.tuples(st.integers(0, 50), st.integers(0, 10)),
    )
    return st.lists(muni, min_size=4, max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=medium_scenarios(), tolerance=st.sampled_from([0.0, 0.05, 0.2]),
       max_partners=st.integers(1, 3))
def test_offers_requests_balance_and_limits_hold(rows, tolerance, max_partners):
    s = build(rows)
    cfg = make_settings(tolerance=tolerance, max_partners=max_partners)
    r = propose_uitruil(s, cfg)
    handed, realised, room, partners = defaultdict(int), defaultdict(int), defaultdict(int), defaultdict(int)
    for p in r.proposals:
        assert len({t.from_code for t in p.transfers}) == len({t.to_code for t in p.transfers}) == 1
        i, j = p.transfers[0].from_code, p.transfers[0].to_code
        a, b = s.municipality(i), s.municipality(j)
        assert a.province == b.province == p.province  # U1
        assert {x.code for x in p.parties} == {i, j}
        assert all(x.kind == "gemeente" for x in p.parties)
        for t in p.transfers:
            assert isinstance(t.places, int)
            assert t.places > 0
            assert a.uitruil.request.get(t.category) > 0
            assert b.uitruil.offer.get(t.category) > 0
            assert t.distance_km == pytest.approx(s.distance_km(i, j), abs=0.05)
            assert t.distance_km <= cfg.max_distance_km
            handed[(i, t.category)] += t.places
            realised[(j, t.category)] += t.places
        (cp,) = p.counter_performance
        kind = a.uitruil.offers_in_return
        assert (cp.kind, cp.by_code, cp.to_code) == (kind, i, j)
        lo, hi = cfg.balance_band(kind, sum(t.places for t in p.transfers))
        assert lo <= cp.amount <= hi
        assert str(cp.amount) in cp.description
        assert a.name in cp.description
        room[(j, kind)] += cp.amount
        partners[i] += 1
        assert b.name in p.failure_clause
    assert_limits_and_accounting(s, r, handed, realised, room, partners, max_partners)
    for info in r.solve_info:
        if info.status == "OPTIMAL":
            assert info.objective == info.best_bound
            assert info.gap == 0
        assert info.parameters["num_workers"] == 1


def test_deterministic_and_ids():
    ms = [gm(1, vb=(40, 4), request=(30, 4), kind="statushouders", lat=52.0),
          gm(2, vb=(40, 4), request=(20, 0), kind="statushouders", lat=52.05),
          gm(3, offer=(40, 2), sh=100, lat=52.1), gm(4, offer=(25, 2), sh=100, lat=52.12)]
    s = scenario(ms)
    a, b = propose_uitruil(s, make_settings()), propose_uitruil(s, make_settings())
    assert a.model_dump(exclude={"solve_info"}) == b.model_dump(exclude={"solve_info"})
    assert [p.id for p in a.proposals] == [f"uitruil-AA-{n:03d}" for n in range(1, len(a.proposals) + 1)]
    assert a.places_handed_over() == 54  # all asked: offers 65 regular / 4 amv, room ample
    assert a.unmatched == ()


# ---- unmatched requests and their reasons ---------------------------------------------------------
def reasons(s: Scenario, cfg: UitruilSettings | None = None) -> dict[tuple[str, str], Unmatched]:
    return {(u.cbs_code, u.category): u for u in propose_uitruil(s, cfg or make_settings()).unmatched}


def test_no_counter_performance_is_unmatched_with_reason():
    s = scenario([gm(1, request=(5, 0), kind="none"), gm(2, offer=(10, 0), sh=50)])
    u = reasons(s)[("GM0001", "regulier")]
    assert (u.places, u.reason_code) == (5, "no_counter_performance")


def test_no_offer_in_the_province_is_unmatched():
    # the only offer is in another province (U1)
    s = scenario([gm(1, request=(5, 0), kind="statushouders"), gm(2, "BB", offer=(10, 0), sh=50)])
    assert reasons(s)[("GM0001", "regulier")].reason_code == "no_offer"
    # an AMV offer does not take regular places (G4)
    s = scenario([gm(1, request=(5, 0), kind="statushouders"), gm(2, offer=(0, 4), sh=50)])
    assert reasons(s)[("GM0001", "regulier")].reason_code == "no_offer"


def test_offer_beyond_distance_is_unmatched():
    s = scenario([gm(1, request=(5, 0), kind="statushouders", lat=52.0),
                  gm(2, offer=(10, 0), sh=50, lat=52.5)])  # about 56 km
    u = reasons(s)[("GM0001", "regulier")]
    assert u.reason_code == "beyond_distance"
    assert "30 km" in u.reason
    assert ("GM0001", "regulier") not in reasons(s, make_settings(max_distance_km=None))


def test_counter_performance_nobody_wants_is_unmatched():
    s = scenario([gm(1, request=(5, 0), kind="oekrainers"), gm(2, offer=(10, 0), sh=50, ukr=0)])
    assert reasons(s)[("GM0001", "regulier")].reason_code == "counter_performance_not_wanted"


def test_above_task_and_capacity():
    s = scenario([gm(1, vb=(10, 4), request=(14, 0), kind="statushouders"),
                  gm(2, offer=(6, 0), sh=50)])
    r = propose_uitruil(s, make_settings())
    assert r.places_handed_over() == 6
    got = sorted((u.reason_code, u.places) for u in r.unmatched)
    assert got == [("above_task", 4), ("capacity", 4)]


def test_room_of_the_realiser_limits_the_counter_performance():
    # the realiser has 3 statushouders to hand on: at rate 1 +- 10 % at most 3 places balance
    s = scenario([gm(1, request=(8, 0), kind="statushouders"), gm(2, offer=(10, 0), sh=3)])
    r = propose_uitruil(s, make_settings())
    assert r.places_handed_over() == 3
    assert r.proposals[0].counter_performance[0].amount == 3


def test_places_committed_by_earlier_stages_are_not_handed_over_again():
    """G3 across stages: a task already relieved or merged cannot also be handed over."""
    s = scenario([gm(1, vb=(10, 4), request=(10, 0), kind="statushouders"),
                  gm(2, offer=(20, 0), sh=50)])
    free = propose_uitruil(s, make_settings())
    assert free.places_handed_over() == 10
    relieved = Commitments(entries=(Commitment(code="GM0001", category="regulier", relieved=7),))
    r = propose_uitruil(s, make_settings(), commitments=relieved)
    assert r.places_handed_over() == 3
    got = sorted((u.reason_code, u.places) for u in r.unmatched)
    assert got == [("committed_elsewhere", 7)]
