"""`herverdeling swaps`: cross-province surplus swaps as a table or JSON."""

from pathlib import Path
from typing import Annotated

import typer

from herverdeling.cli.common import JsonOpt, ScenarioOpt, emit
from herverdeling.defaults import DEFAULT_POLICY, DEFAULT_SCENARIO
from herverdeling.scenario.io import load_scenario
from herverdeling.surplus import propose_surplus_swaps
from herverdeling.surplus.render import render_table


def swaps(
    scenario: ScenarioOpt = DEFAULT_SCENARIO,
    policy: Annotated[str, typer.Option(
        "--policy", "-p", help="proportional (standaard), nearest, small-first, of een "
        "YAML-bestand met een verdeelbeleid.",
    )] = DEFAULT_POLICY,
    as_json: JsonOpt = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Schrijf naar dit bestand.")] = None,
) -> None:
    """Surplus-uitruil tussen provincies: plusprovincies ontlasten gemeenten met een restopgave."""
    s = load_scenario(scenario)
    result = propose_surplus_swaps(s, policy)
    emit(result.model_dump_json(indent=2) if as_json else render_table(s, result), out)
