"""`scenarios`, `show` and `import`: the scenario stage on the command line."""

import json
from pathlib import Path
from typing import Annotated

import typer

from herverdeling.cli.common import JsonOpt, ScenarioOpt
from herverdeling.defaults import DEFAULT_SCENARIO
from herverdeling.errors import HerverdelingError
from herverdeling.scenario.io import bundled_scenarios, load_scenario, write_scenario
from herverdeling.scenario.tables import import_verdeelbesluit, parse_mapping
from herverdeling.scenario.views import province_overview, render_overview


def scenarios() -> None:
    """List the bundled scenarios."""
    for name in bundled_scenarios():
        try:
            title = load_scenario(name).title
        except HerverdelingError as exc:  # one broken scenario must not hide the others
            title = f"(invalid: {exc})"
        typer.echo(f"{name}\t{title}")


def show(scenario: ScenarioOpt = DEFAULT_SCENARIO, as_json: JsonOpt = False) -> None:
    """Per province: opgave, verdeelbesluit, surplus, restopgave and small tasks, per category."""
    s = load_scenario(scenario)
    rows = province_overview(s)
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        typer.echo(render_overview(s, rows))


def import_table(
    table: Annotated[Path, typer.Argument(help="Excel (.xlsx) or CSV verdeelbesluit table.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the new scenario.")],
    scenario: ScenarioOpt = DEFAULT_SCENARIO,
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
    base = load_scenario(scenario)
    new = import_verdeelbesluit(base, table, parse_mapping(mapping or []), sheet=sheet,
                                name=name or f"{base.name}+{table.stem}")
    write_scenario(new, out, force=force)
    typer.echo(f"wrote scenario {new.name} to {out}")
