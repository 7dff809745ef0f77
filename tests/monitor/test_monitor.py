"""The IBT monitor on the hand-made base case: every figure computed by hand below.

base_case (tests/strategies.py), regulier, after the agreements (the IBT ledger):
  GM0101 vb 100, backs 15 of P-1 (for GM0201)  -> IBT 100
  GM0201 vb 80, relieved 15 by P-1             -> IBT 65
  GM0203 vb 12, merged into GM0204 by M-1      -> IBT 0
  GM0204 vb 80 + 12 of M-1                     -> IBT 92
  GM0301 vb 70 + 20 of U-1 (from GM0302)       -> IBT 90
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from herverdeling.monitor import load_monitor_settings, monitor
from herverdeling.monitor.core import Line, split_shortfall
from herverdeling.scenario.realisation import Realisation, Realised
from tests.strategies import base_case

DAY = dt.date(2025, 12, 31)


def _real(**figures: int) -> Realisation:
    return Realisation(rows=tuple(Realised(cbs_code=code, category="regulier", realised=n, date=DAY,
                                           source="test") for code, n in figures.items()),
                       file="test.csv")


REAL = _real(GM0101=80, GM0204=69, GM0301=90, GM0201=60)


@pytest.fixture(scope="module")
def case():
    return base_case()


def test_default_clauses_by_hand(case):
    s, ps = case
    m = monitor(s, ps, REAL, load_monitor_settings())
    assert m.variant == "clausules"
    # GM0101: short 100 - 80 = 20, split own 85 : P-1 15 -> 17 : 3; the swap's relief lapses (P8)
    r = m.row("GM0101", "regulier")
    assert (r.ibt_task, r.realised, r.shortfall, r.own_unrealised) == (100, 80, 20, 17)
    assert (r.released, r.task_after_clause, r.shortfall_after_clause) == (0, 100, 20)  # P9: keeps vb
    assert "P-1: 3 niet gerealiseerd, terug naar Gemeente 201" in r.clause_effect
    # GM0201 gets those 3 back: task 65 + 3, realised 60 -> short 5, after the clause 8
    r = m.row("GM0201", "regulier")
    assert (r.ibt_task, r.shortfall, r.returned_in, r.task_after_clause,
            r.shortfall_after_clause) == (65, 5, 3, 68, 8)
    # GM0204 hosts M-1: short 92 - 69 = 23, split 80 : 12 -> 20 : 3; stays with the host (S3)
    r = m.row("GM0204", "regulier")
    assert (r.shortfall, r.own_unrealised, r.released, r.shortfall_after_clause) == (23, 20, 0, 23)
    assert m.row("GM0203", "regulier").returned_in == 0
    # GM0301 realised all 90: U-1 is fully realised
    assert m.row("GM0301", "regulier").shortfall == 0
    agreements = {a.proposal_id: a for a in m.agreements}
    # GM0102 backs P-1 too but reported nothing: the agreement's outcome is not known yet
    assert (agreements["P-1"].unrealised, agreements["P-1"].returned) == (None, 3)
    assert agreements["P-1"].effect == "nog niet alle realiseerders hebben gemeld"
    assert (agreements["M-1"].unrealised, agreements["M-1"].returned) == (3, 0)
    assert agreements["U-1"].unrealised == 0
    assert agreements["U-1"].effect == "volledig gerealiseerd"
    assert agreements["P-1"].places == 25
    assert agreements["M-1"].clause_text.startswith("Lukt het niet tijdig")  # as the file has it


def test_lapse_pro_rata_and_replacement_by_hand(case):
    s, ps = case
    st_ = load_monitor_settings()
    lapse = monitor(s, ps, REAL, st_, variant="vervallen_naar_rato")
    host, member = lapse.row("GM0204", "regulier"), lapse.row("GM0203", "regulier")
    assert (host.released, host.task_after_clause, host.shortfall_after_clause) == (3, 89, 20)
    # the member had no task, so no figure was needed; now 3 come back and nothing is reported
    assert (member.shortfall, member.returned_in, member.task_after_clause,
            member.shortfall_after_clause) == (0, 3, 3, None)
    keep = monitor(s, ps, REAL, st_, variant="vervangingsplicht")
    assert keep.row("GM0201", "regulier").shortfall_after_clause == 5
    assert all(r.returned_in == 0 and r.released == 0 for r in keep.rows)


def test_no_figure_is_an_unknown_shortfall_not_zero(case):
    s, ps = case
    m = monitor(s, ps, Realisation(), load_monitor_settings())
    r = m.row("GM0101", "regulier")
    assert (r.realised, r.shortfall, r.shortfall_after_clause) == (None, None, None)
    assert m.row("GM0203", "regulier").shortfall == 0  # nothing owed, nothing to report
    assert all(s_.unrealised == 0 for s_ in m.lines)


@pytest.mark.parametrize("variant", ["clausules", "vervallen_naar_rato", "vervangingsplicht"])
def test_every_unrealised_place_is_owed_once_more_or_stays(case, variant):
    """Conservation: a lapse moves places (U, S) or adds the relieved one's (P); nothing vanishes."""
    s, ps = case
    m = monitor(s, ps, REAL, load_monitor_settings(), variant=variant)
    moved = sum(x.returned for x in m.lines if x.line.kind != "surplus_swap")
    added = sum(x.returned for x in m.lines if x.line.kind == "surplus_swap")
    assert sum(r.task_after_clause for r in m.rows) == sum(r.ibt_task for r in m.rows) + added
    assert sum(r.released for r in m.rows) == moved
    for r in m.rows:  # each row's shortfall is split over its own places and its lines exactly
        mine = [x for x in m.lines if (x.line.realiser, x.line.category) == (r.cbs_code, r.category)]
        assert r.own_unrealised + sum(x.unrealised for x in mine) == (r.shortfall or 0)


@given(short=st.integers(0, 400), own=st.integers(0, 300),
       places=st.lists(st.integers(1, 200), min_size=0, max_size=5))
def test_split_is_floor_or_ceil_of_the_exact_quota(short, own, places):
    lines = [Line(proposal_id=f"X-{i}", kind="merger", realiser="GM0001", origin="GM0002",
                  category="regulier", places=p) for i, p in enumerate(places)]
    total = own + sum(places)
    short = min(short, total)
    own_u, line_u = split_shortfall(short, own, lines)
    assert own_u + sum(line_u) == short
    for weight, got in zip([own, *places], [own_u, *line_u], strict=True):
        quota = Fraction(short * weight, total) if total else Fraction(0)
        assert quota - 1 < got < quota + 1


def test_a_figure_before_the_peildatum_is_provisional(case):
    s, ps = case
    early = _real(GM0101=80)
    m = monitor(s, ps, early, load_monitor_settings(), reference_date=dt.date(2026, 12, 31))
    assert m.row("GM0101", "regulier").provisional
    m = monitor(s, ps, early, load_monitor_settings(), reference_date=DAY)
    assert not m.row("GM0101", "regulier").provisional  # dated on the peildatum itself
    assert monitor(s, ps, early, load_monitor_settings()).reference_date == dt.date(2026, 12, 31)


def test_the_monitor_solves_nothing_and_is_not_the_chain():
    """It reads the ledger; the chain and the CLI call it, never the reverse."""
    from tests.test_imports import SOLVERS, offenders

    assert offenders("herverdeling.monitor", ("herverdeling.pipeline", "herverdeling.cli",
                                              *SOLVERS)) == {}
