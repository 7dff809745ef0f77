"""The surplus swaps as a readable table (what `herverdeling swaps` prints without --json)."""

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
