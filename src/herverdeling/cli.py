"""The thin command line: parse options, call one library function, print, map errors to exits.

Exit codes: 0 success; 1 the check found errors (or a model is infeasible); 2 bad input.
Each stage registers its own commands from its `commands` module (see `_register`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from herverdeling import __version__
from herverdeling.errors import HerverdelingError

app = typer.Typer(
    name="herverdeling",
    help="Uitruil- en samenvoegvoorstellen voor de Spreidingswet, regel voor regel getoetst. "
    "Proposals to swap and merge asylum-reception tasks, checked rule by rule.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ScenarioOpt = Annotated[
    str,
    typer.Option("--scenario", "-s", help="A bundled scenario name (see `scenarios`) or a folder."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"herverdeling {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Root options."""


def fail(exc: HerverdelingError) -> typer.Exit:
    """One clear line on stderr and the error's exit code."""
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(code=exc.exit_code)


def emit(text: str, out: Path | None) -> None:
    """Print, or write to a file (whole or not at all)."""
    from herverdeling.scenario.io import atomic_write_text

    if out is None:
        typer.echo(text)
        return
    try:
        atomic_write_text(out, text + "\n")
    except HerverdelingError as exc:
        raise fail(exc) from None
    typer.echo(f"wrote {out}", err=True)


@app.command()
def scenarios() -> None:
    """List the bundled scenarios."""
    from herverdeling.scenario.io import bundled_scenarios, load_scenario

    for name in bundled_scenarios():
        try:
            title = load_scenario(name).title
        except HerverdelingError as exc:
            title = f"(invalid: {exc})"
        typer.echo(f"{name}\t{title}")


@app.command()
def show(scenario: ScenarioOpt = "nl-2025", as_json: JsonOpt = False) -> None:
    """Per province: opgave, verdeelbesluit, surplus, restopgave and small tasks, per category."""
    from herverdeling.scenario.io import load_scenario
    from herverdeling.scenario.views import province_overview, render_overview

    try:
        s = load_scenario(scenario)
    except HerverdelingError as exc:
        raise fail(exc) from None
    rows = province_overview(s)
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        typer.echo(render_overview(s, rows))


@app.command(name="import")
def import_table(
    table: Annotated[Path, typer.Argument(help="Excel (.xlsx) or CSV verdeelbesluit table.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the new scenario.")],
    scenario: ScenarioOpt = "nl-2025",
    mapping: Annotated[
        list[str] | None,
        typer.Option("--map", "-m", help="FIELD=COLUMN, e.g. cbs_code=Gemeentecode. Fields: "
                     "cbs_code, name, province, verdeelbesluit_regulier, verdeelbesluit_amv, "
                     "restopgave_regulier, restopgave_amv, own_plan_regulier, own_plan_amv, "
                     "may_host. Unmapped fields use their own name if the table has it; "
                     "ignore=COLUMN skips a column (any other column is an error)."),
    ] = None,
    sheet: Annotated[str | None, typer.Option(help="Excel sheet name (default: the only visible "
                                              "sheet).")] = None,
    name: Annotated[str | None, typer.Option(help="Name of the new scenario.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it exists.")] = False,
) -> None:
    """Bring a province's own verdeelbesluit numbers into a scenario (written to a new folder)."""
    from herverdeling.scenario.io import load_scenario, write_scenario
    from herverdeling.scenario.tables import import_verdeelbesluit, parse_mapping

    try:
        base = load_scenario(scenario)
        new = import_verdeelbesluit(base, table, parse_mapping(mapping or []), sheet=sheet,
                                    name=name or f"{base.name}+{table.stem}")
        write_scenario(new, out, force=force)
    except HerverdelingError as exc:
        raise fail(exc) from None
    typer.echo(f"wrote scenario {new.name} to {out}")


def _register() -> None:
    """Stage commands live beside their stage; each module exposes `register(app)`."""
    import importlib

    for module in (
        "herverdeling.surplus.commands",
        "herverdeling.mergers.commands",
        "herverdeling.checker.commands",
        "herverdeling.uitruil.commands",
        "herverdeling.documents.commands",
        "herverdeling.bench.commands",
        "herverdeling.bench.sweep_commands",
        "herverdeling.app.commands",
    ):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and (module == exc.name or module.startswith(exc.name + ".")):
                continue  # that stage is not built yet
            raise
        mod.register(app)


_register()


def main() -> None:
    """The console script: an unwritable path is one line, never a traceback (Ctrl-C exits 130)."""
    try:
        app()
    except OSError as exc:  # a path the commands did not map to a typed error
        where = f"{exc.filename}: " if exc.filename else ""
        typer.echo(f"error: {where}{exc.strerror or exc}", err=True)
        raise SystemExit(2) from None
