"""A check report as a readable table (what `herverdeling check` prints without --json)."""

from typing import Literal

from herverdeling.checker.findings import CheckReport
from herverdeling.proposals import ProposalSet


def render_report(report: CheckReport, proposals: ProposalSet, lang: Literal["nl", "en"] = "en") -> str:
    """One line per finding, grouped by proposal, and a summary; errors first within a proposal."""
    kinds = {p.id: p.kind for p in proposals.proposals}
    head = ["proposal", "kind", "rule", "severity", "message"]
    body = [[f.proposal_id, kinds[f.proposal_id], f.rule_id, f.severity, f.message(lang)]
            for f in report.findings]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(4)]
    lines = [f"Check of {len(report.proposal_ids)} proposal(s) against scenario {report.scenario}, "
             f"as of {report.as_of}", ""]
    if body:
        for i, r in enumerate([head, *body]):
            lines.append("  ".join(v.ljust(w) for v, w in zip(r[:4], widths, strict=True)) + "  " + r[4])
            if i == 0:
                lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 7)
        lines.append("")
    passed, failed = report.passed_ids(), report.failed_ids()
    lines.append(f"{len(passed)} passed, {len(failed)} failed; {len(report.errors)} error(s), "
                 f"{len(report.warnings)} warning(s), {len(report.open_steps)} open step(s).")
    if failed:
        lines.append(f"No agreement may be written for: {', '.join(failed)}.")
    return "\n".join(lines)
