"""`herverdeling swaps`: cross-province surplus swaps as a table or JSON."""

from pathlib import Path
from typing import Annotated

import typer

from herverdeling.scenario.model import CATEGORIES, Scenario
from herverdeling.surplus.result import SurplusResult


def render_table(scenario: Scenario, result: SurplusResult) -> str:
    """Readable summary: per swap source -> sink province, places per category, relieved municipalities."""
    lines = [f"Surplus swaps, scenario {scenario.name}, policy {result.policy}", ""]
    for s in result.summaries:
        lines.append(f"  {s.category:<9} surplus {s.total_surplus:>7}  relief capacity {s.total_capacity:>7}"
                     f"  relieved {s.relief:>7}  unused surplus {s.unused_surplus:>7}")
    lines.append("")
    header = f"{'source -> sink':<16}{'regulier':>9}{'amv':>6}  relieved municipalities"
    lines += [header, "-" * len(header)]
    for p in result.proposals:
        relieved: dict[str, dict[str, int]] = {}
        for (code, cat), places in p.relieved().items():
            relieved.setdefault(code, dict.fromkeys(CATEGORIES, 0))[cat] = int(places)
        lines.append(f"{p.source_province + ' -> ' + p.sink_province:<16}{int(p.places('regulier')):>9}"
                     f"{int(p.places('amv')):>6}  {len(relieved)} gemeenten, "
                     f"{len({t.to_code for t in p.transfers})} bron")
        for code, per in sorted(relieved.items()):
            lines.append(f"{'':<16}{per['regulier']:>9}{per['amv']:>6}    {code} "
                         f"{scenario.municipality(code).name}")
    total = {c: sum(int(p.places(c)) for p in result.proposals) for c in CATEGORIES}
    lines += ["-" * len(header), f"{'total':<16}{total['regulier']:>9}{total['amv']:>6}", "",
              "Per swap: the relieved municipalities realise fewer places (P5), backed by the extra "
              "places of the source municipalities; coordinated by both commissarissen van de Koning (P6)."]
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    from herverdeling.cli import JsonOpt, ScenarioOpt, emit, fail

    @app.command()
    def swaps(
        scenario: ScenarioOpt = "nl-2025",
        policy: Annotated[str, typer.Option(
            "--policy", "-p", help="proportional (default), nearest, small-first, or a policy YAML file.",
        )] = "proportional",
        as_json: JsonOpt = False,
        out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file.")] = None,
    ) -> None:
        """Cross-province surplus swaps: plusprovincies relieve municipalities with a restopgave."""
        from herverdeling.errors import HerverdelingError
        from herverdeling.scenario.io import load_scenario
        from herverdeling.surplus import propose_surplus_swaps

        try:
            s = load_scenario(scenario)
            result = propose_surplus_swaps(s, policy)
        except HerverdelingError as exc:
            raise fail(exc) from None
        emit(result.model_dump_json(indent=2) if as_json else render_table(s, result), out)
