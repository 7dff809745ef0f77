"""`herverdeling check` and `herverdeling ledger`: thin commands over the checker and the ledger.

check exits 0 when no proposal has an error, 1 when any has, 2 when the input cannot be read
(truncated JSON, wrong types, proposals made for another scenario) - always with one line saying why.
"""

import json
from pathlib import Path
from typing import Annotated

import typer

from herverdeling.checker.check import check
from herverdeling.checker.io import read_proposals
from herverdeling.checker.ledger import build_ledger
from herverdeling.checker.render import render_report
from herverdeling.cli.common import JsonOpt
from herverdeling.cli.register import RegisterOpt, snapshot_for
from herverdeling.defaults import DEFAULT_SCENARIO
from herverdeling.proposals import ProposalSet
from herverdeling.scenario.io import atomic_write_text, load_scenario
from herverdeling.scenario.model import Scenario

OptionalScenarioOpt = Annotated[
    str | None,
    typer.Option("--scenario", "-s",
                 help="Een meegeleverd scenario of een scenariomap (standaard: dat van de voorstellen)."),
]
LangOpt = Annotated[str, typer.Option("--lang", help="Taal van de meldingen: nl of en.")]


def _scenario_for(name: str | None, proposals: ProposalSet | None) -> Scenario:
    """The scenario asked for, else the one the proposals were made for, else the bundled default."""
    if name is None:
        name = proposals.scenario if proposals is not None else DEFAULT_SCENARIO
    return load_scenario(name)


def check_cmd(
    proposals_file: Annotated[Path, typer.Argument(metavar="PROPOSALS.json",
                                                   help="Een voorstellenbestand (JSON).")],
    scenario: OptionalScenarioOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = "en",
    register: RegisterOpt = None,
) -> None:
    """Toets elk voorstel aan de regels G1-G6, U1-U8, S1-S4, P1-P11 (exitcode 1 bij een fout).

    The process rules (U2-U4, S3, P4, P7) judge the agreement register's states when there is one.
    """
    if lang not in ("en", "nl"):
        typer.echo(f"error: --lang must be en or nl, got {lang!r}", err=True)
        raise typer.Exit(code=2)
    proposals = read_proposals(proposals_file)
    name = scenario if scenario is not None else proposals.scenario
    s = _scenario_for(name, proposals)
    report = check(proposals, s, register=snapshot_for(name, s, register))
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        typer.echo(render_report(report, proposals, "nl" if lang == "nl" else "en"))
    raise typer.Exit(code=1 if report.has_errors else 0)


def ledger_cmd(
    scenario: OptionalScenarioOpt = None,
    proposals_file: Annotated[Path | None, typer.Option(
        "--proposals", "-p", help="Boek deze voorstellen (alleen die de toetsing doorstaan).")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Schrijf het grootboek als CSV.")] = None,
    all_rows: Annotated[bool, typer.Option("--all", help="Toon elke gemeente.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Het IBT-grootboek: per gemeente en categorie de taak waarop IBT haar aanspreekt, en voor wie."""
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
    if out is not None:
        atomic_write_text(out, ledger.to_csv())
        typer.echo(f"wrote {out}", err=True)
    if as_json:
        typer.echo(json.dumps(ledger.model_dump(mode="json"), indent=2, ensure_ascii=False))
    else:
        typer.echo(ledger.render(all_rows=all_rows))
