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
                                                 help="Only this province (two-letter code).")] = None,
    as_json: JsonOpt = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the output to FILE.")] = None,
    cross_border: Annotated[bool, typer.Option(
        "--cross-border", help="Let plusprovincie hosts absorb small tasks of neighbouring "
        "restopgave provinces within their whole surplus (surplus swaps, point 2).")] = False,
    require_viable: Annotated[bool, typer.Option(
        "--require-viable", help="Every small task must end in a viable location.")] = False,
) -> None:
    """Samenvoegen van kleine reguliere en amv-taken bij gastgemeenten (S1-S4), bewezen optimaal."""
    s = load_scenario(scenario)
    settings = load_merger_settings(cross_border=cross_border, require_viable=require_viable)
    result = propose_mergers(s, settings, province=s.resolve_province(province) if province else None)
    text = result.model_dump_json(indent=2) if as_json else f"{result.summary()}\n{STANDALONE_NOTE}"
    emit(text, out)
