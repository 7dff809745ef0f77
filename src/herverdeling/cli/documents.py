"""`herverdeling propose`: scenario to papers in one command."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from herverdeling.cli.common import ScenarioOpt
from herverdeling.cli.register import RegisterOpt, snapshot_for
from herverdeling.defaults import DEFAULT_FRONTIER, DEFAULT_POLICY, DEFAULT_SCENARIO, DEFAULT_SURPLUS_MODEL


class SurplusModel(StrEnum):
    """`--surplus-model`: the deal model or the min-cost flow (typer lists the choices)."""

    deals = "deals"
    flow = "flow"


_DEFAULT_MODEL = SurplusModel(DEFAULT_SURPLUS_MODEL)


def propose(
    scenario: ScenarioOpt = DEFAULT_SCENARIO,
    out: Annotated[Path, typer.Option("--out", "-o", help="Map voor de stukken.")] = Path("out"),
    surplus_model: Annotated[SurplusModel, typer.Option(
        "--surplus-model", help="Hoe de surplus-uitruil wordt berekend: deals (standaard: het "
        "dealmodel, weinig partijen, hele ontlastingen, één plusprovincie per ontlasting, ook "
        "getoetst aan D1-D4) of flow (de min-cost flow van --policy).")] = _DEFAULT_MODEL,
    deals: Annotated[str | None, typer.Option(
        help="Instelling van het dealmodel uit models/deals/ (default, proportional, nearest, "
             "small-first); standaard default. Zet --surplus-model op deals.")] = None,
    policy: Annotated[str, typer.Option(help="Verdeelbeleid van de min-cost flow (alleen bij "
                                        "--surplus-model flow): proportional, nearest of "
                                        "small-first.")] = DEFAULT_POLICY,
    frontier_point: Annotated[int | None, typer.Option(
        "--frontier-point", help="Maak de surplus-uitruil als afweging K van de afwegingen "
             "(`herverdeling frontier`, dezelfde nummering).")] = None,
    frontier: Annotated[str, typer.Option(
        "--frontier", help="Instellingen van de afwegingen (models/frontier/) voor --frontier-point.",
    )] = DEFAULT_FRONTIER,
    force: Annotated[bool, typer.Option("--force", help="Vervang OUT als die al bestaat.")] = False,
    register: RegisterOpt = None,
) -> None:
    """Surplus-uitruil, samenvoegingen en uitruil; toets elk voorstel; schrijf de stukken."""
    if surplus_model is SurplusModel.flow and deals is not None:
        raise typer.BadParameter("geldt alleen bij --surplus-model deals", param_hint="--deals")
    if surplus_model is SurplusModel.deals and policy != DEFAULT_POLICY:
        raise typer.BadParameter("geldt alleen bij --surplus-model flow; kies een instelling van het "
                                 "dealmodel met --deals", param_hint="--policy")
    from herverdeling.pipeline import propose as run  # the writers load only when run (fast --help)
    from herverdeling.scenario.io import load_scenario

    s = load_scenario(scenario)
    run(s, out, policy=policy, deals=deals, surplus_model=surplus_model.value, frontier_point=frontier_point,
        frontier_settings=frontier, force=force,
        progress=lambda line: typer.echo(line, err=True), register=snapshot_for(scenario, s, register))
