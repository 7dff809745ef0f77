"""`herverdeling propose`: scenario to papers in one command."""


from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    from herverdeling.cli import ScenarioOpt, fail

    @app.command()
    def propose(
        scenario: ScenarioOpt = "nl-2025",
        out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out"),
        policy: Annotated[str, typer.Option(help="Surplus allocation policy: proportional, "
                                            "nearest or small-first.")] = "proportional",
        force: Annotated[bool, typer.Option("--force", help="Replace OUT if it exists.")] = False,
    ) -> None:
        """Surplus swaps, mergers and uitruil; check every proposal; write agreements and overviews."""
        from herverdeling.errors import HerverdelingError
        from herverdeling.pipeline import propose as run

        try:
            run(scenario, out, policy=policy, force=force,
                progress=lambda line: typer.echo(line, err=True))
        except HerverdelingError as exc:
            raise fail(exc) from None
