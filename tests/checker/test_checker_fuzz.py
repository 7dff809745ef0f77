"""Arbitrary (mostly invalid) proposal sets: the checker reports, it never crashes."""

from __future__ import annotations

import contextlib
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from herverdeling.checker import build_ledger, check
from herverdeling.errors import ProposalInputError
from herverdeling.proposals import (
    CounterPerformance,
    Merger,
    Party,
    ProcessState,
    ProposalSet,
    SurplusSwap,
    Transfer,
    Uitruil,
)
from tests.strategies import base_case

SCENARIO, _ = base_case()
CODES = [m.cbs_code for m in SCENARIO.municipalities] + ["GM9999", "XX", ""]
PROVINCES = ["PA", "RB", "NC", "ZZ"]
places = st.one_of(st.integers(-5, 200), st.floats(allow_nan=True, allow_infinity=True))
dates = st.none() | st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 1, 1))
categories = st.sampled_from(["regulier", "amv"])

transfers = st.builds(Transfer, from_code=st.sampled_from(CODES), to_code=st.sampled_from(CODES),
                      category=categories, places=places)
parties = st.builds(Party, kind=st.sampled_from(["gemeente", "provincie", "ministerie", "prt"]),
                    code=st.sampled_from([*CODES, *PROVINCES, "AenM"]), name=st.just("x"))
counters = st.builds(CounterPerformance,
                     kind=st.sampled_from(["none", "statushouders", "oekrainers", "spuk", "other",
                                           "to_agree"]),
                     by_code=st.none() | st.sampled_from([*CODES, "AenM"]),
                     to_code=st.none() | st.sampled_from([*CODES, "PA"]), amount=st.none() | places)
process = st.builds(ProcessState, status=st.sampled_from(["draft", "signed"]), signed_on=dates,
                    prt_informed_on=dates, ministry_informed_on=dates)
common = {"transfers": st.lists(transfers, max_size=4).map(tuple),
          "parties": st.lists(parties, max_size=4).map(tuple),
          "counter_performance": st.lists(counters, max_size=2).map(tuple),
          "failure_clause": st.none() | st.text(max_size=5), "process": process}
proposal = st.one_of(
    st.builds(SurplusSwap, source_province=st.sampled_from(PROVINCES),
              sink_province=st.sampled_from(PROVINCES), coordinators=st.lists(parties, max_size=3).map(tuple),
              **common),
    st.builds(Merger, province=st.sampled_from(PROVINCES), category=categories,
              host_code=st.sampled_from(CODES), host_own_places=places, location_size=places, **common),
    st.builds(Uitruil, province=st.sampled_from(PROVINCES), **common),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(proposal, max_size=4))
def test_checker_never_crashes(items):
    items = [p.model_copy(update={"id": f"X-{i}"}) for i, p in enumerate(items)]
    ps = ProposalSet(scenario=SCENARIO.name, scenario_hash=SCENARIO.content_hash(),
                     as_of=date(2025, 1, 15), proposals=tuple(items))
    report = check(ps, SCENARIO)
    for f in report.findings:
        assert f.message_en
        assert f.message_nl
    passed = [p for p in items if report.passed(p.id)]
    ledger = build_ledger(SCENARIO, passed)  # what passed books without breaking an invariant
    assert all(r.ibt_task >= 0 for r in ledger.rows)
    with contextlib.suppress(ProposalInputError):  # unknown codes or non-numbers: refused by name
        build_ledger(SCENARIO, items)


def test_huge_whole_floats_do_not_crash_the_ledger():
    """Found by the fuzz test: two transfers of 8.99e307 places (whole floats, so ints in the
    ledger) add up beyond any float; the ledger still books or refuses them, never crashes."""
    from herverdeling.proposals import Transfer

    huge = 8.98846567431158e+307
    code = next(iter(CODES))
    t = Transfer(from_code=code, to_code=code, category="amv", places=huge, distance_km=None)
    items = [SurplusSwap(source_province=PROVINCES[0], sink_province=PROVINCES[0], transfers=(t, t),
                         id=f"X-{i}") for i in range(2)]
    ps = ProposalSet(scenario=SCENARIO.name, scenario_hash=SCENARIO.content_hash(),
                     as_of=date(2025, 1, 15), proposals=tuple(items))
    check(ps, SCENARIO)
    with contextlib.suppress(ProposalInputError):
        build_ledger(SCENARIO, items)


def test_a_small_row_of_huge_float_transfers_adds_up():
    """Found by the fuzz test: a merger moving 0.5 and 4,503,599,627,370,486 places within one
    municipality (in and out cancel) left a row whose float sums are off by 0.5 against a total of
    20; the ledger books it (the rounding is that of the huge terms), it does not crash."""
    from herverdeling.proposals import Merger, Transfer

    code = "GM0101"
    ts = tuple(Transfer(from_code=code, to_code=code, category="amv", places=x, distance_km=None)
               for x in (0.5, 4503599627370486.0))
    items = [Merger(province=PROVINCES[0], category="regulier", host_code=code, host_own_places=0,
                    location_size=0, transfers=ts, id="X-0")]
    ledger = build_ledger(SCENARIO, items)
    row = next(r for r in ledger.rows if r.cbs_code == code and r.category == "amv")
    assert row.amended == row.verdeelbesluit
    assert row.amended_in == row.amended_out == 4503599627370486.5
