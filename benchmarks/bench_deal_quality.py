"""Deal quality before and after the deal model (issue 14, point 5), on one scenario.

Runs the one chain per policy: surplus swaps by the min-cost flow (its three policies) and by the
deal model (its four presets; `default` is what `propose` does), and writes the deal-quality
figures of `herverdeling.metrics` side by side to benchmarks/reports/deal-quality.md. Wall-clock
seconds are stated with the load.

    python benchmarks/bench_deal_quality.py [--scenario nl-2025]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from herverdeling.metrics import measure_run
from herverdeling.pipeline import run_chain
from herverdeling.run import RunSettings
from herverdeling.scenario.io import load_scenario

REPORT = Path(__file__).resolve().parent / "reports" / "deal-quality.md"
ROWS = [("relief (places)", lambda m: m.total("relief_achieved")),
        ("swap agreements", lambda m: m.deals.swap_agreements),
        ("max parties per swap agreement", lambda m: m.deals.swap_parties_max),
        ("median parties per swap agreement", lambda m: m.deals.swap_parties_median),
        ("tiny reliefs (< min_relief, task not cleared)", lambda m: m.deals.tiny_reliefs),
        ("residues (0 < task left < norm)", lambda m: m.deals.residues),
        ("split reliefs (> 1 plusprovincie)", lambda m: m.deals.split_reliefs),
        ("role conflicts (relieved and host/realiser)", lambda m: m.deals.role_conflicts),
        ("municipalities involved", lambda m: m.deals.municipalities_involved),
        ("mergers", lambda m: m.agreements.mergers),
        ("uitruil agreements", lambda m: m.agreements.uitruil),
        ("non-viable places after", lambda m: m.total("nonviable_places_after")),
        ("checker pass rate", lambda m: m.check.pass_rate)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scenario", default="nl-2025")
    ap.add_argument("--deals", default="default,proportional,nearest,small-first",
                    help="deal presets, comma-separated")
    args = ap.parse_args()
    s = load_scenario(args.scenario)
    cols = []
    runs = [(f"before: flow, {p}", RunSettings(scenario=s.name, surplus_model="flow", policy=p))
            for p in ("proportional", "nearest", "small-first")]
    runs += [(f"after: deals, {d}", RunSettings(scenario=s.name, surplus_model="deals", deals=d))
             for d in args.deals.split(",")]
    for label, settings in runs:
        load = os.getloadavg()[0]
        t = time.perf_counter()
        result = run_chain(s, settings)
        seconds = time.perf_counter() - t
        m = measure_run(s, result)
        cols.append((label, m, seconds, load))
        print(f"{label}: {seconds:.1f} s (load {load:.2f})", flush=True)
    lines = [f"# Deal quality before and after the deal model ({s.name})", "",
             "Measured by `benchmarks/bench_deal_quality.py` with `herverdeling.metrics` "
             "(definitions in `DealMetrics`). Both columns are whole chains (surplus swaps, mergers, "
             "uitruil, checker); the after column is judged by D1-D4 too.", "",
             "| figure | " + " | ".join(c[0] for c in cols) + " |",
             "|---|" + "---|" * len(cols)]
    for name, get in ROWS:
        lines.append(f"| {name} | " + " | ".join(str(get(c[1])) for c in cols) + " |")
    lines.append("| chain seconds (load at start) | " + " | ".join(
        f"{c[2]:.1f} ({c[3]:.2f})" for c in cols) + " |")
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {REPORT}")


if __name__ == "__main__":
    main()
