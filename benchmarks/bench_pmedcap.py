"""Benchmark: all pmedcap files, ours against HiGHS; prints a markdown table (not part of pytest).

Usage: .venv/bin/python benchmarks/bench_pmedcap.py [--time-limit 60] [--no-highs] [FILES...]
"""

from __future__ import annotations

import argparse
import os
import statistics
from pathlib import Path

from herverdeling.bench.pmedian import read_pmedcap, solve_highs, solve_pmedian
from herverdeling.cpsat import load_solver_params

DEFAULT = Path(__file__).resolve().parents[1] / "data" / "bench" / "pmedcap"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--no-highs", action="store_true")
    args = ap.parse_args()
    files = args.files or sorted(DEFAULT.glob("pmedcap1-*.txt"))
    params = load_solver_params("cpsat-bench").with_time_limit(args.time_limit)
    print("| file | known | ours | bound | status | ours s | heur UB | swap UB | LR bound | LR s | columns "
          "| CP-SAT s | HiGHS | HiGHS s | ratio | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    ratios = []
    for f in files:
        inst = read_pmedcap(f)
        r = solve_pmedian(inst, params)
        hs = None if args.no_highs else solve_highs(inst, args.time_limit)
        ratio = r.seconds / hs.seconds if hs else None
        if ratio is not None:
            ratios.append(ratio)
        st = r.steps
        hs_obj = f"{hs.objective:.0f} {hs.status}" if hs and hs.objective is not None else "-"
        # clusters in the largest set-partitioning round (-1: the pair model was used instead)
        columns = max((int(v) for k, v in st.items() if k.endswith("_columns")), default=0)
        print(f"| {inst.name} | {inst.optimum} | {r.objective} | {r.best_bound:.0f} | {r.status} | "
              f"{r.seconds:.2f} | {st.get('heuristic_ub')} | {st.get('swaps_ub')} | "
              f"{st.get('lagrangian_lb', 0):.1f} | {st.get('lagrangian_s', 0):.2f} | {columns} | "
              f"{st.get('cpsat_s', 0):.2f} | {hs_obj} | {hs.seconds if hs else float('nan'):.2f} | "
              f"{ratio if ratio is not None else float('nan'):.2f} | {os.getloadavg()[0]:.1f} |", flush=True)
    if ratios:
        print(f"\nmedian ratio ours/HiGHS: {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
