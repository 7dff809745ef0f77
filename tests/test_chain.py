"""One chain: the explorer, `propose` and a province-filtered run show the same proposals and findings."""

from __future__ import annotations

import json

import pytest

from herverdeling.app import Explorer, defaults
from herverdeling.app.explore import _touches
from herverdeling.app.whatif import FLOW
from herverdeling.pipeline import propose, run_chain
from herverdeling.run import RunResult, RunSettings
from herverdeling.scenario.model import CATEGORIES, Scenario


def _shown(s: Scenario, result: RunResult, province: str, category: str) -> list[tuple[str, str, tuple]]:
    """Per proposal touching the view: its JSON and its findings (what the page and papers show)."""
    assert result.report is not None
    return [(p.id, p.model_dump_json(), tuple(f.model_dump_json() for f in result.report.findings_for(p.id)))
            for p in result.proposals.proposals if _touches(s, p, province, category)]


@pytest.fixture(scope="module")
def national(nl2025) -> RunResult:
    return run_chain(nl2025, RunSettings(scenario=nl2025.name))


def test_province_filter_gives_the_national_proposals_and_findings(nl2025, national):
    settings = RunSettings(scenario=nl2025.name)
    for province in nl2025.provinces:
        part = run_chain(nl2025, settings, province=province.code)
        for c in CATEGORIES:
            assert _shown(nl2025, part, province.code, c) == _shown(nl2025, national, province.code, c), \
                (province.code, c)


def test_explorer_shows_what_propose_writes_for_every_province(nl2025, national):
    ex = Explorer(nl2025)
    errors = 0
    for province in nl2025.provinces:
        for c in CATEGORIES:
            view = ex.view(defaults(nl2025, province.code, c))
            want = [p for p in national.proposals.proposals if _touches(nl2025, p, province.code, c)]
            assert [r.id for r in view.rows] == [p.id for p in want], (province.code, c)
            assert national.report is not None
            assert view.findings == tuple(f for p in want for f in national.report.findings_for(p.id))
            errors += view.metrics.errors
    assert errors == 0  # the default views have no checker error


def test_explorer_equals_propose_on_a_changed_setting(nl2025, tmp_path):
    """'Bestanden maken' runs propose on the explorer's what-if scenario: the same proposals."""
    ex = Explorer(nl2025)
    base = defaults(nl2025, "NB", "regulier")
    host = next(m.cbs_code for m in nl2025.municipalities_in("NB") if m.may_host
                and m.cbs_code not in base.not_hosting)
    # the min-cost flow's nearest policy (the deal presets' explorer-equals-propose is the national
    # test above, and the browser's host test)
    changed = base.model_copy(update={"policy": FLOW + "nearest",
                                      "not_hosting": (*base.not_hosting, host)})
    view = ex.view(changed)
    whatif = ex.scenario(changed)
    out = propose(whatif, tmp_path / "out", surplus_model="flow", policy="nearest")
    written = json.loads((out / "proposals.json").read_text(encoding="utf-8"))
    findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    touching = [p["id"] for p in written["proposals"] if any(
        p["id"] == q.id for q in ex.chain(changed)[1].proposals.proposals
        if _touches(whatif, q, "NB", "regulier"))]
    assert [r.id for r in view.rows] == touching
    shown = {f.proposal_id for f in view.findings}
    assert [f for f in findings["findings"] if f["proposal_id"] in shown] == \
        [json.loads(f.model_dump_json()) for f in view.findings]
    assert view.metrics.errors == 0
    assert host not in {r.realiser_code for r in view.rows if r.kind == "merger"}


def test_deal_chain_gives_coherent_signable_deals():
    """The chain with the deal model: every proposal passes the checker with D1-D4 enforced."""
    from herverdeling.commitments import commitments_of
    from herverdeling.metrics import measure
    from herverdeling.scenario.synthetic import synthetic_country

    s = synthetic_country(120, seed=3)
    result = run_chain(s, RunSettings(scenario=s.name, surplus_model="deals"))
    assert result.report is not None
    assert result.proposals.deal_rules.enforce
    assert result.report.errors == ()
    swaps = [p for p in result.proposals.proposals if p.kind == "surplus_swap"]
    assert swaps
    deals = measure(s, result.proposals, result.report).deals
    assert (deals.split_reliefs, deals.tiny_reliefs, deals.residues, deals.role_conflicts) == (0, 0, 0, 0)
    assert deals.swap_parties_max <= 25
    done = commitments_of(result.proposals.proposals)
    assert not any(e.relieved and e.takes_on for e in done.entries)  # D3, independently of the checker
    flow = run_chain(s, RunSettings(scenario=s.name, surplus_model="flow"))
    assert not flow.proposals.deal_rules.enforce  # the flow is judged by the note's rules only
