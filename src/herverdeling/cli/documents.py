"""`herverdeling propose`: scenario to papers in one command."""

from pathlib import Path
from typing import Annotated

import typer

from herverdeling.cli.common import ScenarioOpt
from herverdeling.cli.register import RegisterOpt, snapshot_for
from herverdeling.defaults import DEFAULT_FRONTIER, DEFAULT_POLICY, DEFAULT_SCENARIO


def propose(
    scenario: ScenarioOpt = DEFAULT_SCENARIO,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out"),
    policy: Annotated[str, typer.Option(help="Surplus allocation policy: proportional, "
                                        "nearest or small-first.")] = DEFAULT_POLICY,
    deals: Annotated[str | None, typer.Option(
        help="Make the surplus swaps with the deal model, preset from models/deals/ (default, "
             "proportional, nearest, small-first): few, whole, single-source reliefs, checked by "
             "D1-D4 too. Takes about a minute on nl-2025.")] = None,
    frontier_point: Annotated[int | None, typer.Option(
        "--frontier-point", help="Make the surplus swaps as point K of the deal frontier "
             "(`herverdeling frontier`, same numbering).")] = None,
    frontier: Annotated[str, typer.Option(
        "--frontier", help="Frontier settings (models/frontier/) for --frontier-point.",
    )] = DEFAULT_FRONTIER,
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it exists.")] = False,
    register: RegisterOpt = None,
) -> None:
    """Surplus-uitruil, samenvoegingen en uitruil; toets elk voorstel; schrijf de stukken."""
    from herverdeling.pipeline import propose as run  # the writers load only when run (fast --help)
    from herverdeling.scenario.io import load_scenario

    s = load_scenario(scenario)
    run(s, out, policy=policy, deals=deals, frontier_point=frontier_point,
        frontier_settings=frontier, force=force,
        progress=lambda line: typer.echo(line, err=True), register=snapshot_for(scenario, s, register))
