"""`herverdeling mergers`: merger proposals per province and category."""

from pathlib import Path
from typing import Annotated

import typer

from herverdeling.cli.common import JsonOpt, ScenarioOpt, emit
from herverdeling.defaults import DEFAULT_SCENARIO
from herverdeling.mergers import load_merger_settings, propose_mergers
from herverdeling.scenario.io import load_scenario

# Standalone the stage may use every place; inside `propose` it runs after the surplus swaps and gets
# only what they left (G3: no place counted twice), so the two counts differ without this line.
STANDALONE_NOTE = ("note: this stage alone; `herverdeling propose` runs it after the surplus swaps "
                   "(G3: no place counted twice), so it may propose fewer.")


def mergers(
    scenario: ScenarioOpt = DEFAULT_SCENARIO,
    province: Annotated[str | None, typer.Option("--province", "-p",
                                                 help="Alleen deze provincie (twee letters).")] = None,
    as_json: JsonOpt = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Schrijf naar dit bestand.")] = None,
    cross_border: Annotated[bool, typer.Option(
        "--cross-border", help="Laat gastgemeenten in plusprovincies kleine taken van "
        "naburige provincies met een restopgave opnemen, binnen hun hele surplus "
        "(surplus-uitruil, punt 2).")] = False,
    require_viable: Annotated[bool, typer.Option(
        "--require-viable", help="Elke kleine taak moet in een levensvatbare locatie eindigen.")] = False,
) -> None:
    """Samenvoegen van kleine reguliere en amv-taken bij gastgemeenten (S1-S4), bewezen optimaal."""
    s = load_scenario(scenario)
    settings = load_merger_settings(cross_border=cross_border, require_viable=require_viable)
    result = propose_mergers(s, settings, province=s.resolve_province(province) if province else None)
    text = result.model_dump_json(indent=2) if as_json else f"{result.summary()}\n{STANDALONE_NOTE}"
    emit(text, out)
