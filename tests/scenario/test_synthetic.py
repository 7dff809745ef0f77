"""The synthetic country generator: valid, seeded, skewed, and with both kinds of province."""

from __future__ import annotations

import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from herverdeling.scenario.model import CATEGORIES
from herverdeling.scenario.synthetic import synthetic_country


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 400), st.integers(0, 2**31), st.one_of(st.none(), st.integers(2, 30)),
       st.sampled_from(["restopgave", "task"]))
def test_always_a_valid_scenario(n, seed, n_provinces, cap):
    s = synthetic_country(n, seed=seed, n_provinces=n_provinces, relief_cap=cap)
    s.check_consistency()  # also run inside; explicit here because it is the contract
    assert len(s.municipalities) == n
    assert len({m.cbs_code for m in s.municipalities}) == n
    assert all(s.municipalities_in(p.code) for p in s.provinces)  # no empty province
    assert s.plusprovincies() or not any(m.extra.total for m in s.municipalities)
    assert not set(s.plusprovincies()) & set(s.restopgave_provinces())
    assert s.options.relief_cap == cap


def test_seeded():
    a, b, c = synthetic_country(300, seed=7), synthetic_country(300, seed=7), synthetic_country(300, seed=8)
    assert a == b
    assert a.content_hash() == b.content_hash()
    assert a.content_hash() != c.content_hash()


def test_skewed_populations_and_both_roles():
    s = synthetic_country(2_000, seed=1)
    pops = [m.population for m in s.municipalities]
    assert max(pops) > 10 * statistics.median(pops)
    assert s.plusprovincies()
    assert s.restopgave_provinces()
    for c in CATEGORIES:
        assert sum(s.surplus(p).get(c) for p in s.plusprovincies()) > 0
        assert sum(s.restopgave(p).get(c) for p in s.restopgave_provinces()) > 0
        assert s.small_tasks(c)


def test_beyond_four_digit_codes():
    s = synthetic_country(10_050, seed=2)
    assert s.municipalities[-1].cbs_code == "GM10050"
    assert s.municipalities[0].cbs_code == "GM00001"
    s.check_consistency()


def test_too_small_is_refused():
    with pytest.raises(ValueError, match="at least 2"):
        synthetic_country(1)
