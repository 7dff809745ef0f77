"""The shared core: a capacitated assignment / facility model on CP-SAT, and one way to solve it.

The merger model (small tasks to hosts) is built on `FacilityModel`, and so is the capacitated
p-median benchmark in herverdeling.bench.pmedian (bench imports this core, never the reverse):
boolean x[i, j] for every allowed client-site pair, boolean y[j] per site, each client assigned
to exactly one site, x[i, j] <= y[j], and a capacity row per site. Callers add what is specific
to them (viability, exactly p sites) and choose the objective.

`solve` runs CP-SAT with documented parameters (herverdeling.cpsat.SolverParams, models/solver/)
and returns an `Outcome` that states status, objective, best bound and gap (cpsat.relative_gap);
FEASIBLE is never turned into OPTIMAL.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from herverdeling.cpsat import SolverParams, relative_gap, status_of
from herverdeling.proposals import SolveStatus


@dataclass
class Outcome:
    """What one CP-SAT run states about itself, and the values it found (if any)."""

    status: SolveStatus
    objective: float | None
    best_bound: float | None
    seconds: float
    deterministic_time: float = 0.0
    _solver: cp_model.CpSolver | None = field(default=None, repr=False)

    @property
    def gap(self) -> float | None:
        """herverdeling.cpsat.relative_gap of the objective and the bound (the one definition)."""
        return relative_gap(self.objective, self.best_bound)

    @property
    def has_solution(self) -> bool:
        return self.status in ("OPTIMAL", "FEASIBLE")

    def value(self, expr: cp_model.LinearExprT) -> int:
        if self._solver is None or not self.has_solution:
            raise ValueError(f"no solution to read (status {self.status})")
        return int(self._solver.value(expr))


class FacilityModel:
    """Capacitated assignment of clients to sites on CP-SAT.

    `allowed[i]` lists the sites client i may go to (distance rules are applied by the caller
    when it builds this list, so no variable exists for a forbidden pair: a tight model).
    """

    def __init__(
        self,
        demand: Sequence[int],
        allowed: Sequence[Sequence[int]],
        capacity: Mapping[int, int],
        *,
        name: str = "facility",
    ) -> None:
        self.model = cp_model.CpModel()
        self.model.name = name
        self.demand = list(demand)
        self.capacity = dict(capacity)
        sites = sorted({j for row in allowed for j in row})
        self.y: dict[int, cp_model.IntVar] = {j: self.model.new_bool_var(f"y[{j}]") for j in sites}
        self.x: dict[tuple[int, int], cp_model.IntVar] = {}
        self.by_site: dict[int, list[int]] = {j: [] for j in sites}
        for i, row in enumerate(allowed):
            if not row:
                raise ValueError(f"client {i} has no allowed site")
            for j in sorted(set(row)):
                self.x[i, j] = self.model.new_bool_var(f"x[{i},{j}]")
                self.by_site[j].append(i)
            self.model.add_exactly_one(self.x[i, j] for j in sorted(set(row)))
        for (_i, j), var in self.x.items():
            self.model.add_implication(var, self.y[j])  # x[i, j] <= y[j]: the strong linking
        for j, _clients in self.by_site.items():
            cap = self.capacity.get(j)
            if cap is not None:
                self.model.add(self.load(j) <= cap * self.y[j])

    @property
    def sites(self) -> list[int]:
        return list(self.y)

    def load(self, j: int) -> cp_model.LinearExpr:
        """Demand assigned to site j."""
        return cp_model.LinearExpr.weighted_sum(
            [self.x[i, j] for i in self.by_site[j]], [self.demand[i] for i in self.by_site[j]]
        )

    def assignment_cost(self, cost: Mapping[tuple[int, int], int]) -> cp_model.LinearExpr:
        keys = sorted(self.x)
        return cp_model.LinearExpr.weighted_sum([self.x[k] for k in keys], [cost[k] for k in keys])

    def add_capacity_cover(self, extra_demand: int = 0) -> None:
        """Redundant cut: the open sites' capacities cover all demand."""
        total = sum(self.demand) + extra_demand
        sites = [j for j in self.y if self.capacity.get(j) is not None]
        if len(sites) == len(self.y):
            self.model.add(
                cp_model.LinearExpr.weighted_sum([self.y[j] for j in sites],
                                                 [self.capacity[j] for j in sites]) >= total
            )

    def add_hint(self, assignment: Mapping[int, int]) -> None:
        """A full solution hint: client -> site; sites with a client are open."""
        used = set(assignment.values())
        for (i, j), var in sorted(self.x.items()):
            self.model.add_hint(var, assignment.get(i) == j)
        for j, var in sorted(self.y.items()):
            self.model.add_hint(var, j in used)

    def assignment(self, outcome: Outcome) -> dict[int, int]:
        return {i: j for (i, j), var in sorted(self.x.items()) if outcome.value(var)}


def solve(
    model: cp_model.CpModel,
    objective: cp_model.LinearExprT,
    params: SolverParams,
    *,
    upper: int | None = None,
    lower: int | None = None,
) -> Outcome:
    """Minimise `objective` on `model` (which is changed: the objective is set on it)."""
    if upper is not None:
        model.add(objective <= upper)
    if lower is not None:
        model.add(objective >= lower)
    model.minimize(objective)
    solver = cp_model.CpSolver()
    params.apply(solver)
    start = time.perf_counter()
    code = solver.solve(model)
    seconds = time.perf_counter() - start
    status = status_of(code)
    has = status in ("OPTIMAL", "FEASIBLE")
    # Objectives here have integer coefficients: the value is whole, and the bound may be rounded up.
    objective_value = float(round(solver.objective_value)) if has else None
    raw = float(solver.best_objective_bound) if has else math.inf
    bound = float(math.ceil(raw - 1e-6)) if math.isfinite(raw) else None
    if status == "OPTIMAL" and objective_value is not None:
        bound = objective_value
    return Outcome(status=status, objective=objective_value, best_bound=bound, seconds=seconds,
                   deterministic_time=float(solver.deterministic_time), _solver=solver)
