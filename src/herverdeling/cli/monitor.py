"""`herverdeling monitor` and `herverdeling whatif`: the IBT monitor and failing realisers.

Both book the agreements that pass the check (a proposals file, or the chain's own proposals for
the scenario) onto the IBT ledger. `monitor` holds them against realised places (the scenario
folder's realisation.csv, or a province's monitor export given with --realisatie and --map);
`whatif` asks what happens when realisers realise only part of their places. With --out every
file is written into a temporary folder that is moved into place only when complete.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Literal

import typer

from herverdeling import __version__
from herverdeling.cli.common import ScenarioOpt
from herverdeling.defaults import DEFAULT_MONITOR, DEFAULT_SCENARIO
from herverdeling.errors import ScenarioError
from herverdeling.proposals import AnyProposal
from herverdeling.scenario.model import Scenario

ProposalsOpt = Annotated[Path | None, typer.Option(
    "--proposals", "-p", help="Afspraken uit dit proposals.json (alleen wat de toets doorstaat); "
    "zonder: de voorstellen die de keten voor het scenario maakt.")]
SettingsOpt = Annotated[str, typer.Option(
    "--settings", help="Instellingen uit models/monitor/ (naam of pad): toerekening, "
    "faalclausule-varianten, verdeling van de wat-als.")]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="Map voor de bestanden.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Vervang OUT als die al bestaat.")]


def _say(line: str) -> None:
    typer.echo(line, err=True)


def _agreements(scenario: Scenario, proposals_file: Path | None) -> tuple[AnyProposal, ...]:
    """The agreements to monitor: those of the file (or of the chain) that pass the check."""
    from herverdeling.checker.check import check
    from herverdeling.checker.io import read_proposals

    if proposals_file is not None:
        proposals = read_proposals(proposals_file)
        report = check(proposals, scenario)
    else:
        from herverdeling.pipeline import run_chain
        from herverdeling.run import RunSettings

        _say(f"geen --proposals: de keten maakt de voorstellen voor {scenario.name} ...")
        result = run_chain(scenario, RunSettings(scenario=scenario.name), progress=_say)
        assert result.report is not None  # run_chain always checks
        proposals, report = result.proposals, result.report
    failed = report.failed_ids()
    if failed:
        _say(f"niet geboekt (fouten, zie `herverdeling check`): {', '.join(failed)}")
    return tuple(p for p in proposals.proposals if report.passed(p.id))


def _manifest(command: str, scenario: Scenario, settings: str, started: float,
              **extra: object) -> dict[str, object]:
    return {"tool": "herverdeling", "version": __version__, "command": command,
            "scenario": {"name": scenario.name, "content_hash": scenario.content_hash()},
            "settings": settings, **extra, "total_s": round(time.perf_counter() - started, 3)}


def monitor(
    scenario: ScenarioOpt = DEFAULT_SCENARIO,
    proposals_file: ProposalsOpt = None,
    realisatie: Annotated[Path | None, typer.Option(
        "--realisatie", "-r", help="Realisatiecijfers: een monitorexport (Excel of CSV) of een "
        "realisation.csv; zonder: realisation.csv in de scenariomap, als die er is.")] = None,
    mapping: Annotated[list[str] | None, typer.Option(
        "--map", "-m", help="VELD=KOLOM, bijv. realised=Gerealiseerd. Velden: cbs_code, name, "
        "category, realised, realised_regulier, realised_amv, date, source; ignore=KOLOM slaat "
        "een kolom over.")] = None,
    sheet: Annotated[str | None, typer.Option(help="Excel-blad (standaard: het enige zichtbare).")]
    = None,
    variant: Annotated[str | None, typer.Option(
        "--variant", help="Faalclausule-variant uit de instellingen (standaard: clausules).")] = None,
    settings: SettingsOpt = DEFAULT_MONITOR,
    out: OutOpt = None,
    force: ForceOpt = False,
    all_rows: Annotated[bool, typer.Option("--alle", help="Toon elke gemeente.")] = False,
) -> None:
    """IBT-monitor: per gemeente en categorie de taak na de afspraken, gerealiseerd, het tekort,
    wie aanspreekbaar is en wat de faalclausule ermee doet."""
    from herverdeling.monitor import load_monitor_settings
    from herverdeling.monitor import monitor as run_monitor
    from herverdeling.monitor.writers import manifest_json, render_monitor, write_monitor
    from herverdeling.scenario.io import atomic_folder, load_scenario, resolve_scenario
    from herverdeling.scenario.realisation import (
        REALISATION_FIELDS,
        Realisation,
        read_realisation,
        scenario_realisation,
    )
    from herverdeling.scenario.tables import parse_mapping

    started = time.perf_counter()
    st = load_monitor_settings(settings)
    st.variant(variant)  # an unknown variant fails before any work
    s = load_scenario(scenario)
    if realisatie is not None:
        real = read_realisation(realisatie, s, parse_mapping(mapping or [], REALISATION_FIELDS),
                                sheet=sheet)
    else:
        if mapping or sheet:
            raise ScenarioError("--map and --sheet apply to --realisatie FILE; give the file")
        folder = resolve_scenario(scenario)
        real = scenario_realisation(folder, s) if folder.is_dir() else Realisation()
    agreements = _agreements(s, proposals_file)
    m = run_monitor(s, agreements, real, st, variant=variant)
    typer.echo(render_monitor(m, all_rows=all_rows))
    if out is not None:
        with atomic_folder(out, force=force) as tmp:
            files = write_monitor(tmp, m, s, real)
            (tmp / "manifest.json").write_text(manifest_json(_manifest(
                "monitor", s, st.id, started, variant=m.variant, realisation=real.file,
                agreements=[p.id for p in agreements],
                files=sorted([f.name for f in files] + ["manifest.json"]))), encoding="utf-8")
        _say(f"geschreven: {out}")


def whatif(
    scenario: ScenarioOpt = DEFAULT_SCENARIO,
    proposals_file: ProposalsOpt = None,
    settings: SettingsOpt = DEFAULT_MONITOR,
    method: Annotated[str | None, typer.Option(
        "--methode", help="exact of simulatie (standaard: exact waar het rekenwerk klein genoeg is, "
        "anders simulatie).")] = None,
    out: OutOpt = None,
    force: ForceOpt = False,
) -> None:
    """Wat als realiserende partijen maar een deel realiseren: verwacht en P90 niet gerealiseerd,
    gemeenten weer aanspreekbaar, afspraken in gevaar, faalclausules vergeleken."""
    from herverdeling.monitor import load_monitor_settings, what_if
    from herverdeling.monitor.writers import manifest_json, render_whatif, write_whatif
    from herverdeling.scenario.io import atomic_folder, load_scenario

    methods: dict[str, Literal["exact", "simulation"]] = {"exact": "exact", "simulatie": "simulation",
                                                         "simulation": "simulation"}
    if method is not None and method not in methods:
        raise ScenarioError(f"--methode must be exact or simulatie, got {method!r}")
    started = time.perf_counter()
    st = load_monitor_settings(settings)
    s = load_scenario(scenario)
    agreements = _agreements(s, proposals_file)
    _say(f"wat-als over {len(agreements)} afspraken ...")
    w = what_if(s, agreements, st, method=None if method is None else methods[method])
    typer.echo(render_whatif(w, s), nl=False)
    if out is not None:
        with atomic_folder(out, force=force) as tmp:
            files = write_whatif(tmp, w, s)
            (tmp / "manifest.json").write_text(manifest_json(_manifest(
                "whatif", s, st.id, started, method=w.method, seed=w.seed, draws=w.draws,
                agreements=[p.id for p in agreements],
                files=sorted([f.name for f in files] + ["manifest.json"]))), encoding="utf-8")
        _say(f"geschreven: {out}")
