"""The generalised facility instance (issue 19, point 3): both solvers against a brute force.

Tiny instances with an allowed-pair mask, a capacity per site, p bounds, home sites, a minimum
size and lexicographic levels, on integer and real costs; and the real merger scopes of a
synthetic country, exported, against the product's merger core and the brute force.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from herverdeling.bench.pmedian.facility import (
    FacilityInstance,
    FacilityResult,
    brute_force,
    from_merger,
    from_pmedian,
    lex_worse_on_both,
    read_facility,
    solve_core,
    solve_highs_facility,
    write_facility,
)
from herverdeling.bench.pmedian.solve import PMedianInstance, solve_highs
from herverdeling.commitments import Commitments
from herverdeling.cpsat import load_solver_params
from herverdeling.mergers import load_merger_settings
from herverdeling.mergers.model import build_instances, evaluate, solve_instance
from herverdeling.scenario.synthetic import synthetic_country

MERGER_LEVELS = ((("nonviable", 1),), (("locations", 1),), (("cost", 1),))


def params(limit: float = 20.0):
    return load_solver_params("cpsat-bench").with_time_limit(limit)


def tiny(seed: int, *, real: bool, merger_shape: bool = False, n: int = 6, m: int = 5,
         require_viable: bool = False) -> FacilityInstance:
    """A random tiny instance: mask with about 60 % of the pairs, capacities per site."""
    rng = np.random.default_rng([seed, int(real), int(merger_shape)])
    demand = rng.integers(1, 9, size=n)
    if merger_shape:  # sites 0..n-1 are the clients' homes, then m extra hosts
        m_all = n + m
        allowed = rng.random((n, m_all)) < 0.6
        allowed[np.arange(n), np.arange(n)] = True
        home = np.array(list(range(n)) + [-1] * m)
        need = rng.integers(0, 14, size=m_all)
        counts = rng.random(m_all) < 0.8
        capacity = rng.integers(8, 20, size=m_all)
        levels = MERGER_LEVELS
        p_min, p_max = 0, None
        groups = (((m_all - 2, m_all - 1), int(rng.integers(4, 16))),)  # a cross-border surplus cap
    else:
        m_all = m
        allowed = rng.random((n, m_all)) < 0.6
        home = need = counts = None
        capacity = rng.integers(6, 18, size=m_all)
        levels = ((("cost", 1),),)
        p_min, p_max = 1, 3
        groups = ()
    for i in range(n):
        if not allowed[i].any():
            allowed[i, rng.integers(m_all)] = True
    xy = rng.uniform(0, 30, size=(n + m_all, 2))
    d = np.sqrt(((xy[:n, None, :] - xy[None, n:, :]) ** 2).sum(axis=2))
    cost = d if real else np.floor(d)
    if merger_shape:
        cost[np.arange(n), np.arange(n)] = 0.0
    return FacilityInstance(name=f"tiny{seed}", demand=demand, capacity=capacity,
                            cost=np.where(allowed, cost, 0.0), allowed=allowed, p_min=p_min,
                            p_max=p_max, home=home, need=need, counts=counts, group_caps=groups,
                            levels=levels,
                            require_viable=require_viable, real=real,
                            cost_scale=1000 if real else 1)


def check_against_brute_force(fi: FacilityInstance) -> int:
    """Both solvers reach the brute-force optimum (real costs: HiGHS exactly, the core within
    its scaling tolerance n / cost_scale, with its bound below the optimum); returns 1 if feasible."""
    best = brute_force(fi)
    core = solve_core(fi, params())
    highs = solve_highs_facility(fi, 20.0)
    if best is None:
        assert core.statuses[0] == "INFEASIBLE"
        assert highs.statuses[0] == "INFEASIBLE"
        return 0
    values, _ = best
    for r in (core, highs):
        assert r.status == "OPTIMAL", (r.solver, r.statuses)
        got = fi.evaluate(r.assignment)  # every rule holds
        assert got == pytest.approx(r.objectives)
    assert highs.objectives == pytest.approx(list(values), abs=1e-6)
    tol = fi.n / fi.cost_scale if fi.real else 0.0
    for k, v in enumerate(values):
        if fi.real and k == len(values) - 1:
            assert v - 1e-9 <= core.objectives[k] <= v + tol
            assert core.bounds[k] <= v + 1e-9
        else:
            assert core.objectives[k] == v
            assert core.bounds[k] == v
    return 1


@pytest.mark.parametrize("real", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_mask_capacities_p_bounds_match_brute_force(seed, real):
    check_against_brute_force(tiny(seed, real=real))


@pytest.mark.parametrize("real", [False, True])
@pytest.mark.parametrize("seed", range(10))
def test_merger_shape_lexicographic_matches_brute_force(seed, real):
    """Home sites, a minimum size (soft), counted locations, a group cap and three lexicographic
    levels."""
    check_against_brute_force(tiny(seed, real=real, merger_shape=True, n=5, m=3))


def test_the_tiny_instances_exercise_every_rule():
    """Dropping the group cap, the minimum size or the home rule changes the optimum of at least
    one instance that the test above checks, so a solver ignoring a rule would fail there."""
    changed = {"group_caps": 0, "need": 0, "home": 0}
    for real in (False, True):
        for seed in range(10):
            fi = tiny(seed, real=real, merger_shape=True, n=5, m=3)
            best = brute_force(fi)
            for rule, off in (("group_caps", ()), ("need", None), ("home", None)):
                other = brute_force(dataclasses.replace(fi, **{rule: off}))
                changed[rule] += best is not None and other is not None and other[0] != best[0]
    assert all(changed.values()), changed


def test_require_viable_matches_brute_force_including_infeasible():
    feasible = sum(check_against_brute_force(tiny(s, real=False, merger_shape=True, n=4, m=2,
                                                  require_viable=True)) for s in range(8))
    assert 0 < feasible < 8  # both cases were exercised


def test_rules_are_checked():
    fi = tiny(0, real=False, merger_shape=True, n=5, m=3)
    i, j = map(int, np.argwhere(~fi.allowed)[0])
    a = {k: k for k in range(fi.n)}
    a[i] = j
    with pytest.raises(ValueError, match="may not go"):
        fi.evaluate(a)
    with pytest.raises(ValueError, match="exactly once"):
        fi.evaluate({0: 0})


def test_pmedian_instance_converts_and_agrees_with_its_own_highs():
    rng = np.random.default_rng(3)
    inst = PMedianInstance(name="t", number=0, optimum=None, p=2, capacity=25,
                           xy=rng.integers(0, 40, size=(6, 2)), demand=rng.integers(1, 10, size=6))
    fi = from_pmedian(inst)
    best = brute_force(fi)
    assert best is not None
    assert solve_highs(inst, 20.0).objective == pytest.approx(best[0][0])
    assert solve_core(fi, params()).objectives == [best[0][0]]


def _synthetic_scopes():
    s = synthetic_country(342, seed=0)
    settings = load_merger_settings()
    every = tuple(p.code for p in s.provinces)
    out = []
    for category in ("regulier", "amv"):
        for inst in build_instances(s, category, settings, provinces=every, commitments=Commitments()):
            if math.prod(len(r) for r in inst.allowed) <= 20_000:
                out.append(inst)
    return settings, out


def test_exported_merger_scopes_agree_with_the_product_core_and_brute_force():
    """The export is faithful: on real scopes small enough to enumerate, the product's
    solve_instance, HiGHS on the export and the brute force reach the same level values, and
    the product's own evaluate agrees with the export's on every solution."""
    settings, scopes = _synthetic_scopes()
    assert len(scopes) >= 5
    levels = [lv.terms for lv in settings.objective.levels]
    for inst in scopes:
        fi = from_merger(inst, levels)
        best = brute_force(fi)
        assert best is not None
        assign, outcomes = solve_instance(inst, settings)
        product = [lv.outcome.objective for lv in outcomes]
        assert all(lv.outcome.status == "OPTIMAL" for lv in outcomes)
        assert product == list(best[0]), inst.scope
        assert list(fi.evaluate(assign)) == product
        highs = solve_highs_facility(fi, 20.0)
        assert highs.objectives == list(best[0]), inst.scope
        mine = evaluate(inst, highs.assignment)
        assert [mine[t] for t in ("nonviable_places", "locations", "place_km")] == highs.objectives


def test_write_read_round_trip(tmp_path):
    fi = tiny(1, real=True, merger_shape=True, n=5, m=3)
    write_facility(fi, tmp_path / "x.json")
    back = read_facility(tmp_path / "x.json")
    a = brute_force(fi)
    assert a is not None
    assert back.evaluate(a[1]) == fi.evaluate(a[1])
    assert (back.allowed == fi.allowed).all()
    assert (back.capacity == fi.capacity).all()


def test_worse_on_both_compares_at_the_first_differing_level():
    def r(obj, bnd):
        return FacilityResult("x", ["FEASIBLE"] * len(obj), list(obj), list(bnd), 1.0, levels=len(obj))

    assert lex_worse_on_both(r([1, 5], [1, 3]), r([1, 4], [1, 4]))
    assert not lex_worse_on_both(r([1, 5], [1, 4]), r([1, 4], [1, 4]))  # same bound
    assert not lex_worse_on_both(r([0, 9], [0, 0]), r([1, 4], [1, 4]))  # better first level
    assert not lex_worse_on_both(r([1, 4], [1, 4]), r([1, 4], [1, 4]))


def test_highs_facility_counts_only_used_sites_as_open():
    """With exactly p open sites, the plain MIP (x <= y alone) could open an empty site and send
    client 2 to the cheap site 0: two used sites, which `evaluate` rejects. The optimum with
    three used sites sends client 2 to its own expensive site."""
    allowed = np.array([[True, False, False], [False, True, False], [True, False, True]])
    cost = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [1.0, 0.0, 50.0]])
    fi = FacilityInstance(name="empty-site", demand=np.array([1, 1, 1]), capacity=np.array([10, 10, 10]),
                          cost=cost, allowed=allowed, p_min=3, p_max=3)
    best = brute_force(fi)
    assert best is not None
    assert best[0] == (50.0,)
    check_against_brute_force(fi)
