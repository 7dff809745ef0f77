"""CP-SAT plumbing shared by the merger and uitruil models: run parameters and status names."""

from __future__ import annotations

from ortools.sat.python import cp_model

from herverdeling.proposals import SolveStatus

_STATUS: dict[int, SolveStatus] = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.MODEL_INVALID: "MODEL_INVALID",
    cp_model.UNKNOWN: "UNKNOWN",
}


def status_of(code: int) -> SolveStatus:
    """The SolveInfo name of a CP-SAT status code (anything unexpected is UNKNOWN)."""
    return _STATUS.get(code, "UNKNOWN")


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
