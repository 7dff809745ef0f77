"""Stage: checker. Judges proposals rule by rule (never imports a solver) and keeps the IBT ledger.

    report = check(proposals, scenario)
    if report.passed(proposal.id): write the agreement (listing report.open_steps_for(proposal.id))
    else: write report.errors_for(proposal.id) instead
"""

from herverdeling.checker.check import check, ensure_matches
from herverdeling.checker.findings import CheckReport, Finding, Severity
from herverdeling.checker.io import parse_proposals, read_proposals, write_proposals
from herverdeling.checker.ledger import Ledger, LedgerEntry, LedgerRow, Obligation, build_ledger
from herverdeling.checker.rules import CATALOGUE, RULE_IDS, Rule, rules

__all__ = [
    "CATALOGUE", "RULE_IDS", "CheckReport", "Finding", "Ledger", "LedgerEntry", "LedgerRow",
    "Obligation", "Rule", "Severity", "build_ledger", "check", "ensure_matches", "parse_proposals",
    "read_proposals", "rules", "write_proposals",
]
