"""`herverdeling frontier [--scenario S] [--out DIR]`: the deal frontier (issue 14, point 4)."""

from pathlib import Path
from typing import Annotated

import typer

from herverdeling.cli.common import ScenarioOpt
from herverdeling.defaults import DEFAULT_FRONTIER, DEFAULT_SCENARIO


def frontier(
    scenario: ScenarioOpt = DEFAULT_SCENARIO,
    out: Annotated[Path, typer.Option("--out", "-o", help="Map voor frontier.csv, frontier.json en "
                                      "frontier.png.")] = Path("frontier"),
    settings: Annotated[str, typer.Option("--settings", help="Instellingen uit models/frontier/ "
                                          "(default) of een YAML-bestand.")] = DEFAULT_FRONTIER,
    force: Annotated[bool, typer.Option("--force", help="Vervang OUT als die er al is.")] = False,
) -> None:
    """De afwegingsgrens van de surplus-uitruil: ontlasting tegen overeenkomsten, partijen en
    afwijking van evenredig; elk punt is een volledige, getoetste set voorstellen
    (propose --frontier-point K)."""
    import json
    import time

    from herverdeling import __version__
    from herverdeling.documents.frontier import write_frontier
    from herverdeling.pipeline import frontier as compute
    from herverdeling.scenario.io import atomic_folder, load_scenario

    say = lambda line: typer.echo(line, err=True)  # noqa: E731
    started = time.perf_counter()
    s = load_scenario(scenario)
    with atomic_folder(out, force=force) as tmp:
        f = compute(s, settings, progress=say)
        write_frontier(tmp, f)
        manifest = {"version": __version__, "scenario": s.name, "scenario_hash": s.content_hash(),
                    "settings": f.settings, "deals": f.deals,
                    "seconds": round(time.perf_counter() - started, 1)}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    typer.echo(f"{'punt':>4} {'ontlast':>8} {'overeenk.':>9} {'partijen':>8} {'max':>4} "
               f"{'afwijking':>9} {'getoetst':>9}")
    for p in f.points:
        typer.echo(f"{p.point:>4} {p.relief:>8} {p.agreements:>9} {p.parties:>8} {p.max_parties:>4} "
                   f"{p.fairness:>9.1f} {p.passed}/{p.proposals:<6}")
    typer.echo(f"{len(f.points)} punten (van {f.candidates} berekend); meeste ontlasting: punt 1, "
               f"minste partijen: punt {f.fewest_parties.point}; bestanden in {out}")
