"""`herverdeling uitruil`: the uitruil proposals of a scenario, alone."""

from typing import Annotated

import typer

from herverdeling.cli.common import JsonOpt, ScenarioOpt
from herverdeling.defaults import DEFAULT_SCENARIO, DEFAULT_UITRUIL_SETTINGS
from herverdeling.scenario.io import load_scenario
from herverdeling.uitruil import load_uitruil_settings, propose_uitruil

# Standalone the stage may use every place; inside `propose` it runs after the surplus swaps and the
# mergers and gets only what they left (G3: no place counted twice), so the counts differ.
STANDALONE_NOTE = ("note: this stage alone; `herverdeling propose` runs it after the surplus swaps "
                   "and mergers (G3: no place counted twice), so it may propose fewer.")


def uitruil(
    scenario: ScenarioOpt = DEFAULT_SCENARIO,
    province: Annotated[
        str | None, typer.Option("--province", "-p", help="Alleen deze provincie (bijv. NH).")
    ] = None,
    settings: Annotated[
        str, typer.Option("--settings", help="Een naam onder models/uitruil/ of een YAML-bestand.")
    ] = DEFAULT_UITRUIL_SETTINGS,
    max_cycle_length: Annotated[
        int | None, typer.Option("--max-cycle-length", min=2, max=3,
                                 help="2: alleen paren; 3: ook kringen van drie gemeenten "
                                      "(standaard: uit de instellingen).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Uitruil binnen een provincie: verzoeken om plaatsen over te dragen, gekoppeld aan aanbod."""
    s = load_scenario(scenario)
    cfg = load_uitruil_settings(settings)
    if max_cycle_length is not None:
        cfg = cfg.model_validate({**cfg.model_dump(), "max_cycle_length": max_cycle_length})
    result = propose_uitruil(s, cfg, province=s.resolve_province(province) if province else None)
    typer.echo(result.model_dump_json(indent=2) if as_json else f"{result.summary()}\n{STANDALONE_NOTE}")
