"""What every command group shares: the `--scenario` and `--json` options and `emit`.

Errors are not handled here: a command lets its `HerverdelingError` rise, and the root group in
`herverdeling.cli` turns it into one line and the error's exit code.
"""

from pathlib import Path
from typing import Annotated

import typer

from herverdeling.scenario.io import atomic_write_text

ScenarioOpt = Annotated[
    str,
    typer.Option("--scenario", "-s", help="Een meegeleverd scenario (zie `scenarios`) of een scenariomap."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="JSON in plaats van een tabel.")]


def emit(text: str, out: Path | None) -> None:
    """Print, or write to a file (whole or not at all)."""
    if out is None:
        typer.echo(text)
        return
    atomic_write_text(out, text + "\n")
    typer.echo(f"wrote {out}", err=True)
