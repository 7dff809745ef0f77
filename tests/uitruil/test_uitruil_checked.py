"""Uitruil proposals pass the checker's rules (G, U) with only the open process steps left."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from herverdeling.checker import check
from herverdeling.proposals import ProposalSet
from herverdeling.scenario.model import Scenario
from herverdeling.uitruil import UitruilResult, propose_uitruil
from tests.uitruil.test_uitruil_model import build, make_settings, medium_scenarios


def checked(s: Scenario, r: UitruilResult):
    ps = ProposalSet(scenario=s.name, scenario_hash=s.content_hash(), as_of=s.round.as_of,
                     proposals=r.proposals, solve_info=r.solve_info)
    return check(ps, s)


def test_bundled_proposals_have_no_errors(nl2025):
    r = propose_uitruil(nl2025)
    assert r.proposals
    report = checked(nl2025, r)
    assert report.errors == ()
    assert {f.rule_id for f in report.findings} <= {"U2", "U3", "U4", "G6"}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=medium_scenarios())
def test_random_proposals_have_no_errors(rows):
    s = build(rows)
    report = checked(s, propose_uitruil(s, make_settings()))
    assert report.errors == (), [f.message_en for f in report.errors]
