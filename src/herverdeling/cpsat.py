"""The one solver toolbox: CP-SAT parameters, status names and their ranking, and the gap.

Every model here (mergers, uitruil, the p-median benchmark) takes its CP-SAT parameters from a
`SolverParams` (models/solver/<name>.yaml, or the uitruil settings' own block), names a status with
`status_of`, summarises several solves with `worst_status`, and reports `relative_gap`, so a
status or a gap means the same thing in every SolveInfo.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterable, Iterator

from ortools.sat.python import cp_model
from pydantic import BaseModel, ConfigDict, Field

from herverdeling.defaults import DEFAULT_SOLVER
from herverdeling.proposals import SolveStatus
from herverdeling.settings import load_model, settings_file

_STATUS: dict[cp_model.CpSolverStatus | int, SolveStatus] = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.MODEL_INVALID: "MODEL_INVALID",
    cp_model.UNKNOWN: "UNKNOWN",
}
# From best to worst: the worst status of a group of solves is the one that speaks for the group.
STATUS_ORDER: tuple[SolveStatus, ...] = ("OPTIMAL", "FEASIBLE", "UNKNOWN", "INFEASIBLE", "MODEL_INVALID")


def status_of(code: cp_model.CpSolverStatus | int) -> SolveStatus:
    """The SolveInfo name of a CP-SAT status code (anything unexpected is UNKNOWN)."""
    return _STATUS.get(code, "UNKNOWN")


def worst_status(statuses: Iterable[SolveStatus]) -> SolveStatus:
    """The status of several solves (STATUS_ORDER): OPTIMAL only if every one is; none is UNKNOWN."""
    found = list(statuses)
    return max(found, key=STATUS_ORDER.index) if found else "UNKNOWN"


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """gap = |objective - bound| / max(1, |objective|, |bound|); None when either is unknown.

    The one gap definition. Dividing by the larger magnitude serves both senses: a minimisation
    (bound below the objective: divides by the objective) and a maximisation (bound above it:
    divides by the bound), and keeps the gap in [0, 1] for non-negative objectives. The floor of
    1 keeps an objective of 0 from dividing by zero. 0 means proven optimal.
    """
    if objective is None or bound is None:
        return None
    return abs(objective - bound) / max(1.0, abs(objective), abs(bound))


def configure(solver: cp_model.CpSolver, *, num_workers: int, random_seed: int,
              max_deterministic_time: float | None = None,
              max_time_in_seconds: float | None = None) -> None:
    """Set the parameters every run here fixes: workers and seed (determinism) and the limits."""
    p = solver.parameters
    p.num_workers = num_workers
    p.random_seed = random_seed
    # CP-SAT's own SIGINT handler swallows a Ctrl-C and leaves the default handler behind, so a
    # later Ctrl-C killed the process before an unfinished output folder was removed. Python's
    # handler raises KeyboardInterrupt once the (time-limited) solve returns.
    p.catch_sigint_signal = False
    if max_deterministic_time is not None:
        p.max_deterministic_time = max_deterministic_time
    if max_time_in_seconds is not None:
        p.max_time_in_seconds = max_time_in_seconds


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
        """Set every parameter on `solver` (and the Ctrl-C handling of `configure`)."""
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
        """The same parameters with a wall-clock limit (None: unchanged)."""
        return self if seconds is None else self.model_copy(update={"max_time_in_seconds": seconds})


def load_solver_params(name_or_path: str = DEFAULT_SOLVER) -> SolverParams:
    """A bundled preset of models/solver/ by name, or a YAML file by path."""
    return load_model(settings_file("solver", name_or_path), SolverParams)


class _Redirect:
    """How many `stdout_to_stderr` blocks are open in this process, and the stdout they restore."""

    lock = threading.Lock()
    depth = 0
    saved: int | None = None


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """MIP solvers (HiGHS) print banners on file descriptor 1: keep stdout for the caller's output
    (a --json answer stays pure JSON). Without a usable stdout nothing is redirected.

    File descriptor 1 belongs to the process, not to a thread, so the blocks are counted under a
    lock: the first to open redirects, the last to close restores. Solves on several threads (the
    deal model's categories side by side) then never restore stdout while another still prints."""
    with _Redirect.lock:
        if _Redirect.depth == 0:
            try:
                if sys.stdout is not None:
                    sys.stdout.flush()
                _Redirect.saved = os.dup(1)
                os.dup2(2, 1)
            except OSError:
                _Redirect.saved = None
        _Redirect.depth += 1
    try:
        yield
    finally:
        with _Redirect.lock:
            _Redirect.depth -= 1
            if _Redirect.depth == 0 and _Redirect.saved is not None:
                os.dup2(_Redirect.saved, 1)
                os.close(_Redirect.saved)
                _Redirect.saved = None
