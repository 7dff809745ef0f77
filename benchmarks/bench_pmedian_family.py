"""Benchmark: generated capacitated p-median instances, the portfolio against plain HiGHS.

Writes a markdown table per shape (pmedcap tight/loose: integer costs; sjc tight/loose: real
costs) with the share proven, the median and worst gap, and the median time ratio against a
plain HiGHS MIP (2 threads, same cap, run right after). Not part of pytest.

Usage: .venv/bin/python benchmarks/bench_pmedian_family.py [--start 0] [--count 30] [--sizes 50,100,200,400]
       [--time-limit 60] [--shapes pmedcap-tight,pmedcap-loose,sjc-tight,sjc-loose] [--out FILE]
Instance k of a shape has n = sizes[k % len(sizes)] and seed k (herverdeling.bench.pmedian.generate).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path
from typing import Any

from herverdeling.bench.pmedian.generate import generate
from herverdeling.bench.pmedian.solve import load_real_cost_settings, run_row
from herverdeling.cpsat import load_solver_params


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=30)
    ap.add_argument("--start", type=int, default=0,
                    help="first instance index k (to run the larger sizes of a list separately)")
    ap.add_argument("--sizes", default="50,100,200,400")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--shapes", default="pmedcap-tight,pmedcap-loose,sjc-tight,sjc-loose")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    params = load_solver_params("cpsat-bench").with_time_limit(args.time_limit)
    real = load_real_cost_settings()
    lines: list[str] = [f"Run: `benchmarks/bench_pmedian_family.py --start {args.start} "
                        f"--count {args.count} --sizes {args.sizes} --time-limit {args.time_limit:g} "
                        f"--shapes {args.shapes}`", ""]
    for spec in args.shapes.split(","):
        shape, capacity = spec.split("-")
        rows: list[dict[str, Any]] = []
        lines += [f"### {spec}", "",
                  "| instance | n | p | Q | status | objective | bound | gap | s | incumbent | proof "
                  "| HiGHS | HiGHS obj | HiGHS bound | HiGHS s | ratio | worse on both | load |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for k in range(args.start, args.count):
            inst = generate(shape, sizes[k % len(sizes)], k, capacity,  # type: ignore[arg-type]
                            cost_scale=real.cost_scale)
            print(f"[{spec} {k + 1}/{args.count}] {inst.name} load {os.getloadavg()[0]:.1f}",
                  file=sys.stderr, flush=True)
            r = run_row(inst, params, tolerance=real.tolerance)
            rows.append(r)
            lines.append(
                f"| {inst.name} | {inst.n} | {inst.p} | {inst.capacity} | {r['status']} | "
                f"{r['objective']} | {r['best_bound']} | {_pct(r['gap'])} | {r['seconds']:.1f} | "
                f"{r['winner']} | {r['proved_by'] or '-'} | {r['highs_status']} | "
                f"{r['highs_objective']} | {r['highs_bound']} | {r['highs_seconds']:.1f} | "
                f"{r['ratio']} | {'YES' if r['worse_on_both'] else 'no'} | {os.getloadavg()[0]:.1f} |")
            print(lines[-1], flush=True)
        lines += ["", _summary(rows), ""]
        print(lines[-2], flush=True)
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _pct(gap: float | None) -> str:
    return "-" if gap is None else f"{100 * gap:.3f} %"


def _summary(rows: list[dict[str, Any]]) -> str:
    gaps = [r["gap"] for r in rows if r["gap"] is not None]
    ratios = [r["ratio"] for r in rows if r.get("ratio") is not None]
    highs_proven = sum(r["highs_status"] == "Optimal" for r in rows)
    return (f"**Summary:** proven {sum(r['status'] == 'OPTIMAL' for r in rows)}/{len(rows)} "
            f"(plain HiGHS: {highs_proven}/{len(rows)}); gap median "
            f"{_pct(statistics.median(gaps)) if gaps else '-'}, worst {_pct(max(gaps)) if gaps else '-'}; "
            f"median time ratio portfolio/HiGHS {statistics.median(ratios):.2f}; "
            f"worse than HiGHS on both incumbent and bound: "
            f"{sum(bool(r.get('worse_on_both')) for r in rows)}/{len(rows)}.")


if __name__ == "__main__":
    main()
