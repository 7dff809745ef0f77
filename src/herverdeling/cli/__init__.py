"""The thin command line: parse options, call one library function, print.

Exit codes: 0 success; 1 the check found errors (or a model is infeasible); 2 bad input.
The CLI imports the stages, never the reverse: one module here per command group, registered
below. A command lets its `HerverdelingError` rise; `_Root.invoke` turns it into one line on stderr
and the error's exit code, for the console script and for typer's test runner alike.
"""

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from herverdeling import __version__
from herverdeling.cli.bench import bench_app
from herverdeling.cli.checker import check_cmd, ledger_cmd
from herverdeling.cli.documents import propose
from herverdeling.cli.explorer import app_command
from herverdeling.cli.frontier import frontier
from herverdeling.cli.mergers import mergers
from herverdeling.cli.monitor import monitor, whatif
from herverdeling.cli.register import register_app
from herverdeling.cli.scenario import import_table, scenarios, show
from herverdeling.cli.surplus import swaps
from herverdeling.cli.sweep import sweep
from herverdeling.cli.uitruil import uitruil
from herverdeling.errors import HerverdelingError

__all__ = ["app", "main"]


class _Root(TyperGroup):
    """The root group: every command and subgroup runs inside its `invoke`."""

    # ctx is typer's click Context: click itself, or the copy newer typers vendor (typer._click)
    def invoke(self, ctx: Any) -> Any:
        """The one place a `HerverdelingError` becomes `error: <message>` and its exit code."""
        try:
            return super().invoke(ctx)
        except HerverdelingError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(code=exc.exit_code) from None


app = typer.Typer(
    name="herverdeling",
    cls=_Root,
    help="Uitruil- en samenvoegvoorstellen voor de Spreidingswet, regel voor regel getoetst.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"herverdeling {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Toon de versie."),
    ] = False,
) -> None:
    """Root options."""


# The order here is the order of `herverdeling --help`.
app.command()(scenarios)
app.command()(show)
app.command(name="import")(import_table)
app.command()(swaps)
app.command()(mergers)
app.command(name="check")(check_cmd)
app.command(name="ledger")(ledger_cmd)
app.command(name="uitruil")(uitruil)
app.command()(propose)
app.command()(monitor)
app.command()(whatif)
app.add_typer(register_app, name="register")
app.command()(frontier)
app.add_typer(bench_app, name="bench")
app.command()(sweep)
app.command(name="app")(app_command)


def main() -> None:
    """The console script: an unwritable path is one line, never a traceback (Ctrl-C exits 130)."""
    try:
        app()
    except OSError as exc:  # a path the commands did not map to a typed error
        where = f"{exc.filename}: " if exc.filename else ""
        typer.echo(f"error: {where}{exc.strerror or exc}", err=True)
        raise SystemExit(2) from None
