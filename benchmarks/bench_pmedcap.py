"""Benchmark: all pmedcap files, the portfolio (or --method ours / highs) against plain HiGHS.

Prints a markdown table (not part of pytest).
Usage: .venv/bin/python benchmarks/bench_pmedcap.py [--time-limit 60] [--no-highs] [--method M] [FILES...]
"""

from __future__ import annotations

import argparse
import os
import statistics
from pathlib import Path

from herverdeling.bench.pmedian import read_pmedcap
from herverdeling.bench.pmedian.solve import run_row
from herverdeling.cpsat import load_solver_params

DEFAULT = Path(__file__).resolve().parents[1] / "data" / "bench" / "pmedcap"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--no-highs", action="store_true")
    ap.add_argument("--method", default="portfolio", choices=["portfolio", "ours", "highs"])
    args = ap.parse_args()
    files = args.files or sorted(DEFAULT.glob("pmedcap1-*.txt"))
    params = load_solver_params("cpsat-bench").with_time_limit(args.time_limit)
    print(f"method: {args.method}; cap {args.time_limit:g} s")
    print("| file | known | ours | bound | status | ours s | incumbent | proof | ours-part status "
          "| ours-part bound | HiGHS | HiGHS bound | HiGHS s | ratio | worse on both | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    ratios = []
    for f in files:
        inst = read_pmedcap(f)
        r = run_row(inst, params, method=args.method, highs=not args.no_highs)
        if r.get("ratio") is not None:
            ratios.append(r["ratio"])
        print(f"| {inst.name} | {inst.optimum} | {r['objective']:.0f} | {r['best_bound']:.0f} | "
              f"{r['status']} | {r['seconds']:.2f} | {r['winner']} | {r['proved_by'] or '-'} | "
              f"{r['ours_status'] or '-'} | {r['ours_bound'] if r['ours_bound'] is not None else '-'} | "
              f"{r.get('highs_objective')} {r.get('highs_status')} | {r.get('highs_bound')} | "
              f"{r.get('highs_seconds', float('nan')):.2f} | {r.get('ratio')} | "
              f"{'YES' if r.get('worse_on_both') else 'no'} | {os.getloadavg()[0]:.1f} |", flush=True)
    if ratios:
        print(f"\nmedian ratio ours/HiGHS: {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
