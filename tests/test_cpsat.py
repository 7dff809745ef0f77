"""The one solver toolbox: CP-SAT parameters, status names and ranking, and the gap, in cpsat.py."""

import ast
import os
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from herverdeling.cpsat import (
    STATUS_ORDER,
    SolverParams,
    configure,
    load_solver_params,
    relative_gap,
    status_of,
    stdout_to_stderr,
    worst_status,
)
from herverdeling.uitruil.settings import load_uitruil_settings
from tests.paths import SRC


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


def test_worst_status_follows_the_one_ranking():
    assert STATUS_ORDER[0] == "OPTIMAL"
    assert worst_status(["OPTIMAL", "OPTIMAL"]) == "OPTIMAL"
    assert worst_status(["OPTIMAL", "FEASIBLE", "OPTIMAL"]) == "FEASIBLE"
    assert worst_status(["FEASIBLE", "UNKNOWN"]) == "UNKNOWN"
    assert worst_status(["UNKNOWN", "INFEASIBLE"]) == "INFEASIBLE"
    assert worst_status(["INFEASIBLE", "MODEL_INVALID", "OPTIMAL"]) == "MODEL_INVALID"
    assert worst_status([]) == "UNKNOWN"


def test_relative_gap_edges():
    assert relative_gap(None, 3.0) is None
    assert relative_gap(3.0, None) is None
    assert relative_gap(7.0, 7.0) == 0.0
    assert relative_gap(0.0, 12.0) == 1.0  # maximisation, nothing found yet: the whole bound
    assert relative_gap(0.0, 0.0) == 0.0  # the floor of 1: no division by zero


@given(st.integers(0, 10**6), st.integers(0, 10**6))
def test_relative_gap_equals_both_formulas_it_replaced(a: int, b: int):
    """Minimisation (mergers): |obj - bound| / max(1, |obj|); maximisation (uitruil):
    (bound - obj) / max(1, bound). One formula gives both, so every SolveInfo keeps its number."""
    low, high = sorted((float(a), float(b)))
    assert relative_gap(high, low) == abs(high - low) / max(1.0, abs(high))  # min: bound <= obj
    assert relative_gap(low, high) == (high - low) / max(1.0, high)  # max: bound >= obj


def test_uitruil_solver_is_the_one_parameter_class_with_its_old_values():
    solver = load_uitruil_settings().solver
    assert isinstance(solver, SolverParams)
    assert (solver.num_workers, solver.random_seed, solver.max_deterministic_time,
            solver.max_time_in_seconds, solver.linearization_level) == (1, 20250115, 10.0, 60.0, 1)
    assert load_solver_params().id == "cpsat-deterministic"


def test_no_other_module_defines_solver_parameters_a_status_order_or_a_gap():
    """`num_workers` as a field, a STATUS_ORDER or a *gap function live in cpsat.py only."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "cpsat.py" and path.parent == SRC:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                    and node.target.id in {"num_workers", "STATUS_ORDER"}:
                found.append(f"{path.relative_to(SRC)}:{node.lineno} {node.target.id}")
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "STATUS_ORDER"
                                                    for t in node.targets):
                found.append(f"{path.relative_to(SRC)}:{node.lineno} STATUS_ORDER")
            if isinstance(node, ast.FunctionDef) and node.name in {"relative_gap", "worst_status"}:
                found.append(f"{path.relative_to(SRC)}:{node.lineno} {node.name}")
    assert not found, "use herverdeling.cpsat: " + ", ".join(found)


@pytest.mark.parametrize("name", ["cpsat-deterministic", "cpsat-bench"])
def test_presets_load(name):
    assert load_solver_params(name).id == name


def _fd1_is(fd: int) -> bool:
    a, b = os.fstat(1), os.fstat(fd)
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def test_stdout_stays_redirected_until_the_last_of_two_threads_leaves(capfd):
    """Thread A opens a block, B opens one, A closes first: file descriptor 1 must still be
    stderr while B prints, and stdout again once B has closed too."""
    original = os.dup(1)
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def a() -> None:
        with stdout_to_stderr():
            a_in.set()
            b_in.wait(5)
        a_out.set()

    def b() -> None:
        a_in.wait(5)
        with stdout_to_stderr():
            b_in.set()
            a_out.wait(5)
            seen["b_after_a"] = _fd1_is(2)
            os.write(1, b"banner\n")

    try:
        threads = [threading.Thread(target=a), threading.Thread(target=b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        seen["restored"] = _fd1_is(original) and not _fd1_is(2)
    finally:
        os.close(original)
    assert seen == {"b_after_a": True, "restored": True}
    out, err = capfd.readouterr()
    assert "banner" in err
    assert "banner" not in out
