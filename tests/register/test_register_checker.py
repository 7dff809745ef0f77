"""The process rules judged against the register: open while a concept, met once it says so."""

from __future__ import annotations

from datetime import date

import pytest

from herverdeling.checker import check
from herverdeling.errors import ProposalInputError
from herverdeling.proposals import ProcessState, ProposalSet, RegisterState
from herverdeling.register import Register, agreements_from
from tests.strategies import base_case

PROCESS_RULES = {"U-1": {"U2", "U3", "U4"}, "M-1": {"S3"}, "P-1": {"P4", "P7"}}
TODAY = date(2025, 12, 1)


def _drafts() -> tuple:
    s, ps = base_case()
    drafts = ps.model_copy(update={"proposals": tuple(
        p.model_copy(update={"process": ProcessState()}) for p in ps.proposals)})
    return s, drafts


def _process_findings(report, pid: str) -> set[tuple[str, str]]:
    return {(f.rule_id, f.severity) for f in report.findings_for(pid) if f.rule_id in PROCESS_RULES[pid]}


def _record_all(url: str, ps: ProposalSet, steps: dict[str, list[tuple[str, date]]]) -> RegisterState:
    reg = Register(url)
    agreements = agreements_from(ps)
    for pid, todo in steps.items():
        for step, on in todo:
            reg.record(ps.scenario, ps.scenario_hash, agreements[pid], step, on,
                       amendment="Wijziging verdeelbesluiten 2025" if step == "processed" else None,
                       today=TODAY)
    return reg.snapshot(ps.scenario, ps.scenario_hash)


def test_process_rules_flip_from_open_to_met_once_the_register_says_so(db_url):
    s, drafts = _drafts()
    before = check(drafts, s, register=Register(db_url).snapshot(drafts.scenario, drafts.scenario_hash))
    assert {r for r, sev in _process_findings(before, "U-1")} == {"U2", "U3"}
    assert all(sev == "open" for pid in PROCESS_RULES for _r, sev in _process_findings(before, pid))
    assert _process_findings(before, "M-1") == {("S3", "open")}
    assert _process_findings(before, "P-1") == {("P4", "open"), ("P7", "open")}

    # signed only: U2/P4 met, informing still open
    snap = _record_all(db_url, drafts, {"U-1": [("signed", date(2025, 2, 1))],
                                        "P-1": [("signed", date(2025, 2, 1))]})
    mid = check(drafts, s, register=snap)
    assert "U2" not in {r for r, _ in _process_findings(mid, "U-1")}
    assert _process_findings(mid, "U-1") == {("U3", "open")}
    assert _process_findings(mid, "P-1") == {("P7", "open")}
    p7 = next(f for f in mid.findings_for("P-1") if f.rule_id == "P7")
    assert "1 februari 2025" in p7.message_nl  # the register's signing date, in the message

    snap = _record_all(db_url, drafts, {
        "U-1": [("prt_informed", date(2025, 2, 3)), ("ministry_informed", date(2025, 2, 5)),
                ("processed", date(2025, 6, 20))],
        "M-1": [("signed", date(2025, 2, 1)), ("prt_informed", date(2025, 2, 2)),
                ("ministry_informed", date(2025, 2, 2))],
        "P-1": [("ministry_informed", date(2025, 2, 4))]})
    after = check(drafts, s, register=snap)
    for pid in PROCESS_RULES:
        assert _process_findings(after, pid) == set(), pid
    assert after.as_of == "2025-06-20"  # the peildatum moved to the register's latest step
    # without the register the same drafts are open again: the register, not the file, decided
    assert {r for r, _ in _process_findings(check(drafts, s), "U-1")} == {"U2", "U3"}


def test_a_late_signing_in_the_register_is_the_same_warning_as_in_a_proposal(db_url):
    s, drafts = _drafts()
    snap = _record_all(db_url, drafts, {"U-1": [("signed", date(2025, 6, 5))]})
    report = check(drafts, s, register=snap)
    assert ("U2", "warning") in _process_findings(report, "U-1")  # signed after 1 June (U4/U5)
    assert report.passed("U-1")


def test_a_withdrawn_agreement_has_one_warning_instead_of_its_open_steps(db_url):
    s, drafts = _drafts()
    snap = _record_all(db_url, drafts, {"P-1": [("withdrawn", date(2025, 2, 1))]})
    report = check(drafts, s, register=snap)
    found = [f for f in report.findings_for("P-1") if f.rule_id in PROCESS_RULES["P-1"]]
    assert [(f.rule_id, f.severity) for f in found] == [("P4", "warning")]
    assert "Ingetrokken op 1 februari 2025" in found[0].message_nl


def test_a_snapshot_of_another_scenario_version_is_refused():
    s, drafts = _drafts()
    other = RegisterState(scenario=drafts.scenario, scenario_hash="0" * 64)
    with pytest.raises(ProposalInputError, match="register snapshot"):
        check(drafts, s, register=other)


def test_the_chain_carries_the_register_states_into_its_proposals_and_findings(tmp_path):
    from herverdeling.pipeline import run_chain
    from herverdeling.run import RunSettings

    s, _ = base_case()
    plain = run_chain(s, RunSettings(scenario=s.name))
    assert plain.proposals.proposals
    first = next(p for p in plain.proposals.proposals if p.kind != "merger")  # S3 is one rule for all
    written = {"uitruil": "U2", "surplus_swap": "P4"}[first.kind]
    assert written in plain.report.rule_ids(first.id, severity="open")
    url = f"sqlite:///{tmp_path / 'register.sqlite'}"
    snap = _record_all(url, plain.proposals, {first.id: [("signed", date(2025, 2, 1))]})
    again = run_chain(s, RunSettings(scenario=s.name), register=snap)
    carried = next(p for p in again.proposals.proposals if p.id == first.id)
    assert (carried.process.status, carried.process.signed_on) == ("signed", date(2025, 2, 1))
    assert written not in again.report.rule_ids(first.id, severity="open")
    others = [p.id for p in again.proposals.proposals if p.id != first.id]
    assert all(p.process.status == "draft" for p in again.proposals.proposals if p.id in others)
