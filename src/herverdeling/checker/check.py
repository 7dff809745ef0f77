"""The checker's one entry point: judge a proposal set against its scenario, rule by rule.

It never imports a solver, so it verifies what the solvers made independently.
"""

from __future__ import annotations

from collections import Counter

from herverdeling.checker.findings import SEVERITY_ORDER, CheckReport, Finding
from herverdeling.checker.rules import Context, rules
from herverdeling.deal_rules import DealRules
from herverdeling.errors import ProposalInputError
from herverdeling.proposals import ProposalSet, RegisterState
from herverdeling.scenario.model import Scenario


def ensure_matches(proposals: ProposalSet, scenario: Scenario) -> None:
    """Refuse a proposal set made for another scenario (name) or other data (content hash)."""
    if proposals.scenario != scenario.name:
        raise ProposalInputError(
            f"the proposals were made for scenario {proposals.scenario!r}, not {scenario.name!r}: "
            f"pass --scenario {proposals.scenario} or regenerate the proposals"
        )
    actual = scenario.content_hash()
    if proposals.scenario_hash != actual:
        raise ProposalInputError(
            f"the proposals were made for other data of scenario {scenario.name!r} (hash "
            f"{proposals.scenario_hash[:12]}, scenario now {actual[:12]}): regenerate the proposals"
        )


def with_register(proposals: ProposalSet, register: RegisterState) -> ProposalSet:
    """The proposals with each agreement's process state as the register records it.

    An agreement the register has no entry for keeps the state it carries (a draft, or what a
    hand-edited file says); an entry for an id not in this set is left alone (another run's).
    """
    if (register.scenario, register.scenario_hash) != (proposals.scenario, proposals.scenario_hash):
        raise ProposalInputError(
            f"the register snapshot is for scenario {register.scenario!r} (hash "
            f"{register.scenario_hash[:12]}), the proposals for {proposals.scenario!r} (hash "
            f"{proposals.scenario_hash[:12]})")
    out = []
    for p in proposals.proposals:
        entry = register.entry(p.id)
        out.append(p if entry is None else p.model_copy(update={"process": entry.process()}))
    return proposals.model_copy(update={"proposals": tuple(out)})


def check(proposals: ProposalSet, scenario: Scenario, deal_rules: DealRules | None = None,
          register: RegisterState | None = None) -> CheckReport:
    """Apply every rule of the catalogue to every proposal; `report.passed(id)` gates the writer.

    `deal_rules`: the settings of D1-D4; default: those the proposal set records. `register`: the
    agreement register's snapshot; the process rules (U2-U4, S3, P4, P7) judge its states and dates
    instead of the drafts' "concept", and the peildatum moves to its latest recorded date.
    """
    ensure_matches(proposals, scenario)
    ids = [p.id for p in proposals.proposals]
    dupes = sorted(i for i, n in Counter(ids).items() if n > 1)
    if dupes:
        raise ProposalInputError(f"proposal id(s) used more than once: {', '.join(dupes)}")
    if register is not None:
        proposals = with_register(proposals, register)
    ctx = Context(scenario, proposals, deal_rules or proposals.deal_rules, register)
    findings: list[Finding] = []
    for p in proposals.proposals:
        for r in rules():
            if r.applies_to(p):
                findings.extend(r.findings(ctx, p))
    order = {pid: i for i, pid in enumerate(ids)}
    rank = {rid: i for i, rid in enumerate(r.id for r in rules())}
    findings.sort(key=lambda f: (order[f.proposal_id], SEVERITY_ORDER[f.severity], rank[f.rule_id]))
    return CheckReport(scenario=scenario.name, scenario_hash=proposals.scenario_hash,
                       as_of=ctx.as_of.isoformat(), proposal_ids=tuple(ids),
                       findings=tuple(findings))
