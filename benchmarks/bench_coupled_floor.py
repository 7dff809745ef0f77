"""The coupled relief floor (issue 14, point 1): what a floor on the total relief across categories
would buy over the per-category floor the deal model keeps.

The deal model keeps, per category, relief >= ceil(relief_share x that category's maximum). A
coupled floor keeps only the total: regulier + AMV >= F, in any split. Both CountModels (the
relaxation whose optimum bounds the agreements and parties levels, src/herverdeling/surplus/deals/
model.py) are built into one CP-SAT model with the total floor, and solved lexicographically
(fewest agreements, then fewest parties); each category's optimum is then disaggregated into
municipalities, which, when it succeeds, shows the bound is met by a real deal set.

Run: PYTHONPATH=src python benchmarks/bench_coupled_floor.py [--floors 5400,5440]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time

from ortools.sat.python import cp_model

from herverdeling.cpsat import configure, status_of
from herverdeling.scenario.io import load_scenario
from herverdeling.surplus.deals import load_deal_settings
from herverdeling.surplus.deals.model import CountModel, build_instance
from herverdeling.surplus.deals.proposals import pins_of


def coupled(scenario_name: str, floors: list[int], seconds: float = 60.0) -> list[dict]:
    s = load_scenario(scenario_name)
    st = load_deal_settings("default")
    pins = pins_of(s)
    rows = []
    for floor in floors:
        start = time.perf_counter()
        m = cp_model.CpModel()
        parts = {c: CountModel(build_instance(s, c, st, pins), st, model=m) for c in ("regulier", "amv")}
        m.add(sum(p.relief for p in parts.values()) >= floor)
        row: dict = {"floor": floor, "load": round(os.getloadavg()[0], 2)}
        solver = cp_model.CpSolver()
        for level in ("agreements", "parties"):
            expr = sum(p.expr(level) for p in parts.values())
            m.minimize(expr)
            configure(solver, num_workers=1, random_seed=st.solver.random_seed,
                      max_deterministic_time=seconds, max_time_in_seconds=seconds)
            status = status_of(solver.solve(m))
            if status not in ("OPTIMAL", "FEASIBLE"):
                row[level] = (status, None, None)
                break
            row[level] = (status, round(solver.objective_value), round(solver.best_objective_bound))
            m.add(expr <= round(solver.objective_value))
            for p in parts.values():  # the last level's solution, read back
                p.solution = {k: {kk: int(solver.value(v)) for kk, v in getattr(p, k).items()}
                              for k in ("y", "n", "t", "f")}
        for c, p in parts.items():
            p.fixed.add("parties")
            p.level = "parties"
            row[f"{c}_relief"] = sum(p.solution["t"].values())
            row[f"{c}_realised"] = p.disaggregate() is not None
        row["seconds"] = round(time.perf_counter() - start, 1)
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default="nl-2025")
    ap.add_argument("--floors", default=f"{math.ceil(0.97 * 5566)},5440")
    args = ap.parse_args()
    coupled(args.scenario, [int(x) for x in args.floors.split(",")])


if __name__ == "__main__":
    main()
