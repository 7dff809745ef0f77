"""Three-municipality cycles in the uitruil model: brute force, the chained example, invariants."""

from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from typer.testing import CliRunner

from herverdeling.checker import build_ledger, check
from herverdeling.cli import app
from herverdeling.documents.writers import render_agreement
from herverdeling.proposals import ProposalSet
from herverdeling.scenario.io import write_scenario
from herverdeling.scenario.model import Scenario
from herverdeling.uitruil import UitruilResult, load_uitruil_settings, model, propose_uitruil
from herverdeling.uitruil.settings import UitruilSettings
from tests.factories import scenario
from tests.uitruil.test_uitruil_model import (
    assert_limits_and_accounting,
    brute_force,
    build,
    gm,
    make_settings,
    slot_count,
)

CYCLES = {"max_cycle_length": 3}


def checked(s: Scenario, r: UitruilResult):
    ps = ProposalSet(scenario=s.name, scenario_hash=s.content_hash(), as_of=s.round.as_of,
                     proposals=r.proposals, solve_info=r.solve_info)
    return check(ps, s)


def chain() -> Scenario:
    """The issue's example: no pair fits, the cycle A realises B's places, B takes over C's
    Ukrainians, C takes over A's statushouders does."""
    ms = [gm(1, offer=(20, 0), sh=50, ukr=0, lat=52.00),  # A offers places, only statushouders room
          gm(2, request=(10, 0), kind="oekrainers", lat=52.05),  # B pays in Ukrainian reception only
          gm(3, ukr=30, kind="statushouders", lat=52.10)]  # C has Ukrainians to hand on
    return scenario([m.model_copy(update={"name": n}) for m, n in zip(ms, "ABC", strict=True)])


# ---- brute force with cycles -----------------------------------------------------------------------
ROW = st.tuples(
    st.just("AA"),
    st.tuples(st.integers(0, 3), st.integers(0, 1)),  # offer
    st.tuples(st.integers(0, 3), st.integers(0, 1)),  # request
    st.sampled_from([0, 0, 3, 6]), st.sampled_from([0, 0, 3, 6]),  # statushouders, Ukrainians
    st.sampled_from(["statushouders", "oekrainers", "oekrainers", "none"]),
    st.floats(52.0, 52.35),  # up to ~39 km apart, the limit is 30
    st.tuples(st.integers(1, 3), st.integers(0, 1)),  # verdeelbesluit task
)


def _rooms(kind: str, own: int, other: int) -> tuple[int, int]:
    """(statushouders, Ukrainians) with `own` room of `kind` and `other` of the other kind."""
    return (own, other) if kind == "statushouders" else (other, own)


@st.composite
def cycle_scenarios(draw):
    """One province: the cast of a cycle (requester B, realiser A, third C, drawn so that a cycle
    often fits and a pair often not) and up to two random others, in random order."""
    kinds = ("statushouders", "oekrainers")
    k_b = draw(st.sampled_from(kinds))
    k_c = draw(st.sampled_from([k for k in kinds if k != k_b] * 3 + [k_b]))
    lat = st.floats(52.0, 52.3)  # the cast is mostly within the 30 km limit of each other
    vb = st.tuples(st.integers(1, 3), st.integers(0, 1))
    request = (draw(st.integers(1, 3)), draw(st.integers(0, 1)))
    b_room = _rooms(k_b, draw(st.sampled_from([0, 0, 3])), draw(st.sampled_from([0, 3])))
    b = ("AA", (0, 0), request, *b_room, k_b, draw(lat), draw(vb))
    a_wanted = draw(st.sampled_from([0, 3, 6]))  # room of C's kind: the cycle closes
    a_other = draw(st.sampled_from([0, 0, 0, 4])) if k_b != k_c else 0  # room of B's kind: a pair fits
    offer = (draw(st.integers(1, 3)), draw(st.integers(0, 1)))
    a = ("AA", offer, (0, 0), *_rooms(k_c, a_wanted, a_other), "none", draw(lat), draw(vb))
    c_room = _rooms(k_b, draw(st.sampled_from([0, 3, 6])), draw(st.sampled_from([0, 3])))
    c = ("AA", (0, 0), (0, 0), *c_room, k_c, draw(lat), draw(vb))
    others = draw(st.lists(ROW, max_size=2))
    return draw(st.permutations([b, a, c, *others]))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=cycle_scenarios(), min_places=st.integers(1, 2), max_partners=st.integers(1, 2),
       tolerance=st.sampled_from([0.0, 0.1, 0.5]))
def test_cycle_optimum_equals_brute_force(rows, min_places, max_partners, tolerance):
    s = build(rows)
    cfg = make_settings(min_transfer_places=min_places, max_partners=max_partners, tolerance=tolerance,
                        **CYCLES)
    assume(slot_count(s, cfg) <= 6)
    result = propose_uitruil(s, cfg)
    assert all(i.status == "OPTIMAL" for i in result.solve_info)
    assert result.places_handed_over() == brute_force(s, cfg)


def test_brute_force_sees_the_cycle():
    """Guard on the test itself: the brute force finds the chain only when cycles are allowed."""
    s = chain()
    assert brute_force(s, make_settings()) == 0
    assert brute_force(s, make_settings(**CYCLES)) == 10


# ---- the chained example ---------------------------------------------------------------------------
def test_cycle_is_found_spelled_out_and_passes_the_checker():
    s = chain()
    cfg = make_settings(**CYCLES)
    r = propose_uitruil(s, cfg)
    assert r.unmatched == ()
    (p,) = r.proposals
    assert p.id == "uitruil-AA-001"
    assert [(x.code, x.kind) for x in p.parties] == [("GM0002", "gemeente"), ("GM0001", "gemeente"),
                                                    ("GM0003", "gemeente")]
    (t,) = p.transfers
    assert (t.from_code, t.to_code, t.category, t.places) == ("GM0002", "GM0001", "regulier", 10)
    assert isinstance(t.places, int)
    assert t.distance_km == pytest.approx(s.distance_km("GM0002", "GM0001"), abs=0.05)
    b_pays, c_pays = p.counter_performance
    # B takes over C's Ukrainian reception; C takes over A's statushouders
    assert (b_pays.kind, b_pays.by_code, b_pays.to_code) == ("oekrainers", "GM0002", "GM0003")
    assert (c_pays.kind, c_pays.by_code, c_pays.to_code) == ("statushouders", "GM0003", "GM0001")
    for cp in (b_pays, c_pays):
        lo, hi = cfg.balance_band(cp.kind, 10)
        assert lo <= cp.amount <= hi
        assert str(cp.amount) in cp.description
    assert "B neemt de opvang van" in b_pays.description
    assert "van de gemeente C" in b_pays.description
    assert "C neemt" in c_pays.description
    assert "statushouders" in c_pays.description
    assert "kringruil" in p.failure_clause
    assert "C" in p.failure_clause
    report = checked(s, r)
    assert report.errors == (), [f.message_en for f in report.errors]
    assert {f.rule_id for f in report.findings} <= {"U2", "U3", "U4", "G6"}
    assert r.solve_info[0].model == "uitruil-cycles"
    assert r.solve_info[0].parameters["cycles"] >= 1


def test_cycle_agreement_names_every_party_and_counter_performance():
    s = chain()
    r = propose_uitruil(s, make_settings(**CYCLES))
    ps = ProposalSet(scenario=s.name, scenario_hash=s.content_hash(), as_of=s.round.as_of,
                     proposals=r.proposals)
    texts = render_agreement(r.proposals[0], s, build_ledger(s, ps), check(ps, s), "X")
    agreement = texts["agreement"]
    for code in ("GM0001", "GM0002", "GM0003"):
        name = s.municipality(code).name
        assert f"wethouders van de gemeente {name} ({code}), ten deze vertegenwoordigd" in agreement
        assert f"namens dezen de burgemeester van de gemeente {name}** ({code})" in agreement
    for cp in r.proposals[0].counter_performance:
        assert f"- {cp.description}" in agreement
        assert f"- {cp.description}" in texts["kennisgeving"]
    assert "kringruil van 3 gemeenten" in agreement


def test_pairs_only_leaves_the_request_unmatched_with_the_reason():
    r = propose_uitruil(chain(), make_settings())
    assert r.proposals == ()
    (u,) = r.unmatched
    assert (u.cbs_code, u.category, u.places) == ("GM0002", "regulier", 10)
    assert u.reason_code == "counter_performance_not_wanted"
    assert "max_cycle_length: 3" in u.reason


def test_third_beyond_distance_closes_no_cycle():
    s = scenario([gm(1, offer=(20, 0), sh=50, lat=52.0), gm(2, request=(10, 0), kind="oekrainers", lat=52.05),
                  gm(3, ukr=30, kind="statushouders", lat=52.4)])  # C about 40 km from A, limit 30
    r = propose_uitruil(s, make_settings(**CYCLES))
    assert r.proposals == ()
    (u,) = r.unmatched
    assert u.reason_code == "counter_performance_not_wanted"
    assert "three-cycle" in u.reason
    assert propose_uitruil(s, make_settings(max_distance_km=None, **CYCLES)).places_handed_over() == 10


def test_a_pair_is_preferred_to_an_equal_cycle():
    """When A can also take B's Ukrainians itself, the pair moves the same places with fewer parties."""
    s = scenario([gm(1, offer=(20, 0), sh=50, ukr=50, lat=52.0), gm(2, request=(10, 0), kind="oekrainers",
                                                                   lat=52.05),
                  gm(3, ukr=30, kind="statushouders", lat=52.1)])
    r = propose_uitruil(s, make_settings(**CYCLES))
    (p,) = r.proposals
    assert len(p.parties) == 2
    assert r.places_handed_over() == 10


def test_room_is_shared_between_pairs_and_cycles():
    """C's Ukrainian reception serves one cycle or a pair, not both in full."""
    s = scenario([gm(1, offer=(20, 0), sh=50, lat=52.0),
                  gm(2, request=(10, 0), kind="oekrainers", lat=52.05),
                  gm(3, ukr=15, kind="statushouders", offer=(10, 0), lat=52.1),  # C also offers places
                  gm(4, request=(10, 0), kind="oekrainers", lat=52.08)])  # D can pair with C
    cfg = make_settings(**CYCLES)  # oekrainers at 1.5 +- 10 %: 10 places need at least 14 of C's 15
    r = propose_uitruil(s, cfg)
    assert r.places_handed_over() == brute_force(s, cfg)
    used = defaultdict(int)
    for p in r.proposals:
        for cp in p.counter_performance:
            used[(cp.to_code, cp.kind)] += cp.amount
    assert used[("GM0003", "oekrainers")] <= 15


def test_pairs_answer_is_kept_when_the_full_model_stops_worse(monkeypatch):
    """The full model at its work limit with fewer places: the pairs-only answer stands, FEASIBLE,
    with the full model's bound (a stand-in for a large province, which is slow to reproduce)."""
    s = scenario([gm(1, offer=(20, 0), sh=50, ukr=50, lat=52.0),
                  gm(2, request=(10, 0), kind="oekrainers", lat=52.05),
                  gm(3, ukr=30, kind="statushouders", lat=52.1)])
    cfg = make_settings(**CYCLES)
    instance = model.build_instance(s, "AA", cfg)
    assert instance.pairs
    assert instance.cycles
    real = model._solve
    seen = []

    def stopped_early(inst, settings, hint=None):
        out = real(inst, settings, hint)
        seen.append(hint)
        if inst.cycles:  # pretend the work limit struck before anything good was found
            out = model.Solution(info=out.info.model_copy(update={
                "status": "FEASIBLE", "objective": 0.0, "best_bound": 12.0, "gap": 1.0}), places_bound=12.0)
        return out

    monkeypatch.setattr(model, "_solve", stopped_early)
    got = model.solve(instance, cfg)
    assert seen[0] is None
    assert seen[1] is not None  # the full model was hinted with the pairs-only answer
    assert seen[1].total_places() == 10
    assert got.total_places() == 10
    assert got.info.status == "FEASIBLE"
    assert (got.info.objective, got.info.best_bound) == (10.0, 12.0)
    assert got.info.gap == pytest.approx(2 / 12)
    assert "kept" in got.info.parameters


def test_deterministic_with_cycles():
    s = chain()
    a, b = propose_uitruil(s, make_settings(**CYCLES)), propose_uitruil(s, make_settings(**CYCLES))
    assert a.model_dump(exclude={"solve_info"}) == b.model_dump(exclude={"solve_info"})


def test_cycle_length_is_two_or_three():
    assert load_uitruil_settings().max_cycle_length == 2  # the documented default
    assert UitruilSettings(max_cycle_length=3).max_cycle_length == 3
    with pytest.raises(ValidationError, match="max_cycle_length"):
        UitruilSettings(max_cycle_length=4)


# ---- invariants on random instances -----------------------------------------------------------------
def mixed_scenarios():
    zero_or = st.one_of(st.just(0), st.integers(0, 80))
    muni = st.tuples(
        st.sampled_from(["AA", "AA", "BB"]),
        st.tuples(st.integers(0, 60), st.integers(0, 12)),
        st.tuples(st.integers(0, 60), st.integers(0, 12)),
        zero_or, zero_or,
        st.sampled_from(["none", "statushouders", "oekrainers", "oekrainers"]),
        st.floats(51.9, 52.6),
        st.tuples(st.integers(0, 50), st.integers(0, 10)),
    )
    return st.lists(muni, min_size=4, max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=mixed_scenarios(), tolerance=st.sampled_from([0.0, 0.05, 0.2]), max_partners=st.integers(1, 3))
def test_balance_on_every_arc_and_limits_hold(rows, tolerance, max_partners):
    s = build(rows)
    cfg = make_settings(tolerance=tolerance, max_partners=max_partners, **CYCLES)
    r = propose_uitruil(s, cfg)
    handed, realised, room, partners = (defaultdict(int) for _ in range(4))
    for p in r.proposals:
        (i,) = {t.from_code for t in p.transfers}
        (j,) = {t.to_code for t in p.transfers}
        codes = [x.code for x in p.parties]
        assert codes[:2] == [i, j]
        assert len(codes) in (2, 3)
        assert all(s.municipality(c).province == p.province for c in codes)  # U1
        limit = cfg.max_distance_km
        assert all(s.distance_km(a, b) <= limit + 0.05 for a in codes for b in codes)
        x = 0
        for t in p.transfers:
            assert isinstance(t.places, int)
            assert t.places > 0
            assert s.municipality(i).uitruil.request.get(t.category) > 0  # G4: same category both ends
            assert s.municipality(j).uitruil.offer.get(t.category) > 0
            assert t.distance_km == pytest.approx(s.distance_km(i, j), abs=0.05)
            handed[(i, t.category)] += t.places
            realised[(j, t.category)] += t.places
            x += t.places
        # each municipality gives one thing and receives one thing (j realises places for i)
        gives = [j] + [cp.by_code for cp in p.counter_performance]
        gets = [i] + [cp.to_code for cp in p.counter_performance]
        assert sorted(gives) == sorted(gets) == sorted(codes)
        for cp in p.counter_performance:
            assert cp.kind == s.municipality(cp.by_code).uitruil.offers_in_return
            lo, hi = cfg.balance_band(cp.kind, x)  # balance on every arc
            assert lo <= cp.amount <= hi
            room[(cp.to_code, cp.kind)] += cp.amount
        if len(codes) == 3:
            b_pays, c_pays = p.counter_performance
            assert (b_pays.by_code, b_pays.to_code, c_pays.by_code, c_pays.to_code) == (
                i, codes[2], codes[2], j)
            assert b_pays.kind != c_pays.kind
        partners[i] += 1
    assert_limits_and_accounting(s, r, handed, realised, room, partners, max_partners)
    pairs_only = propose_uitruil(s, make_settings(tolerance=tolerance, max_partners=max_partners))
    for info in r.solve_info:
        if info.status == "OPTIMAL":
            assert info.objective == info.best_bound
            assert info.gap == 0
    # cycles only add options, and the pairs-only answer is the fallback even when not optimal
    assert r.places_handed_over() >= pairs_only.places_handed_over()
    report = checked(s, r)
    assert report.errors == (), [f.message_en for f in report.errors]


def test_command_line_switches_cycles_on(tmp_path):
    folder = write_scenario(chain(), tmp_path / "chain")
    runner = CliRunner()
    off = runner.invoke(app, ["uitruil", "--scenario", str(folder), "--json"])
    assert off.exit_code == 0, off.output
    assert UitruilResult.model_validate_json(off.output).places_handed_over() == 0
    on = runner.invoke(app, ["uitruil", "--scenario", str(folder), "--max-cycle-length", "3", "--json"])
    assert on.exit_code == 0, on.output
    (p,) = UitruilResult.model_validate_json(on.output).proposals
    assert len(p.parties) == 3
    table = runner.invoke(app, ["uitruil", "--scenario", str(folder), "--max-cycle-length", "3"])
    assert table.output.count("tegenprestatie:") == 2
