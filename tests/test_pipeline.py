"""The stages together on nl-2025: every proposal passes the checker, and runs are reproducible."""

from __future__ import annotations

from herverdeling.checker import build_ledger, check
from herverdeling.pipeline import RunSettings, run_chain


def test_nl2025_every_proposal_passes_and_nothing_counts_twice(nl2025):
    result = run_chain(nl2025, RunSettings(scenario=nl2025.name))
    kinds = {p.kind for p in result.proposals.proposals}
    assert kinds == {"surplus_swap", "merger", "uitruil"}
    report = check(result.proposals, nl2025)
    assert report.errors == ()
    ledger = build_ledger(nl2025, result.proposals)
    for p in nl2025.provinces:
        for c in ("regulier", "amv"):
            totals = ledger.province_totals(p.code, c)
            assert totals["amended"] == totals["verdeelbesluit"]
    assert all(r.ibt_task >= 0 for r in ledger.rows)
    assert all(info.status == "OPTIMAL" for info in result.proposals.solve_info)


def test_same_input_same_proposals(nl2025):
    a = run_chain(nl2025, RunSettings(scenario=nl2025.name))
    b = run_chain(nl2025, RunSettings(scenario=nl2025.name))
    assert a.proposals.proposals == b.proposals.proposals
