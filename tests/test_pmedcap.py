"""Capacitated p-median on the merger core: known optima, a brute force, and HiGHS agree."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from herverdeling.cli import app
from herverdeling.mergers.bounds import fix_by_reduced_cost, lagrangian_bound
from herverdeling.mergers.core import load_solver_params
from herverdeling.mergers.pmedian import (
    PMedianInstance,
    check_solution,
    read_pmedcap,
    solve_highs,
    solve_pmedian,
)

PMEDCAP = Path(__file__).resolve().parents[2] / "shared" / "bench" / "pmedcap"


def bench_file(number: str) -> Path:
    path = PMEDCAP / f"pmedcap1-{number}.txt"
    if not path.is_file():
        pytest.fail(f"benchmark file not found: {path} (shared/ must sit beside the clone)")
    return path


def brute_force(inst: PMedianInstance) -> int:
    d = inst.distances()
    best = None
    for assign in itertools.product(range(inst.n), repeat=inst.n):
        if len(set(assign)) != inst.p:
            continue
        load = np.bincount(assign, weights=inst.demand, minlength=inst.n)
        if load.max() > inst.capacity:
            continue
        cost = int(d[np.arange(inst.n), assign].sum())
        best = cost if best is None or cost < best else best
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
    sub = PMedianInstance(name="sub", number=0, optimum=None, p=inst.p, capacity=inst.capacity,
                          xy=inst.xy, demand=inst.demand)
    found = None
    for assign in itertools.product(*allowed):
        if len(set(assign)) != inst.p:
            continue
        load = np.bincount(assign, weights=inst.demand, minlength=inst.n)
        if load.max() <= inst.capacity:
            cost = int(d[np.arange(inst.n), assign].sum())
            found = cost if found is None or cost < found else found
    assert found == best
    assert sub.n == inst.n


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
