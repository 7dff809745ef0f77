"""Deal model on synthetic countries up to 2,000 municipalities (issue 14, point 7).

Per size: the core chain (relief, agreements, parties) with the default limits but 10 s per level,
the seconds, statuses and gaps; then the growth exponent of seconds vs municipalities (least squares
on log-log); and the relief level on the same DealModel solved by HiGHS, beside CP-SAT.
Run: PYTHONPATH=src python benchmarks/bench_deals.py [--out benchmarks/reports/deals-bench.json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time

import numpy as np

from herverdeling.scenario.synthetic import synthetic_country
from herverdeling.surplus.deals import load_deal_settings
from herverdeling.surplus.deals.model import DealModel, build_instance
from herverdeling.surplus.deals.settings import DealPins, Objective
from herverdeling.surplus.deals.solve import solve_category

SIZES = (100, 250, 500, 1000, 2000)
CORE = ("relief", "agreements", "parties")


def run(sizes=SIZES, seed: int = 0, per_level: float = 10.0, highs_up_to: int = 2000) -> dict:
    base = load_deal_settings("default")
    st = base.model_copy(update={
        "objectives": tuple(Objective(level=lv, reason="bench") for lv in CORE),
        "solver": base.solver.model_copy(update={"max_time_in_seconds": per_level}),
    })
    rows = []
    for n in sizes:
        s = synthetic_country(n, seed=seed)
        for cat in ("regulier",):
            inst = build_instance(s, cat, st, DealPins())
            start = time.perf_counter()
            _model, infos = solve_category(inst, st)
            sec = time.perf_counter() - start
            row = {"municipalities": n, "category": cat, "candidates": len(inst.candidates),
                   "sources": len(inst.sources), "pairs": len(inst.pairs), "seconds": round(sec, 2),
                   "levels": [(i.model.split("/")[1], i.status, i.objective, i.best_bound,
                               round(i.seconds, 2))
                              for i in infos], "load": os.getloadavg()[0]}
            # second solver, same rows: the relief level alone, CP-SAT vs HiGHS (no count-model bound)
            for backend in ("cp-sat", "highs") if n <= highs_up_to else ("cp-sat",):
                m = DealModel(inst, st, backend)
                out = m.solve_level("relief")
                row[f"relief_{backend}"] = (out.status, out.objective, out.bound, round(out.seconds, 2))
            rows.append(row)
            print(json.dumps(row), flush=True)
    xs = np.log([r["municipalities"] for r in rows])
    ys = np.log([max(1e-3, r["seconds"]) for r in rows])
    slope = float(np.polyfit(xs, ys, 1)[0]) if len(rows) > 1 else math.nan
    return {"rows": rows, "exponent": round(slope, 2), "seed": seed, "per_level_s": per_level}


def nl2025(preset: str = "default") -> dict:
    """The preset's whole lexicographic chain on nl-2025: per level status, objective, bound, gap,
    seconds, whether the CountModel hint proved it, and the CP-SAT deterministic time of the
    CountModel and of the full model's search (comparable under any load); the total and the load."""
    from herverdeling.scenario.io import load_scenario
    from herverdeling.surplus.deals import solve_deals
    from herverdeling.surplus.deals.proposals import pins_of

    s = load_scenario("nl-2025")
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    result = solve_deals(s, load_deal_settings(preset), pins_of(s))
    total = time.perf_counter() - start
    levels = [(i.scope, i.model.split("/")[1], i.status, i.objective, i.best_bound, i.gap,
               round(i.seconds, 2), i.parameters.get("proven_by_hint"),
               i.parameters.get("count_model_deterministic_time"), i.parameters.get("deterministic_time"))
              for i in result.solve_info]
    for row in levels:
        print("| " + " | ".join("" if v is None else f"{v:.4g}" if isinstance(v, float) else str(v)
                                for v in row) + " |", flush=True)
    out = {"preset": preset, "seconds": round(total, 1), "relief": result.relief,
           "agreements": len(result.agreements),
           "max_parties": max(len(a.parties) for a in result.agreements),
           "load_before": load_before, "load_after": os.getloadavg()[0], "levels": levels}
    print(json.dumps({k: v for k, v in out.items() if k != "levels"}), flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="benchmarks/reports/deals-bench.json")
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)))
    ap.add_argument("--nl2025", action="store_true", help="only the default chain on nl-2025")
    args = ap.parse_args()
    if args.nl2025:
        nl2025()
        return
    res = run(tuple(int(x) for x in args.sizes.split(",")))
    print("growth exponent (seconds ~ n^k): k =", res["exponent"])
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(res, fh, indent=1)


if __name__ == "__main__":
    main()
