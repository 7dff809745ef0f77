"""p-median with real costs, the portfolio and the generator: brute force on tiny instances."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from typer.testing import CliRunner

from herverdeling.bench.pmedian.generate import generate
from herverdeling.bench.pmedian.solve import (
    PMedianInstance,
    check_solution,
    read_sjc,
    self_serve,
    solve_highs,
    solve_pmedian,
    solve_portfolio,
)
from herverdeling.cli import app
from herverdeling.cpsat import load_solver_params
from herverdeling.errors import ScenarioError


def brute_force_real(inst: PMedianInstance) -> float:
    """The optimum on the exact real distances, by enumerating every assignment."""
    d = inst.real_distances()
    best = np.inf
    for assign in itertools.product(range(inst.n), repeat=inst.n):
        if len(set(assign)) != inst.p:
            continue
        load = np.bincount(assign, weights=inst.demand, minlength=inst.n)
        if load.max() <= inst.capacity:
            best = min(best, float(d[np.arange(inst.n), assign].sum()))
    assert np.isfinite(best)
    return float(best)


def real_instance(seed: int, n: int = 7, p: int = 2, scale: int = 100) -> PMedianInstance:
    rng = np.random.default_rng(seed)
    demand = rng.integers(1, 10, size=n)
    cap = int(demand.sum() // p + rng.integers(2, 8))
    return PMedianInstance(name=f"real{seed}", number=seed, optimum=None, p=p, capacity=cap,
                           xy=rng.uniform(0, 50, size=(n, 2)), demand=demand, real=True,
                           cost_scale=scale)


def params(limit: float = 20.0):
    return load_solver_params("cpsat-bench").with_time_limit(limit)


@pytest.mark.parametrize("seed", range(4))
def test_real_costs_scaled_proof_brackets_the_brute_force_optimum(seed):
    """Floor-scaled costs: bound / scale <= true optimum <= exact cost of the found solution,
    and the two lie within (n - p) / scale (the scaling's tolerance)."""
    inst = real_instance(seed, p=2 + seed % 2, scale=10)
    exact = brute_force_real(inst)
    r = solve_pmedian(inst, params())
    assert r.status == "OPTIMAL"
    assert r.best_bound is not None
    found = inst.real_cost(r.assignment)
    assert r.best_bound / inst.cost_scale <= exact + 1e-9
    assert exact <= found + 1e-9
    assert found - r.best_bound / inst.cost_scale <= (inst.n - inst.p) / inst.cost_scale + 1e-9


@pytest.mark.parametrize("seed", range(3))
def test_portfolio_on_real_costs_matches_brute_force(seed):
    inst = real_instance(seed + 20, p=2, scale=10_000)
    exact = brute_force_real(inst)
    r = solve_portfolio(inst, params(), tolerance=0.005)
    assert r.status == "OPTIMAL"
    assert r.objective == pytest.approx(exact, abs=0.005)
    assert r.bound is not None
    assert r.bound <= exact + 1e-6
    check_solution(inst, inst.distances(), r.assignment)
    assert solve_highs(inst, 20).objective == pytest.approx(exact, abs=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_portfolio_on_integer_costs_matches_brute_force(seed):
    inst = generate("pmedcap", 7, seed, "tight", p=2)
    d = inst.distances()
    best = min(int(d[np.arange(inst.n), a].sum())
               for a in itertools.product(range(inst.n), repeat=inst.n)
               if len(set(a)) == inst.p
               and np.bincount(a, weights=inst.demand, minlength=inst.n).max() <= inst.capacity)
    for use_ours, use_highs in ((True, True), (True, False), (False, True)):
        r = solve_portfolio(inst, params(), use_ours=use_ours, use_highs=use_highs)
        assert r.status == "OPTIMAL", (use_ours, use_highs)
        assert r.objective == best
        assert r.bound == best
        assert check_solution(inst, d, r.assignment) == best


def test_self_serve_gives_every_open_site_a_median_at_no_extra_cost():
    """The plain MIP may open a site no point uses (x_ij <= y_j): 39 medians for p = 40 were
    measured. Here site 3 is open and empty, and site 1 serves only point 3: after the repair all
    three open sites are medians, every rule holds, and the cost did not rise."""
    rng = np.random.default_rng(5)
    demand = rng.integers(1, 10, size=6)
    inst = PMedianInstance(name="open-empty", number=0, optimum=None, p=3, capacity=int(demand.sum()),
                           xy=rng.uniform(0, 50, size=(6, 2)), demand=demand)
    d = inst.distances()
    before = {0: 0, 1: 0, 2: 0, 3: 1, 4: 0, 5: 0}
    with pytest.raises(ValueError, match="2 medians"):
        check_solution(inst, d, before)
    after = self_serve(before, [0, 1, 3])
    assert set(after.values()) == {0, 1, 3}
    assert check_solution(inst, d, after) <= sum(int(d[i, j]) for i, j in before.items())
    assert self_serve(after, [0, 1, 3]) == after  # a complete solution is left as it is


def test_generator_is_deterministic_and_matches_the_family():
    a = generate("pmedcap", 100, 3, "tight")
    b = generate("pmedcap", 100, 3, "tight")
    assert np.array_equal(a.xy, b.xy)
    assert np.array_equal(a.demand, b.demand)
    assert a.capacity == b.capacity
    assert not np.array_equal(a.xy, generate("pmedcap", 100, 4, "tight").xy)
    assert (a.n, a.p) == (100, 10)
    assert a.demand.min() >= 1
    assert a.demand.max() <= 20
    assert a.xy.min() >= 1
    assert a.xy.max() <= 100
    # tight: total demand / (p Q) near the OR-Library files' 0.82-0.90; loose: at most 0.6
    assert 0.8 <= a.demand.sum() / (a.p * a.capacity) <= 0.9
    loose = generate("pmedcap", 100, 3, "loose")
    assert loose.demand.sum() / (loose.p * loose.capacity) <= 0.6
    s = generate("sjc", 200, 1, "tight")
    assert s.real
    assert s.p == 15
    assert s.cost_scale == 10_000
    assert not np.allclose(s.real_distances(), np.floor(s.real_distances()))


def test_read_sjc(tmp_path):
    good = tmp_path / "SJC9.dat"
    good.write_text("3 1\n0 0 30 5\n3.5 0 30 6\n0 4.25 30 7\n")
    inst = read_sjc(good, cost_scale=100)
    assert (inst.n, inst.p, inst.capacity) == (3, 1, 30)
    assert inst.real_distances()[0, 1] == pytest.approx(3.5)
    assert inst.distances()[0, 2] == 425


@pytest.mark.parametrize(("text", "where"), [
    ("3 1\n0 0 30 5\n3.5 x 30 6\n0 4 30 7\n", "row 3, field 'y'"),
    ("3 1\n0 0 30 5\n3.5 0 30 6\n", "row 3"),
    ("3 1\n0 0 30 5\n3.5 0 31 6\n0 4 30 7\n", "row 3, field 'capacity'"),
    ("3 1\n0 0 30 5\n3.5 0 30\n0 4 30 7\n", "row 3, field 'demand'"),
    ("3 5\n0 0 30 5\n3.5 0 30 6\n0 4 30 7\n", "row 1, field 'p'"),
])
def test_read_sjc_errors_name_file_row_and_field(tmp_path, text, where):
    bad = tmp_path / "bad.dat"
    bad.write_text(text)
    with pytest.raises(ScenarioError, match=r"bad\.dat") as exc:
        read_sjc(bad)
    assert where in str(exc.value)


def test_cli_bench_sjc_bad_file_exits_2_with_one_message(tmp_path):
    bad = tmp_path / "bad.dat"
    bad.write_text("2 1\n0 0 30 5\n1 zz 30 6\n")
    res = CliRunner().invoke(app, ["bench", "sjc", str(bad), "--no-highs"])
    assert res.exit_code == 2
    assert "bad.dat, row 3, field 'y'" in res.output


def test_cli_bench_sjc_json_matches_brute_force(tmp_path):
    import json

    inst = real_instance(5, n=6, p=2, scale=10_000)
    f = tmp_path / "tiny.dat"
    f.write_text(f"{inst.n} {inst.p}\n" + "".join(
        f"{x!r} {y!r} {inst.capacity} {w}\n" for (x, y), w in zip(inst.xy.tolist(), inst.demand.tolist(),
                                                                strict=True)))
    res = CliRunner().invoke(app, ["bench", "sjc", str(f), "--json", "--time-limit", "20"])
    assert res.exit_code == 1, res.output  # no known optimum for this file: not "at the known optimum"
    row = json.loads(res.stdout[res.stdout.index("{"):])["results"][0]
    exact = brute_force_real(inst)
    assert row["status"] == "OPTIMAL"
    assert row["objective"] == pytest.approx(exact, abs=0.005)
    assert row["highs_objective"] == pytest.approx(exact, abs=1e-3)
    assert not row["worse_on_both"]


def _tiny_optimum(inst: PMedianInstance) -> int:
    d = inst.distances()
    return min(int(d[np.arange(inst.n), a].sum())
               for a in itertools.product(range(inst.n), repeat=inst.n)
               if len(set(a)) == inst.p
               and np.bincount(a, weights=inst.demand, minlength=inst.n).max() <= inst.capacity)


@pytest.mark.parametrize("seed", range(3))
def test_each_part_reports_checked_incumbents_and_valid_bounds_as_it_goes(seed):
    """What the portfolio keeps when it stops a part at the cap: every report of ours and of
    HiGHS is a solution that passes every rule at the cost it states, with a bound at most the
    brute-force optimum; the last HiGHS report is its final solution."""
    inst = generate("pmedcap", 7, seed, "tight", p=2)
    best = _tiny_optimum(inst)
    d = inst.distances()
    for part in ("ours", "highs"):
        reports: list = []
        if part == "ours":
            final = solve_pmedian(inst, params(), report=reports.append)
        else:
            final = solve_highs(inst, 20.0, report=reports.append)  # 2 threads, as the suite
        assert reports, part
        for r in reports:
            assert r.status in ("FEASIBLE", "interim")
            assert check_solution(inst, d, r.assignment) == r.objective >= best
            assert r.best_bound is None or r.best_bound <= best + 1e-6
        assert final.objective == best
        if part == "highs":
            assert reports[-1].objective == final.objective
