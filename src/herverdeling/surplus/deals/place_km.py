"""The place-km level solved per agreement layout (issue 14, point 1: every level with a bound).

Once the fewest agreements are proven, every solution has one of the layouts the CountModel kept
open (`CountModel.open_layouts`): those that can still hold every level fixed so far. So place-km
is the least over those layouts of each layout's own DealModel (only its pairs, every agreement
fixed, every earlier level held), and its bound is the least of the layouts' bounds.

Why: the whole model's LP spreads the relief over fractional agreements. Measured on nl-2025
regulier after the fairness level (benchmarks/reports/deals.md, against the best known place-km):
the whole model's LP relaxation was 5.4 % below it, CP-SAT's bound after 2 deterministic units
18 %, SCIP's after 150 s 4.2 %, and HiGHS found no solution in 60 s; the model of the final layout
alone (1,655 variables against 6,986) was 0.14 % below it after 0.5 units and 0.12 % after 2, with
a better solution than the whole model's.

The layouts are solved in passes of growing deterministic limits, every layout a short probe
first, then the undecided ones, lowest bound first, each with the objective cut below the best so
far, until the level's deterministic units are spent (`solver.place_km_deterministic_time`, the
total over all solves, as the one search had). Deterministic: fixed order, deterministic limits.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import replace

from ortools.sat.python import cp_model

from herverdeling.cpsat import configure
from herverdeling.proposals import SolveStatus
from herverdeling.surplus.deals.layouts import Layout
from herverdeling.surplus.deals.model import (
    CUT_TOP,
    LAYOUT_PROBE,
    MAXIMISE,
    DealModel,
    LevelOutcome,
    _rounds,
    solve_below,
)
from herverdeling.surplus.deals.settings import DealSettings, Level

Held = tuple[Level, int]
"""A level fixed so far and its value in the model's integer units (relief: the floor)."""


class _Layout:
    """One layout's own DealModel with every held level, the place-km objective and its cut."""

    def __init__(self, whole: DealModel, layout: Layout, held: Sequence[Held], hinted: bool) -> None:
        self.model = m = DealModel(replace(whole.inst, pairs=layout), whole.settings, "cp-sat")
        for y in m.y.values():
            m.model.add(y == 1)
        for level, value in held:
            expr = m.level_expr(level)
            m.model.add(expr >= value if level == "relief" or level in MAXIMISE else expr <= value)
        names = {name for name, _ in m.variables}
        self.values: dict[str, int] | None = None
        if hinted:
            # the whole model's solution is this layout's: its hint (the place-km layer is split
            # over the reliefs as DealModel would, _hint_backing)
            m.values = {k: v for k, v in whole.values.items() if k in names}
        self.expr = m.level_expr("place_km")
        self.start: int | None = None  # the hint's place-km: an incumbent before any search
        if m.values:
            self.values = dict(m.values)
            cands = m.inst.candidates
            self.start = sum(m.inst.units[(code, cands[i].code)] * m.val(f"f2_{code}_{cands[i].code}")
                             for code, i in m.f2)
        m.model.minimize(self.expr)
        self.cut = m.model.new_int_var(0, CUT_TOP, "cut_place_km")
        m.model.add(self.expr <= self.cut)
        self.low = -math.inf  # what this layout's place-km is at least (and the passes' order)
        self.decided = False

    def solve(self, best: int | None, limit: float, seed: int) -> tuple[SolveStatus, float]:
        """One solve below the best so far; (status, deterministic time)."""
        m = self.model
        m.model.clear_hints()
        if self.values:
            for name, v in m.variables:
                m.model.add_hint(v, self.values.get(name, 0))
        solver = cp_model.CpSolver()
        configure(solver, num_workers=1, random_seed=seed,
                  max_deterministic_time=None if math.isinf(limit) else limit,
                  max_time_in_seconds=m.settings.solver.max_time_in_seconds)
        status = solve_below(solver, m.model, self.cut, best)
        if status in ("OPTIMAL", "FEASIBLE"):
            self.values = {name: int(solver.value(v)) for name, v in m.variables}
            value = round(solver.objective_value)
            low: float = value if status == "OPTIMAL" else math.ceil(solver.best_objective_bound - 1e-9)
            self.objective: int | None = value
        else:
            self.objective = None
            low = ((math.inf if best is None else best) if status == "INFEASIBLE" else
                   math.ceil(solver.best_objective_bound - 1e-9) if status == "UNKNOWN" else -math.inf)
        self.low = max(self.low, low)
        self.decided = status in ("OPTIMAL", "INFEASIBLE")
        return status, solver.deterministic_time


def units(settings: DealSettings) -> float:
    """The place-km level's deterministic units (all its layout solves together)."""
    opt = settings.solver
    return opt.place_km_deterministic_time or opt.max_deterministic_time or math.inf


def fits(layouts: int, settings: DealSettings) -> bool:
    """Whether a first pass over this many layouts takes at most half the level's units: past
    that, the incumbent's layout would get hardly more than its probe, and the whole model's one
    search does better (a review measured, on a tiny instance at 1e-2 units, 1 of 14 layouts
    solved and no bound)."""
    return layouts * LAYOUT_PROBE <= units(settings) / 2


def place_km_by_layouts(whole: DealModel, layouts: Sequence[Layout], held: Sequence[Held],
                        screen_seconds: float = 0.0) -> LevelOutcome:
    """The place-km level of `whole` as the least over `layouts`; the best solution becomes the
    whole model's (values, and the level held as a row), as `DealModel.solve_level` keeps it.
    `screen_seconds`: the wall time that chose the layouts (CountModel.open_layouts)."""
    opt = whole.settings.solver
    budget = units(whole.settings)
    start = time.perf_counter() - screen_seconds
    expr = whole.level_expr("place_km")  # the whole model's layer, before its values are replaced
    # the whole model's solution is the incumbent to beat, its layout first; every other layout's
    # model is built when it is first solved (a layout never reached costs nothing)
    current = {pq for pq in whole.inst.pairs if whole.val(f"y_{pq[0]}_{pq[1]}")}
    order = sorted(range(len(layouts)), key=lambda k: set(layouts[k]) != current)  # stable
    subs: dict[int, _Layout] = {}
    lows: dict[int, float] = dict.fromkeys(order, -math.inf)
    best: int | None = None
    winner: _Layout | None = None
    if set(layouts[order[0]]) == current:
        subs[order[0]] = _Layout(whole, layouts[order[0]], held, hinted=True)
        best, winner = subs[order[0]].start, subs[order[0]]
    spent, solves = 0.0, 0
    todo = order
    for cap in _rounds(None if math.isinf(budget) else budget):
        left = [k for k in sorted(todo, key=lambda k: lows[k]) if not (k in subs and subs[k].decided)]
        # (sorted is stable: ties keep the fixed order)
        for k in left:
            if spent >= budget - 1e-9:
                break
            if best is not None and (best <= 0 or lows[k] > best - 1):
                continue  # no better here
            if k not in subs:
                subs[k] = _Layout(whole, layouts[k], held, hinted=False)
            sub = subs[k]
            limit = budget - spent if cap is None else min(cap, budget - spent)
            _, used = sub.solve(best, limit, opt.random_seed)
            lows[k] = sub.low
            spent += used
            solves += 1
            if sub.objective is not None and (best is None or sub.objective < best):
                best, winner = sub.objective, sub
        todo = left
        if spent >= budget - 1e-9:
            break
    seconds = time.perf_counter() - start
    if best is None or winner is None:  # no layout found a solution: the whole model's search
        return whole.solve_level("place_km")
    assert winner.values is not None
    names = {name for name, _ in whole.variables}
    whole.values = {name: winner.values.get(name, 0) for name in names}
    whole.model.add(expr <= best)
    # (a best of 0 skips every layout: place-km is never below 0)
    proven = best <= 0 or all((k in subs and subs[k].decided) or lows[k] > best - 1 for k in lows)
    low = max(0, min([best, *lows.values()]))  # distances are >= 0: 0 bounds any layout
    status: SolveStatus = "OPTIMAL" if proven else "FEASIBLE"
    out = whole._outcome("place_km", status, float(best), float(best if proven else low), seconds)
    out.info.parameters.update({"deterministic_time": round(spent, 3), "layouts": len(layouts),
                                "layout_solves": solves})
    return out
