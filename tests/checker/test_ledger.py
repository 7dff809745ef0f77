"""The IBT ledger: a hand-computed example and its invariants over generated valid proposal sets."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings

from herverdeling.checker import build_ledger, check
from herverdeling.checker.ledger import BOOKED_WIDTH
from herverdeling.errors import ProposalInputError
from herverdeling.proposals import Merger, SurplusSwap
from herverdeling.scenario.model import CATEGORIES
from tests.strategies import base_case, valid_cases


def test_hand_computed_rows():
    s, ps = base_case()
    ledger = build_ledger(s, ps)
    relieved = ledger.row("GM0201", "regulier")  # relieved of 15 by P-1
    assert (relieved.verdeelbesluit, relieved.amended, relieved.relief, relieved.ibt_task) == (80, 80, 15, 65)
    source = ledger.row("GM0101", "regulier")  # its extra places back the relief; task unchanged
    assert (source.amended, source.ibt_task, source.backs_relief) == (100, 100, 15)
    host = ledger.row("GM0204", "regulier")  # merger host: 80 + 12
    assert (host.amended_in, host.amended, host.ibt_task) == (12, 92, 92)
    assert [(o.origin_code, o.proposal_id, o.places) for o in host.owes] == [
        ("GM0204", None, 80), ("GM0203", "M-1", 12)]
    member = ledger.row("GM0203", "regulier")
    assert (member.amended_out, member.amended, member.ibt_task) == (12, 0, 0)
    realiser, giver = ledger.row("GM0301", "regulier"), ledger.row("GM0302", "regulier")
    assert (realiser.ibt_task, giver.ibt_task) == (90, 0)
    assert ledger.row("GM0201", "amv").entries == ()
    rb = ledger.province_totals("RB", "regulier")
    assert rb == {"verdeelbesluit": 232, "amended": 232, "relief": 25, "ibt_task": 207, "backs_relief": 0}


def test_csv_has_one_row_per_municipality_and_category():
    s, ps = base_case()
    ledger = build_ledger(s, ps)
    rows = list(csv.DictReader(io.StringIO(ledger.to_csv())))
    assert len(rows) == len(s.municipalities) * len(CATEGORIES)
    host = next(r for r in rows if r["cbs_code"] == "GM0204" and r["category"] == "regulier")
    assert host["ibt_task"] == "92"
    assert host["accountable_for"] == "own 80; M-1 from GM0203 12"
    assert host["proposals"] == "M-1"
    changed = list(csv.DictReader(io.StringIO(ledger.to_csv(only_changed=True))))
    assert len(changed) == 4 + 2 + 2  # swap, merger, uitruil


def test_render_lists_changed_rows_and_totals():
    s, ps = base_case()
    text = build_ledger(s, ps).render()
    assert "Gemeente 204 (GM0204)" in text
    assert "Gemeente 303" not in text
    head = text.split("\n\n")[0].splitlines()
    assert head[1:] == ["  surplus swaps (1): P-1", "  mergers (1):       M-1", "  uitruil (1):       U-1"]


def test_render_wraps_many_booked_ids_aligned_by_kind():
    """A hundred ids are not one long line: each id whole, once, under the others of its kind."""
    s, ps = base_case()
    copies = [p.model_copy(update={"id": f"{p.id}-{i:03d}"}) for p in ps.proposals for i in range(40)]
    ledger = build_ledger(s, copies)  # booked as given, for display: only the header matters here
    head = ledger.render().split("\n\n")[0].splitlines()
    assert head[0] == "IBT ledger, scenario base; 120 proposal(s) booked:"
    assert all(len(line) <= BOOKED_WIDTH for line in head)
    listed = [pid.strip(",") for line in head[1:] for pid in line.split(":", 1)[-1].split()]
    assert listed == [p.id for p in copies]  # whole ids, each once, in booking order
    column = head[1].index("P-1-000")
    starts = {line[:column].strip() for line in head[1:]}
    assert starts == {"surplus swaps (40):", "mergers (40):", "uitruil (40):", ""}
    assert all(line[column] != " " and line[column - 1] == " " for line in head[1:])
    firsts = [line for line in head[1:] if line[:column].strip()]
    assert [line[column:].split(",")[0] for line in firsts] == ["P-1-000", "M-1-000", "U-1-000"]


def test_render_without_proposals_says_none():
    s, _ = base_case()
    assert build_ledger(s, []).render().splitlines()[0] == "IBT ledger, scenario base; proposals booked: none"


def test_unknown_code_is_refused():
    s, ps = base_case()
    u = ps.proposals[2]
    bad = u.model_copy(update={"transfers": (u.transfers[0].model_copy(update={"to_code": "GM9999"}),)})
    with pytest.raises(ProposalInputError, match="GM9999"):
        build_ledger(s, [bad])


def assert_invariants(s, ps, ledger):
    # 1. Each province's amended total equals its verdeelbesluit total, per category (U5, S4).
    for p in s.provinces:
        for c in CATEGORIES:
            t = ledger.province_totals(p.code, c)
            assert t["amended"] == t["verdeelbesluit"] == s.verdeelbesluit_total(p.code).get(c)
    # 2. The IBT task is never negative.
    assert all(r.ibt_task >= 0 for r in ledger.rows)
    # 3. Every verdeelbesluit place is owed by exactly one municipality, or relieved.
    owed_by_origin: dict[tuple[str, str], float] = defaultdict(float)
    for r in ledger.rows:
        for o in r.owes:
            assert o.places >= 0
            owed_by_origin[(o.origin_code, r.category)] += o.places
    for m in s.municipalities:
        for c in CATEGORIES:
            relief = ledger.row(m.cbs_code, c).relief
            assert owed_by_origin[(m.cbs_code, c)] + relief == m.verdeelbesluit.get(c)
    # 4. Every number in every proposal reconciles with the ledger.
    for p in ps.proposals:
        for t in p.transfers:
            src_effect, dst_effect = ("relief", "backs") if isinstance(p, SurplusSwap) else ("out", "in")
            src = ledger.row(t.from_code, t.category)
            dst = ledger.row(t.to_code, t.category)
            assert any(e.proposal_id == p.id and e.effect == src_effect and e.places == t.places
                       and e.counterpart == t.to_code for e in src.entries)
            assert any(e.proposal_id == p.id and e.effect == dst_effect and e.places == t.places
                       and e.counterpart == t.from_code for e in dst.entries)
        if isinstance(p, Merger):
            host = ledger.row(p.host_code, p.category)
            intake = sum(o.places for o in host.owes if o.proposal_id == p.id)
            assert p.location_size == p.host_own_places + intake
            own = [o.places for o in host.owes if o.proposal_id is None]
            assert [p.host_own_places] == own
        if isinstance(p, SurplusSwap):
            for (code, c), places in p.relieved().items():
                row = ledger.row(code, c)
                assert sum(e.places for e in row.entries
                           if e.proposal_id == p.id and e.effect == "relief") == places
    # Relief never amends: the sum of IBT tasks is the verdeelbesluit minus all relief.
    for c in CATEGORIES:
        vb = sum(m.verdeelbesluit.get(c) for m in s.municipalities)
        relief = sum(t.places for p in ps.of_kind("surplus_swap") for t in p.transfers if t.category == c)
        assert sum(r.ibt_task for r in ledger.rows if r.category == c) == vb - relief


def test_invariants_on_the_base_case():
    s, ps = base_case()
    assert_invariants(s, ps, build_ledger(s, ps))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_cases())
def test_invariants_on_generated_valid_sets(case):
    s, ps = case
    assert not check(ps, s).has_errors
    assert_invariants(s, ps, build_ledger(s, ps))
