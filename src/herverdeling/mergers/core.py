"""The shared core: a capacitated assignment / facility model on CP-SAT, and one way to solve it.

Both the merger model (small tasks to hosts) and the capacitated p-median benchmark are built on
`FacilityModel`: boolean x[i, j] for every allowed client-site pair, boolean y[j] per site, each
client assigned to exactly one site, x[i, j] <= y[j], and a capacity row per site. Callers add
what is specific to them (viability, exactly p sites) and choose the objective.

`solve` runs CP-SAT with documented parameters (models/solver/) and returns an `Outcome` that
states status, objective, best bound and gap; FEASIBLE is never turned into OPTIMAL.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model
from pydantic import BaseModel, ConfigDict, Field

from herverdeling.cpsat import configure, status_of
from herverdeling.proposals import SolveStatus
from herverdeling.settings import load_model, settings_file


class SolverParams(BaseModel):
    """CP-SAT parameters, loaded from models/solver/<name>.yaml; see the file for the reasons."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = "custom"
    num_workers: int = Field(1, ge=1)
    random_seed: int = 0
    max_deterministic_time: float | None = Field(None, gt=0)
    max_time_in_seconds: float | None = Field(None, gt=0)
    linearization_level: int = Field(1, ge=0, le=2)
    log_search_progress: bool = False
    sources: dict[str, str] = {}

    def apply(self, solver: cp_model.CpSolver) -> None:
        configure(solver, num_workers=self.num_workers, random_seed=self.random_seed,
                  max_deterministic_time=self.max_deterministic_time,
                  max_time_in_seconds=self.max_time_in_seconds)
        solver.parameters.linearization_level = self.linearization_level
        solver.parameters.log_search_progress = self.log_search_progress

    def as_info(self) -> dict[str, str | int | float | bool]:
        """The parameters as SolveInfo records them (no None values)."""
        out = self.model_dump(exclude={"sources"})
        return {k: v for k, v in out.items() if v is not None}

    def with_time_limit(self, seconds: float | None) -> SolverParams:
        return self if seconds is None else self.model_copy(update={"max_time_in_seconds": seconds})


def load_solver_params(name_or_path: str = "cpsat-deterministic") -> SolverParams:
    return load_model(settings_file("solver", name_or_path), SolverParams)


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
        return relative_gap(self.objective, self.best_bound)

    @property
    def has_solution(self) -> bool:
        return self.status in ("OPTIMAL", "FEASIBLE")

    def value(self, expr: cp_model.LinearExprT) -> int:
        if self._solver is None or not self.has_solution:
            raise ValueError(f"no solution to read (status {self.status})")
        return int(self._solver.value(expr))


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """|objective - bound| / max(1, |objective|): 0 when proven, None when nothing is known."""
    if objective is None or bound is None:
        return None
    return abs(objective - bound) / max(1.0, abs(objective))


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


def worst_status(statuses: Iterable[SolveStatus]) -> SolveStatus:
    """The status of a sequence of solves: OPTIMAL only if every one is."""
    order: list[SolveStatus] = ["MODEL_INVALID", "INFEASIBLE", "UNKNOWN", "FEASIBLE", "OPTIMAL"]
    found = list(statuses)
    return min(found, key=order.index) if found else "UNKNOWN"
