"""Capacitated p-median on the merger core: known optima, a brute force, and HiGHS agree."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from herverdeling.bench.pmedian import (
    PMedianInstance,
    check_solution,
    read_pmedcap,
    solve_highs,
    solve_pmedian,
)
from herverdeling.bench.pmedian.bounds import fix_by_reduced_cost, lagrangian_bound
from herverdeling.bench.pmedian.heuristics import (
    cost,
    local_search_incumbent,
    solve_gap,
    swap_search,
    transport_cost,
)
from herverdeling.cli import app
from herverdeling.cpsat import load_solver_params
from tests.paths import DATA

PMEDCAP = DATA / "bench" / "pmedcap"


def bench_file(number: str) -> Path:
    path = PMEDCAP / f"pmedcap1-{number}.txt"
    if not path.is_file():
        pytest.fail(f"benchmark file not found: {path} (data/bench/pmedcap is part of the repository)")
    return path


def feasible_assignments(inst: PMedianInstance, domains=None):
    """Every solution (point -> median, exactly p medians, within capacity) and its cost.

    `domains[i]` limits the medians point i may go to (default: every point).
    """
    d = inst.distances()
    for assign in itertools.product(*(domains or [range(inst.n)] * inst.n)):
        if len(set(assign)) != inst.p:
            continue
        load = np.bincount(assign, weights=inst.demand, minlength=inst.n)
        if load.max() <= inst.capacity:
            yield assign, int(d[np.arange(inst.n), assign].sum())


def brute_force(inst: PMedianInstance) -> int:
    best = min((cost for _, cost in feasible_assignments(inst)), default=None)
    assert best is not None
    return best


def random_instance(seed: int, n: int = 7, p: int = 2) -> PMedianInstance:
    rng = np.random.default_rng(seed)
    demand = rng.integers(1, 10, size=n)
    cap = int(demand.sum() // p + rng.integers(2, 8))
    return PMedianInstance(name=f"rand{seed}", number=seed, optimum=None, p=p, capacity=cap,
                           xy=rng.integers(0, 50, size=(n, 2)), demand=demand)


@pytest.mark.parametrize("number", ["01", "02"])
def test_pmedcap_files_reach_known_optimum(number):
    inst = read_pmedcap(bench_file(number))
    assert (inst.n, inst.p, inst.capacity) == (50, 5, 120)
    params = load_solver_params("cpsat-bench").model_copy(update={"num_workers": 2})
    result = solve_pmedian(inst, params)
    assert result.status == "OPTIMAL"
    assert result.objective == inst.optimum
    assert check_solution(inst, inst.distances(), result.assignment) == inst.optimum
    assert result.gap == 0.0


@pytest.mark.parametrize("number", ["01", "02"])
def test_lagrangian_bound_is_a_valid_bound(number):
    inst = read_pmedcap(bench_file(number))
    d = inst.distances()
    lr = lagrangian_bound(inst.demand, d, inst.p, inst.capacity, upper=inst.optimum + 50)
    assert 0.95 * inst.optimum <= lr.bound <= inst.optimum + 1e-6


@pytest.mark.parametrize("seed", range(6))
def test_small_instances_match_brute_force_and_highs(seed):
    inst = random_instance(seed, n=7, p=2 + seed % 2)
    expected = brute_force(inst)
    params = load_solver_params("cpsat-bench").model_copy(update={"num_workers": 2})
    result = solve_pmedian(inst, params)
    assert result.status == "OPTIMAL"
    assert result.objective == expected
    assert check_solution(inst, inst.distances(), result.assignment) == expected
    plain = solve_pmedian(inst, params, use_lagrangian=False, use_fixing=False)
    assert plain.objective == expected
    assert solve_highs(inst, 30).objective == pytest.approx(expected)


@pytest.mark.parametrize("seed", range(4))
def test_fixing_keeps_every_solution_at_or_below_the_target(seed):
    inst = random_instance(seed + 10, n=7, p=2)
    d = inst.distances()
    best = brute_force(inst)
    lr = lagrangian_bound(inst.demand, d, inst.p, inst.capacity, upper=best + 20)
    allowed = fix_by_reduced_cost(lr, inst.demand, d, inst.p, inst.capacity, upper=best)
    # some optimal solution survives: the restricted problem still reaches `best`
    found = min((cost for _, cost in feasible_assignments(inst, allowed)), default=None)
    assert found == best


def brute_force_restricted(inst: PMedianInstance, medians_ok, domains=None) -> int | None:
    """Optimum over the solutions whose median set passes `medians_ok` (None if there is none)."""
    return min((c for a, c in feasible_assignments(inst, domains) if medians_ok(set(a))), default=None)


@pytest.mark.parametrize("seed", range(4))
def test_lagrangian_bound_with_forced_and_closed_medians_is_valid(seed):
    inst = random_instance(seed + 20, n=7, p=2)
    d = inst.distances()
    forced = np.zeros(inst.n, dtype=bool)
    forced[seed % inst.n] = True
    closed = np.zeros(inst.n, dtype=bool)
    closed[(seed + 3) % inst.n] = True
    for fo, cl, ok in [(forced, None, lambda s: int(np.flatnonzero(forced)[0]) in s),
                       (None, closed, lambda s: int(np.flatnonzero(closed)[0]) not in s)]:
        best = brute_force_restricted(inst, ok)
        lr = lagrangian_bound(inst.demand, d, inst.p, inst.capacity, upper=(best or 100) + 20,
                              forced_open=fo, closed=cl, heuristic_tries=0)
        if best is None:
            continue
        assert lr.bound <= best + 1e-6
        allowed = fix_by_reduced_cost(lr, inst.demand, d, inst.p, inst.capacity, upper=best,
                                      forced_open=fo, closed=cl)
        # a best restricted solution survives the fixing
        assert brute_force_restricted(inst, ok, allowed) == best


@pytest.mark.parametrize("seed", range(4))
def test_exact_assignment_for_fixed_medians_matches_brute_force(seed):
    inst = random_instance(seed + 30, n=7, p=2)
    d = inst.distances()
    medians = [0, 3]
    best = None
    for assign in itertools.product(medians, repeat=inst.n):
        load = {j: sum(int(inst.demand[i]) for i in range(inst.n) if assign[i] == j) for j in medians}
        if max(load.values()) <= inst.capacity:
            c = int(d[np.arange(inst.n), assign].sum())
            best = c if best is None or c < best else best
    a = solve_gap(inst.demand, d, medians, inst.capacity)
    if best is None:
        assert a is None
        return
    assert a is not None
    assert cost(d, a) == best
    # the transport LP (points may split) is a lower estimate of the exact assignment
    assert transport_cost(inst.demand, d, medians, inst.capacity) <= best + 0.01 * inst.n


@pytest.mark.parametrize("number", ["01", "04"])
def test_swap_search_keeps_solutions_feasible_and_never_worse(number):
    inst = read_pmedcap(bench_file(number))
    d = inst.distances()
    start = local_search_incumbent(inst.demand, d, inst.p, inst.capacity)
    assert start is not None
    better = swap_search(inst.demand, d, start, inst.capacity, max_rounds=3)
    assert check_solution(inst, d, better) <= check_solution(inst, d, start)
    assert check_solution(inst, d, better) >= inst.optimum


def test_read_pmedcap_rejects_bad_files(tmp_path):
    from herverdeling.errors import ScenarioError

    bad = tmp_path / "bad.txt"
    bad.write_text("1 100\n3 1 10\n1 0 0 1\n")
    with pytest.raises(ScenarioError, match="expected 3 point lines"):
        read_pmedcap(bad)


def test_cli_bench_pmedcap_json():
    res = CliRunner().invoke(app, ["bench", "pmedcap", str(bench_file("02")), "--json",
                                   "--time-limit", "60"])
    assert res.exit_code == 0, res.output
    assert '"at_known_optimum": true' in res.output
    assert '"highs_seconds"' in res.output


def test_cli_bench_pmedcap_json_stdout_is_pure_json():
    """HiGHS's banner (printed by C code on file descriptor 1) must not reach stdout."""
    import json
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "herverdeling", "bench", "pmedcap",
                           str(bench_file("02")), "--json"], capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)["results"]
    assert [r["objective"] for r in rows] == [r["known_optimum"] for r in rows]


@pytest.mark.parametrize("seed", range(4))
def test_restricted_primal_finds_only_solutions_below_the_incumbent(seed):
    """With every median a candidate, the restricted model finds the brute-force optimum below ub."""
    from herverdeling.bench.pmedian.bounds import knapsack_values
    from herverdeling.bench.pmedian.solve import _restricted_primal

    inst = random_instance(seed + 20, n=7, p=2)
    d = inst.distances()
    expected = brute_force(inst)
    start = local_search_incumbent(inst.demand, d, inst.p, inst.capacity)
    assert start is not None
    lr = lagrangian_bound(inst.demand, d, inst.p, inst.capacity, upper=check_solution(inst, d, start))
    params = load_solver_params("cpsat-bench").model_copy(update={"max_time_in_seconds": 10.0})
    found = _restricted_primal(inst, d, lr, start, expected + 1, inst.n, params)
    assert found is not None
    assert check_solution(inst, d, found) == expected
    assert _restricted_primal(inst, d, lr, start, expected, inst.n, params) is None
    few = _restricted_primal(inst, d, lr, start, expected + 5, 1, params)
    if few is not None:  # medians among the best-ranked one and the incumbent's
        best = int(np.argmin(knapsack_values(lr, inst.demand, d, inst.capacity)))
        assert set(few.values()) <= set(start.values()) | {best}
        assert expected <= check_solution(inst, d, few) < expected + 5


def solutions_at_or_below(inst: PMedianInstance, target: int) -> list[tuple[int, ...]]:
    return [assign for assign, cost in feasible_assignments(inst) if cost <= target]


@pytest.mark.parametrize("seed", range(4))
def test_columns_hold_every_cluster_of_every_solution_at_or_below_the_target(seed):
    from herverdeling.bench.pmedian.bounds import enumerate_columns

    inst = random_instance(seed + 40, n=7, p=2 + seed % 2)
    d = inst.distances()
    best = brute_force(inst)
    lr = lagrangian_bound(inst.demand, d, inst.p, inst.capacity, upper=best + 20, heuristic_tries=0)
    for target in (best, best + 3):
        allowed = fix_by_reduced_cost(lr, inst.demand, d, inst.p, inst.capacity, upper=target)
        columns = enumerate_columns(lr, inst.demand, d, inst.p, inst.capacity, upper=target,
                                    allowed=allowed, max_columns=100_000)
        assert columns is not None
        kept = {(j, frozenset(s)) for j, s in columns}
        assert len(kept) == len(columns)  # no cluster twice
        for j, s in columns:
            assert s
            assert int(inst.demand[list(s)].sum()) <= inst.capacity
            assert all(j in allowed[i] for i in s)
        solutions = solutions_at_or_below(inst, target)
        assert solutions
        for assign in solutions:
            for j in set(assign):
                assert (j, frozenset(i for i, m in enumerate(assign) if m == j)) in kept
    assert enumerate_columns(lr, inst.demand, d, inst.p, inst.capacity, upper=best + 3,
                             allowed=allowed, max_columns=0) is None


@pytest.mark.parametrize("seed", range(4))
def test_set_partitioning_over_the_columns_proves_the_brute_force_optimum(seed):
    from herverdeling.bench.pmedian.bounds import enumerate_columns
    from herverdeling.bench.pmedian.solve import _cpsat_columns

    inst = random_instance(seed + 50, n=7, p=2 + seed % 2)
    d = inst.distances()
    best = brute_force(inst)
    params = load_solver_params("cpsat-bench").model_copy(update={"max_time_in_seconds": 10.0})
    # tuned multipliers, and weak ones (3 iterations): the fixing is valid for any multipliers,
    # and with weak ones clusters survive at best - 1, so CP-SAT itself proves infeasibility
    for iterations in (1500, 3):
        lr = lagrangian_bound(inst.demand, d, inst.p, inst.capacity, upper=best + 20,
                              heuristic_tries=0, max_iter=iterations)
        for target, status in ((best + 2, "OPTIMAL"), (best - 1, "INFEASIBLE")):
            allowed = fix_by_reduced_cost(lr, inst.demand, d, inst.p, inst.capacity, upper=target)
            columns = enumerate_columns(lr, inst.demand, d, inst.p, inst.capacity, upper=target,
                                        allowed=allowed, max_columns=100_000)
            assert columns is not None
            if iterations == 3:
                assert columns, "weak multipliers should leave clusters for CP-SAT to refute"
            out, assignment_of = _cpsat_columns(inst, d, columns, params, target, None)
            assert out.status == status
            if status == "OPTIMAL":
                assert check_solution(inst, d, assignment_of(out)) == best == out.objective


def test_set_partitioning_opens_each_median_once():
    """A cluster need not hold its own median; a median still serves one cluster only.

    Point 0 (demand 10 = Q) fills a median alone; the three others lie 10 from it. At T = 40 the
    cluster "median 0 serves 1, 2, 3" survives; without at most one cluster per median the
    model would also give 0 its own cluster and report 30 with a single median.
    """
    from herverdeling.bench.pmedian.bounds import enumerate_columns
    from herverdeling.bench.pmedian.solve import _cpsat_columns

    inst = PMedianInstance(name="centre", number=0, optimum=None, p=2, capacity=10,
                           xy=np.array([[20, 20], [30, 20], [15, 29], [15, 11]]),
                           demand=np.array([10, 1, 1, 1]))
    d = inst.distances()
    best = brute_force(inst)
    lr = lagrangian_bound(inst.demand, d, inst.p, inst.capacity, upper=100, heuristic_tries=0)
    allowed = fix_by_reduced_cost(lr, inst.demand, d, inst.p, inst.capacity, upper=40)
    columns = enumerate_columns(lr, inst.demand, d, inst.p, inst.capacity, upper=40,
                                allowed=allowed, max_columns=100_000)
    assert columns is not None
    assert (0, (1, 2, 3)) in columns
    params = load_solver_params("cpsat-bench").model_copy(update={"max_time_in_seconds": 10.0})
    out, assignment_of = _cpsat_columns(inst, d, columns, params, 40, None)
    assert out.status == "OPTIMAL"
    assert out.objective == best
    assert check_solution(inst, d, assignment_of(out)) == best


@pytest.mark.parametrize("seed", range(3))
def test_pair_model_and_column_model_rounds_agree(seed):
    inst = random_instance(seed + 60, n=7, p=2)
    expected = brute_force(inst)
    params = load_solver_params("cpsat-bench")
    for max_columns in (0, 100_000):
        result = solve_pmedian(inst, params, use_heuristic=False, max_columns=max_columns)
        assert result.status == "OPTIMAL"
        assert result.objective == expected
        assert check_solution(inst, inst.distances(), result.assignment) == expected
        assert all(v == -1 for k, v in result.steps.items() if k.endswith("_columns")) == (max_columns == 0)
