"""`scenarios`, `show` and `import`: the scenario stage on the command line."""

import json
from pathlib import Path
from typing import Annotated

import typer

from herverdeling.cli.common import JsonOpt, ScenarioOpt
from herverdeling.defaults import DEFAULT_SCENARIO
from herverdeling.errors import HerverdelingError, ScenarioError
from herverdeling.scenario.io import bundled_scenarios, load_scenario, write_scenario
from herverdeling.scenario.tables import import_verdeelbesluit, parse_mapping
from herverdeling.scenario.views import province_overview, render_overview
from herverdeling.scenario.wishes import PARTNER_FIELDS, PREFERENCE_FIELDS, import_wishes


def scenarios() -> None:
    """De meegeleverde scenario's."""
    for name in bundled_scenarios():
        try:
            title = load_scenario(name).title
        except HerverdelingError as exc:  # one broken scenario must not hide the others
            title = f"(invalid: {exc})"
        typer.echo(f"{name}\t{title}")


def show(scenario: ScenarioOpt = DEFAULT_SCENARIO, as_json: JsonOpt = False) -> None:
    """Per provincie en categorie: opgave, verdeelbesluit, surplus, restopgave en kleine taken."""
    s = load_scenario(scenario)
    rows = province_overview(s)
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        typer.echo(render_overview(s, rows))


_WISH_KINDS = {"voorkeuren": "preferences", "preferences": "preferences",
               "partners": "partners"}


def import_table(
    table: Annotated[Path, typer.Argument(help="Tabel met het verdeelbesluit, Excel (.xlsx) of CSV; "
                                         "met --wensen een tabel met wensen.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Map voor het nieuwe scenario.")],
    scenario: ScenarioOpt = DEFAULT_SCENARIO,
    mapping: Annotated[
        list[str] | None,
        typer.Option("--map", "-m", help="FIELD=COLUMN, e.g. cbs_code=Gemeentecode. Fields: "
                     "cbs_code, name, province, verdeelbesluit_regulier, verdeelbesluit_amv, "
                     "restopgave_regulier, restopgave_amv, own_plan_regulier, own_plan_amv, "
                     "may_host; met --wensen voorkeuren: cbs_code, name, relief, back_surplus, "
                     "host; met --wensen partners: sink, source, partner. Unmapped fields use "
                     "their own name if the table has it; ignore=COLUMN skips a column (any "
                     "other column is an error)."),
    ] = None,
    wishes: Annotated[str | None, typer.Option(
        "--wensen", help="De tabel bevat wensen in plaats van een verdeelbesluit: 'voorkeuren' "
        "(per gemeente relief gewenst/geweigerd/geen voorkeur, back_surplus en host ja/nee; "
        "wordt preferences.csv) of 'partners' (per restopgaveprovincie sink en plusprovincie "
        "source: voorkeur/toegestaan/geweigerd; wordt partners.csv). De tabel vervangt die "
        "wensen van het scenario; de andere soort blijft.")] = None,
    sheet: Annotated[str | None, typer.Option(help="Naam van het Excel-werkblad (standaard: het "
                                              "enige zichtbare).")] = None,
    name: Annotated[str | None, typer.Option(help="Naam van het nieuwe scenario.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Vervang OUT als die er al is.")] = False,
) -> None:
    """Neem de eigen verdeelbesluitcijfers van een provincie, of haar wensen (--wensen), op in een
    scenario (in een nieuwe map)."""
    kind = None
    if wishes is not None:
        kind = _WISH_KINDS.get(wishes.strip().lower())
        if kind is None:
            raise ScenarioError(f"--wensen must be voorkeuren or partners, got {wishes!r}")
    base = load_scenario(scenario)
    new_name = name or f"{base.name}+{table.stem}"
    if kind is None:
        new = import_verdeelbesluit(base, table, parse_mapping(mapping or []), sheet=sheet,
                                    name=new_name)
    else:
        fields = PREFERENCE_FIELDS if kind == "preferences" else PARTNER_FIELDS
        new = import_wishes(base, table, kind, parse_mapping(mapping or [], fields), sheet=sheet,
                            name=new_name)
    write_scenario(new, out, force=force)
    typer.echo(f"wrote scenario {new.name} to {out}")
    if kind is not None:
        p = new.preferences
        typer.echo(f"{len(p.municipalities)} voorkeuren, {len(p.partners)} partnerwensen")
