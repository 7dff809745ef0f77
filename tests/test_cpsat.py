"""The shared CP-SAT plumbing: both solver paths fix workers, seed, limits and Ctrl-C handling."""

from ortools.sat.python import cp_model

from herverdeling.cpsat import configure, status_of
from herverdeling.mergers.core import SolverParams


def test_configure_sets_determinism_limits_and_leaves_ctrl_c_to_python():
    solver = cp_model.CpSolver()
    configure(solver, num_workers=1, random_seed=7, max_deterministic_time=3.0)
    p = solver.parameters
    assert (p.num_workers, p.random_seed, p.max_deterministic_time) == (1, 7, 3.0)
    assert p.catch_sigint_signal is False
    assert p.max_time_in_seconds == cp_model.CpSolver().parameters.max_time_in_seconds  # unset


def test_solver_params_apply_adds_its_own_settings():
    solver = cp_model.CpSolver()
    SolverParams(num_workers=2, random_seed=3, linearization_level=2, max_time_in_seconds=5.0).apply(solver)
    p = solver.parameters
    assert (p.num_workers, p.random_seed, p.linearization_level, p.max_time_in_seconds) == (2, 3, 2, 5.0)
    assert p.catch_sigint_signal is False


def test_status_names():
    assert status_of(cp_model.OPTIMAL) == "OPTIMAL"
    assert status_of(cp_model.INFEASIBLE) == "INFEASIBLE"
    assert status_of(12345) == "UNKNOWN"
