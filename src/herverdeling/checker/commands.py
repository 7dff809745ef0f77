"""`herverdeling check` and `herverdeling ledger`: thin commands over the checker and the ledger.

check exits 0 when no proposal has an error, 1 when any has, 2 when the input cannot be read
(truncated JSON, wrong types, proposals made for another scenario) - always with one line saying why.
"""

# No `from __future__ import annotations`: typer evaluates the option annotations, and JsonOpt is
# imported inside register() (to avoid an import cycle with herverdeling.cli).
import json
from pathlib import Path
from typing import Annotated, Literal

import typer

from herverdeling.checker.check import check
from herverdeling.checker.findings import CheckReport
from herverdeling.checker.io import read_proposals
from herverdeling.checker.ledger import build_ledger
from herverdeling.proposals import ProposalSet
from herverdeling.scenario.model import Scenario

OptionalScenarioOpt = Annotated[
    str | None,
    typer.Option("--scenario", "-s",
                 help="A bundled scenario name or a folder (default: the one the proposals name)."),
]
LangOpt = Annotated[str, typer.Option("--lang", help="Language of the messages: en or nl.")]


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


def _scenario_for(name: str | None, proposals: ProposalSet | None) -> Scenario:
    from herverdeling.scenario.io import load_scenario

    if name is None:
        name = proposals.scenario if proposals is not None else "nl-2025"
    return load_scenario(name)


def register(app: typer.Typer) -> None:
    from herverdeling.cli import JsonOpt, fail
    from herverdeling.errors import HerverdelingError

    @app.command(name="check")
    def check_cmd(
        proposals_file: Annotated[Path, typer.Argument(metavar="PROPOSALS.json",
                                                       help="A proposals file (JSON).")],
        scenario: OptionalScenarioOpt = None,
        as_json: JsonOpt = False,
        lang: LangOpt = "en",
    ) -> None:
        """Check every proposal against rules G1-G6, U1-U8, S1-S4, P1-P11 (exit 1 on any error)."""
        if lang not in ("en", "nl"):
            typer.echo(f"error: --lang must be en or nl, got {lang!r}", err=True)
            raise typer.Exit(code=2)
        try:
            proposals = read_proposals(proposals_file)
            report = check(proposals, _scenario_for(scenario, proposals))
        except HerverdelingError as exc:
            raise fail(exc) from None
        if as_json:
            typer.echo(report.model_dump_json(indent=2))
        else:
            typer.echo(render_report(report, proposals, "nl" if lang == "nl" else "en"))
        raise typer.Exit(code=1 if report.has_errors else 0)

    @app.command(name="ledger")
    def ledger_cmd(
        scenario: OptionalScenarioOpt = None,
        proposals_file: Annotated[Path | None, typer.Option(
            "--proposals", "-p", help="Book these proposals (only those that pass the check).")] = None,
        out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the ledger as CSV.")] = None,
        all_rows: Annotated[bool, typer.Option("--all", help="Print every municipality.")] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """The IBT ledger: per municipality and category, the task IBT holds it to, and for whom."""
        try:
            proposals = read_proposals(proposals_file) if proposals_file is not None else None
            s = _scenario_for(scenario, proposals)
            booked = []
            if proposals is not None:
                report = check(proposals, s)
                booked = [p for p in proposals.proposals if report.passed(p.id)]
                if report.failed_ids():
                    typer.echo(f"not booked (errors, see `herverdeling check`): "
                               f"{', '.join(report.failed_ids())}", err=True)
            ledger = build_ledger(s, booked)
        except HerverdelingError as exc:
            raise fail(exc) from None
        if out is not None:
            from herverdeling.scenario.io import atomic_write_text

            try:
                atomic_write_text(out, ledger.to_csv())
            except HerverdelingError as exc:
                raise fail(exc) from None
            typer.echo(f"wrote {out}", err=True)
        if as_json:
            typer.echo(json.dumps(ledger.model_dump(mode="json"), indent=2, ensure_ascii=False))
        else:
            typer.echo(ledger.render(all_rows=all_rows))
