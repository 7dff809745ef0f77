"""`herverdeling register`: list, set, show the history of and export the agreement register.

The agreements are the proposals the chain makes for the scenario (default settings), or those of
a proposals file (`--proposals`). The register is `<scenario folder>/register.sqlite` unless
`--db URL` or the environment variable HERVERDELING_REGISTER names another database. Only `set`
writes; a register that does not exist yet lists as all concepts and creates nothing.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from herverdeling.cli.common import JsonOpt, ScenarioOpt
from herverdeling.defaults import DEFAULT_SCENARIO
from herverdeling.dutch import datum
from herverdeling.errors import RegisterError
from herverdeling.proposals import ProposalSet, RegisterState
from herverdeling.scenario.io import load_scenario, resolve_scenario
from herverdeling.scenario.model import Scenario

register_app = typer.Typer(
    help="Het afsprakenregister: ondertekend, PRT en ministerie geïnformeerd, verwerkt of "
         "ingetrokken, per afspraak.",
    no_args_is_help=True,
)

DbOpt = Annotated[str | None, typer.Option(
    "--db", help="SQLAlchemy-URL van het register (standaard: register.sqlite in de scenariomap; "
                 "of HERVERDELING_REGISTER), bijv. postgresql+psycopg://host/db.")]
ProposalsOpt = Annotated[Path | None, typer.Option(
    "--proposals", "-p", help="De afspraken uit dit voorstellenbestand (standaard: de voorstellen "
                              "die de keten voor het scenario maakt).")]
RegisterOpt = Annotated[str | None, typer.Option(
    "--register", help="Toets de processtappen aan dit afsprakenregister (SQLAlchemy-URL; "
                       "standaard: register.sqlite in de scenariomap, als die bestaat).")]


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RegisterError(f"--datum {text!r}: geen datum, schrijf JJJJ-MM-DD") from None


def _proposals(scenario: Scenario, proposals_file: Path | None) -> ProposalSet:
    if proposals_file is not None:
        from herverdeling.checker.check import ensure_matches
        from herverdeling.checker.io import read_proposals

        proposals = read_proposals(proposals_file)
        ensure_matches(proposals, scenario)
        return proposals
    from herverdeling.pipeline import run_chain
    from herverdeling.run import RunSettings

    return run_chain(scenario, RunSettings(scenario=scenario.name)).proposals


def _open(scenario_name: str, db: str | None) -> tuple[Scenario, str]:
    from herverdeling.register import register_url

    folder = resolve_scenario(scenario_name)
    url = register_url(folder, db)
    assert url is not None  # must_exist=False always gives one
    return load_scenario(folder), url


def snapshot_for(scenario_name: str | Path, scenario: Scenario, url: str | None) -> RegisterState | None:
    """The register `check` and `propose` judge against: the URL given, else the file beside the
    scenario if it exists (else none: every agreement a concept)."""
    from herverdeling.register import Register, register_url

    found = register_url(resolve_scenario(scenario_name), url, must_exist=True)
    if found is None:
        return None
    reg = Register(found)
    snap = reg.snapshot(scenario.name, scenario.content_hash())
    others = {e.scenario_hash for e in reg.events(scenario.name)} - {snap.scenario_hash}
    note = (f"; ook stappen voor {len(others)} andere versie(s) van scenario {scenario.name}, "
            "hier niet gebruikt" if others else "")
    typer.echo(f"afsprakenregister {_shown(found)}: {len(snap.entries)} afspraken met vastgelegde "
               f"stappen{note}", err=True)
    return snap


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _d(value: date | None) -> str:
    return datum(value) if value is not None else "-"


@register_app.command("list")
def list_cmd(scenario: ScenarioOpt = DEFAULT_SCENARIO, db: DbOpt = None,
             proposals_file: ProposalsOpt = None, as_json: JsonOpt = False) -> None:
    """Elke afspraak met haar status en data (zonder stappen: concept)."""
    from herverdeling.register import KIND_NL, STEP_NL, Register, overview

    s, url = _open(scenario, db)
    rows = overview(_proposals(s, proposals_file), Register(url).snapshot(s.name, s.content_hash()))
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2, ensure_ascii=False))
        return
    header = ("afspraak", "soort", "status", "ondertekend", "PRT", "ministerie", "verwerkt",
              "ingetrokken")
    table = [header] + [(
        r.agreement_id + ("" if r.in_proposals else " (niet in deze voorstellen)"),
        KIND_NL[r.kind] if r.kind else "-", STEP_NL[r.entry.state], _d(r.entry.signed_on),
        _d(r.entry.prt_informed_on), _d(r.entry.ministry_informed_on),
        (f"{_d(r.entry.processed_on)} ({r.entry.amendment})" if r.entry.processed_on else "-"),
        _d(r.entry.withdrawn_on)) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        typer.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    counts: dict[str, int] = {}
    for r in rows:
        counts[STEP_NL[r.entry.state]] = counts.get(STEP_NL[r.entry.state], 0) + 1
    typer.echo(f"{len(rows)} afspraken: " + ", ".join(f"{n} {k}" for k, n in counts.items()), err=True)


@register_app.command("set")
def set_cmd(
    agreement_id: Annotated[str, typer.Argument(metavar="ID", help="De afspraak (zie `register list`).")],
    state: Annotated[str, typer.Argument(
        metavar="STATUS", help="ondertekend, prt-geinformeerd, ministerie-geinformeerd, verwerkt "
                               "of ingetrokken.")],
    on: Annotated[str, typer.Option("--datum", help="Datum van de stap, JJJJ-MM-DD.")],
    amendment: Annotated[str | None, typer.Option(
        "--wijziging", help="Bij 'verwerkt': de wijziging van het verdeelbesluit.")] = None,
    who: Annotated[str | None, typer.Option("--door", help="Wie de stap vastlegt.")] = None,
    comment: Annotated[str | None, typer.Option("--opmerking", help="Een toelichting.")] = None,
    scenario: ScenarioOpt = DEFAULT_SCENARIO,
    db: DbOpt = None,
    proposals_file: ProposalsOpt = None,
) -> None:
    """Leg één stap vast; een overgeslagen stap of een datum vóór de afspraak wordt geweigerd."""
    from herverdeling.register import STEP_NL, Register, agreements_from, parse_step

    step = parse_step(state)
    when = _date(on)
    s, url = _open(scenario, db)
    agreements = agreements_from(_proposals(s, proposals_file))
    if agreement_id not in agreements:
        raise RegisterError(f"onbekende afspraak {agreement_id!r}: niet in de voorstellen voor "
                            f"scenario {s.name} (zie `herverdeling register list`)")
    entry = Register(url).record(s.name, s.content_hash(), agreements[agreement_id], step, when,
                                 amendment=amendment, who=who, comment=comment)
    typer.echo(f"afspraak {agreement_id}: {STEP_NL[entry.state]} op {datum(when)} vastgelegd")


@register_app.command("history")
def history_cmd(
    agreement_id: Annotated[str, typer.Argument(metavar="ID")],
    scenario: ScenarioOpt = DEFAULT_SCENARIO,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Elke vastgelegde stap van één afspraak, met het moment van vastleggen (nooit overschreven)."""
    from herverdeling.register import STEP_NL, Register

    s, url = _open(scenario, db)
    events = Register(url).events(s.name, s.content_hash(), agreement_id)
    if as_json:
        typer.echo(json.dumps([e.model_dump(mode="json") for e in events], indent=2,
                              ensure_ascii=False))
        return
    if not events:
        typer.echo(f"afspraak {agreement_id}: geen stappen vastgelegd (concept)")
        return
    for e in events:
        extra = f" ({e.amendment})" if e.amendment else ""
        by = f", door {e.who}" if e.who else ""
        note = f": {e.comment}" if e.comment else ""
        typer.echo(f"{e.seq}. {STEP_NL[e.state]}{extra} op {datum(e.step_date)} "
                   f"(vastgelegd {e.recorded_at:%Y-%m-%d %H:%M:%S} UTC{by}){note}")


@register_app.command("export")
def export_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="Het Excel-bestand (.xlsx).")],
    scenario: ScenarioOpt = DEFAULT_SCENARIO,
    db: DbOpt = None,
    proposals_file: ProposalsOpt = None,
) -> None:
    """Het register als Excel: de stand per afspraak en alle stappen."""
    from herverdeling.register import Register, overview
    from herverdeling.register.export import write_xlsx

    if out.suffix.lower() != ".xlsx":
        raise RegisterError(f"{out}: --out moet een .xlsx-bestand zijn")
    s, url = _open(scenario, db)
    reg = Register(url)
    rows = overview(_proposals(s, proposals_file), reg.snapshot(s.name, s.content_hash()))
    write_xlsx(out, rows, reg.events(s.name, s.content_hash()))
    typer.echo(f"wrote {out}", err=True)
