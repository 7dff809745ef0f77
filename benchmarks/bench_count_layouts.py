"""Benchmark: where the CountModel's time goes on nl-2025, and what a decomposition over the
agreement layouts would cost (issue 14, point 1, "proven optimal in under 10 s"). Not part of pytest.

For one category it measures, in CP-SAT deterministic time (the same on every run, whatever the
load), with the relief floor of the default preset held:
1. the parties level of the CountModel as `solve_category` runs it (from the agreements level's
   optimum);
2. the same level with the agreement layout (which (plusprovincie, sink) pairs have an agreement)
   fixed to the optimum's layout, and the fairness level on that layout;
3. the number of layouts with the proven fewest agreements that can still carry the relief floor,
   enumerated with a no-good per layout (each check a CP-SAT feasibility solve).

Usage: PYTHONPATH=src .venv/bin/python benchmarks/bench_count_layouts.py [--category regulier]
       [--scenario nl-2025] [--max-layouts 500]
"""

from __future__ import annotations

import argparse
import time

from ortools.sat.python import cp_model

from herverdeling.cpsat import configure, status_of
from herverdeling.scenario import load_scenario
from herverdeling.surplus.deals.model import CountModel, Instance, relief_top
from herverdeling.surplus.deals.settings import DealPins, DealSettings, load_deal_settings
from herverdeling.surplus.deals.solve import build_instances, relief_floors, solve_category


def _solve(model: cp_model.CpModel, limit: float) -> tuple[str, float | None, float, cp_model.CpSolver]:
    """One 1-worker CP-SAT solve: status, objective (None without one), deterministic time and
    the solver (for its values)."""
    solver = cp_model.CpSolver()
    configure(solver, num_workers=1, random_seed=0, max_deterministic_time=limit)
    status = solver.solve(model)
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    objective = solver.objective_value if found and model.proto.has_objective() else None
    return status_of(status), objective, solver.deterministic_time, solver


def _held(inst: Instance, settings: DealSettings, floor: int, agreements: int) -> CountModel:
    """A fresh CountModel with the relief floor and the proven fewest agreements held."""
    cm = CountModel(inst, settings)
    cm.fix("relief", floor, floor)
    cm.fix("agreements", agreements)
    return cm


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default="nl-2025")
    ap.add_argument("--category", default="regulier")
    ap.add_argument("--max-layouts", type=int, default=500)
    args = ap.parse_args()
    scenario = load_scenario(args.scenario)
    settings = load_deal_settings("default")
    instances = build_instances(scenario, settings, DealPins())
    tops, statuses = {}, {}
    for c, inst in instances.items():
        _, infos = solve_category(inst, settings, levels=("relief",))
        tops[c], statuses[c] = relief_top(infos[0]), infos[0].status
    # the floors as solve_deals sets them, without its clamp for an unproven maximum (the status
    # is printed; on nl-2025 both relief levels are OPTIMAL, so the clamp does not act there)
    floors = relief_floors(settings, {c: i.surplus_max for c, i in instances.items()}, tops)
    inst, floor = instances[args.category], floors[args.category]
    print(f"{args.scenario} {args.category}: relief floor {floor} of {tops[args.category]} "
          f"(relief level {statuses[args.category]})")

    cm = CountModel(inst, settings)
    cm.fix("relief", floor, floor)
    _, agreements = cm.bound("agreements")
    assert agreements is not None
    cm.fix("agreements", agreements)
    det0 = cm.deterministic_time
    start = time.perf_counter()
    _, parties = cm.bound("parties")
    print(f"1. parties, as solve_category: {parties} in {cm.deterministic_time - det0:.2f} det "
          f"({time.perf_counter() - start:.1f} s)")
    layout = sorted(k for k, v in cm.solution["y"].items() if v)

    fixed = _held(inst, settings, floor, agreements)
    for k, y in fixed.y.items():
        fixed.model.add(y == int(k in layout))
    fixed.model.minimize(fixed.expr("parties"))
    status, value, det, _ = _solve(fixed.model, 60.0)
    print(f"2. parties on the optimum's layout {layout}: {status} {value} in {det:.2f} det")
    if parties is not None:
        fixed.fix("parties", parties)
        fixed.model.minimize(fixed.expr("fairness"))
        status, value, det, _ = _solve(fixed.model, 60.0)
        print(f"   fairness on that layout: {status} {value} in {det:.2f} det")

    enum = _held(inst, settings, floor, agreements)
    found, total_det = 0, 0.0
    start = time.perf_counter()
    while found < args.max_layouts:
        status, _, det, solver = _solve(enum.model, 60.0)
        total_det += det
        if status not in ("OPTIMAL", "FEASIBLE"):
            break
        found += 1
        enum.model.add_bool_or([~y for y in enum.y.values() if solver.value(y)])
    print(f"3. layouts with {agreements} agreements that carry {floor}: {found} "
          f"({'complete' if found < args.max_layouts else 'capped'}), {total_det:.1f} det, "
          f"{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
