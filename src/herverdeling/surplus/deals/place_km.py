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

Then the proof (`solver.place_km_highs_nodes`): CP-SAT's bound in a layout rises about 0.01 % per
4 units and never closed the last 0.1 % of nl-2025 regulier; HiGHS, on the same rows of each
layout still open and only below the best so far, proves it (the final layout: 214 nodes, 5-9 s).
HiGHS on 1 thread with a node limit is deterministic; its floating-point solution counts only
once CP-SAT, every variable fixed to it, confirms it exactly, while its "nothing below the best"
is taken as HiGHS says it (on nl-2025 each such answer agreed with CP-SAT's exact one), and
recorded per layout in the level's `highs_statuses`. SCIP is not used: it called the final
layout infeasible, which CP-SAT's solution there refutes (benchmarks/reports/deals.md).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from dataclasses import replace

from ortools.linear_solver.python import model_builder as mb
from ortools.sat.python import cp_model

from herverdeling.cpsat import configure, stdout_to_stderr
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

HIGHS = threading.Lock()
"""One place-km HiGHS solve at a time in this process: the categories run side by side, and
concurrent HiGHS instances have crashed (HiGHS issues 810 and 1005, fixed after the bundled 1.12)."""

Held = tuple[Level, int]
"""A level fixed so far and its value in the model's integer units (relief: the floor)."""


def layout_model(whole: DealModel, layout: Layout, held: Sequence[Held], backend: str) -> DealModel:
    """The deal model of one layout: only its pairs, every agreement fixed, every held level a row."""
    m = DealModel(replace(whole.inst, pairs=layout), whole.settings, backend)
    for y in m.y.values():
        m.model.add(y == 1)
    for level, value in held:
        expr = m.level_expr(level)
        m.model.add(expr >= value if level == "relief" or level in MAXIMISE else expr <= value)
    return m


class _Layout:
    """One layout's own DealModel with every held level, the place-km objective and its cut."""

    def __init__(self, whole: DealModel, layout: Layout, held: Sequence[Held], hinted: bool) -> None:
        self.whole, self.layout, self.held = whole, layout, held
        self.model = m = layout_model(whole, layout, held, "cp-sat")
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
        m.hint(self.values)
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

    def solve_highs(self, best: int, nodes: int, seconds: float | None) -> str:
        """The same layout's rows solved by HiGHS, looking only below `best` (its objective bound,
        so no MIP start: HiGHS 1.12 crashed on one, model.py), at most `nodes` nodes and `seconds`
        of wall clock (the level's safety net). Returns HiGHS's status as model_builder names it.

        The objective bound prunes nodes; it does not stop HiGHS from keeping a heuristic solution
        at or above `best` and calling it optimal: such a solution is no better, and says only that
        nothing below `best` exists here. A better solution counts only once CP-SAT, every variable
        fixed to it, confirms it exactly, at HiGHS's own objective (its proof is about that value)."""
        m = layout_model(self.whole, self.layout, self.held, "highs")
        expr = m.level_expr("place_km")
        m.model.minimize(expr)
        opt = m.settings.solver
        mip = mb.Solver("highs")
        if seconds is not None:
            mip.set_time_limit_in_seconds(max(seconds, 1e-3))
        mip.set_solver_specific_parameters(
            f"output_flag=false\nmip_rel_gap=0\nmip_abs_gap=0.99\nthreads=1\nrandom_seed={opt.random_seed}\n"
            f"objective_bound={best - 0.5}\nmip_max_nodes={nodes}")
        with HIGHS, stdout_to_stderr():
            code = mip.solve(m.model)
        if code in (mb.SolveStatus.MODEL_INVALID, mb.SolveStatus.INVALID_SOLVER_PARAMETERS,
                    mb.SolveStatus.SOLVER_TYPE_UNAVAILABLE, mb.SolveStatus.INCOMPATIBLE_OPTIONS):
            # a fault of ours or of the installed OR-Tools, never of the scenario: say so loudly
            raise RuntimeError(f"HiGHS refused the place-km layout model ({code.name}); "
                               "set solver.place_km_highs_nodes to null to prove place-km by CP-SAT alone")
        self.objective = None
        if code == mb.SolveStatus.OPTIMAL and round(mip.objective_value) >= best:
            code = mb.SolveStatus.INFEASIBLE  # optimal, yet no better than best: nothing below it
        if code == mb.SolveStatus.INFEASIBLE:  # nothing below best in this layout
            self.low, self.decided = max(self.low, best), True
            return code.name
        if code != mb.SolveStatus.OPTIMAL:  # the node or time limit: no proof, and (model_builder)
            return code.name  # no solution or bound reported either
        values = {name: round(mip.value(v)) for name, v in m.variables}
        objective = self._confirm(values)
        if objective is None or objective != round(mip.objective_value):
            # HiGHS's tolerances let through what the exact rows do not, or its proof is about
            # another value than the exact one: no proof, and the layout's solution stays
            return "UNCONFIRMED"
        self.values, self.objective = values, objective
        self.low, self.decided = max(self.low, objective), True
        return code.name

    def _confirm(self, values: dict[str, int]) -> int | None:
        """The place-km of `values` if they satisfy this layout's CP-SAT model exactly, else None
        (DealModel._fixed_hint: CP-SAT with every variable fixed to them)."""
        self.model.hint(values)
        status, objective, _ = self.model._fixed_hint()
        return None if status not in ("OPTIMAL", "FEASIBLE") or objective is None else round(objective)


def units(settings: DealSettings) -> float:
    """The place-km level's deterministic units (all its layout solves together)."""
    opt = settings.solver
    return opt.place_km_deterministic_time or opt.max_deterministic_time or math.inf


def screen_units(settings: DealSettings) -> float:
    """What screening the open layouts may cost (CountModel.open_layouts, SCREEN_ROUNDS each): the
    level's units without the HiGHS proof; with it, the per-level limit, since every layout the
    screen drops is one HiGHS need not prove (measured on nl-2025-strict-norms AMV: 93 layouts,
    4.65 units of screen, 9 left; within the 4 place-km units the whole model's search was kept,
    FEASIBLE at 58,037.6 km, gap 0.11, against 53,723.5 km proven, benchmarks/reports/deals.md)."""
    opt = settings.solver
    if opt.place_km_highs_nodes is None:
        return units(settings)
    return opt.max_deterministic_time or math.inf


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
    current = whole.layout()
    order = sorted(range(len(layouts)), key=lambda k: tuple(sorted(layouts[k])) != current)  # stable
    subs: dict[int, _Layout] = {}
    lows: dict[int, float] = dict.fromkeys(order, -math.inf)
    best: int | None = None
    winner: _Layout | None = None
    if tuple(sorted(layouts[order[0]])) == current:
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
    highs: list[str] = []  # HiGHS's status per layout it solved, in order
    if opt.place_km_highs_nodes is not None and best is not None and best > 0:
        # the proof: HiGHS on each layout still open, lowest bound first, below the best so far;
        # the level's nodes shared out evenly over the layouts open now (deterministic)
        proof = [k for k in sorted(lows, key=lambda k: lows[k])
                 if lows[k] <= best - 1 and not (k in subs and subs[k].decided)]
        nodes = max(1, opt.place_km_highs_nodes // max(1, len(proof)))
        for k in proof:
            if best <= 0 or lows[k] > best - 1:
                continue
            if k not in subs:
                subs[k] = _Layout(whole, layouts[k], held, hinted=False)
            sub = subs[k]
            left_s = (None if opt.max_time_in_seconds is None else
                      opt.max_time_in_seconds - (time.perf_counter() - start))
            highs.append(sub.solve_highs(best, nodes, left_s))
            lows[k] = sub.low
            if sub.objective is not None and sub.objective < best:
                best, winner = sub.objective, sub
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
                                "layout_solves": solves, "highs_layout_solves": len(highs)})
    if highs:
        # which layouts HiGHS decided, in floating point (its solutions are confirmed exactly,
        # its "nothing below" is not): the proof's provenance, for whoever defends the figure
        out.info.parameters["highs_statuses"] = ",".join(highs)
    return out
