"""Place-km on nl-2025's open agreement layouts: CP-SAT against HiGHS and SCIP on the same rows
(issue 14, point 1; benchmarks/reports/deals.md, "Place-km proven by HiGHS").

The layouts and held levels are those `solve_deals` hands to `place_km_by_layouts` with the
default preset. Per layout: CP-SAT's feasibility with every level held (exact, no objective), and
the place-km level by each MIP solver with no incumbent, its status, objective, bound and seconds.
Run: PYTHONPATH=src python benchmarks/bench_place_km.py [--seconds 120] [--solvers highs,scip]
"""

from __future__ import annotations

import argparse
import json
import time

from ortools.linear_solver.python import model_builder as mb
from ortools.sat.python import cp_model

from herverdeling.cpsat import configure
from herverdeling.scenario.io import load_scenario
from herverdeling.surplus.deals import load_deal_settings, solve_deals
from herverdeling.surplus.deals import solve as deal_solve
from herverdeling.surplus.deals.place_km import layout_model
from herverdeling.surplus.deals.proposals import pins_of


def capture(preset: str = "default") -> dict:
    """The place-km inputs of every category, as the chain builds them."""
    seen: dict = {}
    original = deal_solve.place_km_by_layouts

    def spy(whole, layouts, held, seconds=0.0):  # type: ignore[no-untyped-def]
        seen[whole.inst.category] = (whole, list(layouts), list(held))
        return original(whole, layouts, held, seconds)

    deal_solve.place_km_by_layouts = spy
    try:
        s = load_scenario("nl-2025")
        solve_deals(s, load_deal_settings(preset), pins_of(s))
    finally:
        deal_solve.place_km_by_layouts = original
    return seen


def run(seconds: float, solvers: tuple[str, ...]) -> list[dict]:
    rows = []
    for cat, (whole, layouts, held) in capture().items():
        for k, layout in enumerate(layouts):
            row: dict = {"category": cat, "layout": k, "pairs": ["-".join(pq) for pq in layout]}
            m = layout_model(whole, layout, held, "cp-sat")
            solver = cp_model.CpSolver()
            configure(solver, num_workers=1, random_seed=0, max_deterministic_time=30.0)
            start = time.perf_counter()
            code = solver.solve(m.model)
            row["cp_sat_feasible"] = (solver.status_name(code), round(solver.deterministic_time, 2),
                                      round(time.perf_counter() - start, 1))
            for name in solvers:
                mm = layout_model(whole, layout, held, name)
                mm.model.minimize(mm.level_expr("place_km"))
                mip = mb.Solver(name)
                mip.set_time_limit_in_seconds(seconds)
                mip.set_solver_specific_parameters(
                    "output_flag=false\nmip_rel_gap=0\nmip_abs_gap=0.99\nthreads=1" if name == "highs"
                    else "limits/gap = 0\nlimits/absgap = 0.99")
                start = time.perf_counter()
                status = mip.solve(mm.model)
                found = status in (mb.SolveStatus.OPTIMAL, mb.SolveStatus.FEASIBLE)
                row[name] = (status.name, round(mip.objective_value) if found else None,
                             round(time.perf_counter() - start, 1))
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=120.0, help="wall-clock limit per MIP solve")
    ap.add_argument("--solvers", default="highs,scip")
    args = ap.parse_args()
    run(args.seconds, tuple(s for s in args.solvers.split(",") if s))


if __name__ == "__main__":
    main()
