"""The bundled nl-2025 scenario: the builder's invariants and that the committed files match it."""

from __future__ import annotations

from herverdeling.scenario.builders import build_nl_2025
from herverdeling.scenario.io import load_scenario
from herverdeling.scenario.model import CATEGORIES

PLUS = {"GR": 1810, "FR": 914, "DR": 1491, "FL": 1139, "LI": 254}


def test_counts_and_totals(nl2025):
    assert len(nl2025.municipalities) == 342
    assert len(nl2025.provinces) == 12
    assert sum(p.opgave.total for p in nl2025.provinces) == 96_000
    assert sum(nl2025.verdeelbesluit_total(p.code).total for p in nl2025.provinces) == 101_608


def test_plusprovincies_surplus(nl2025):
    assert set(nl2025.plusprovincies()) == set(PLUS)
    for code, surplus in PLUS.items():
        assert nl2025.surplus(code).total == surplus
        extra = sum(m.extra.total for m in nl2025.municipalities_in(code))
        assert extra == surplus


def test_restopgave(nl2025):
    assert sum(nl2025.restopgave(p.code).total for p in nl2025.provinces) == 6000
    assert nl2025.restopgave("NB").total == 1003
    assert sum(1 for m in nl2025.municipalities_in("NB") if m.restopgave.total > 0) == 17
    assert set(nl2025.restopgave_provinces()) == {"NB", "ZH", "NH", "GE", "OV", "UT"}


def test_per_category_reconciles(nl2025):
    for p in nl2025.provinces:
        members = nl2025.municipalities_in(p.code)
        for c in CATEGORIES:
            assert sum(m.indicative.get(c) for m in members) == p.opgave.get(c)
            vb = sum(m.verdeelbesluit.get(c) for m in members)
            assert vb == p.opgave.get(c) + nl2025.surplus(p.code).get(c)
            for m in members:
                assert m.verdeelbesluit.get(c) == m.own_plan.get(c) + m.restopgave.get(c)
    assert sum(len(nl2025.small_tasks(c)) for c in CATEGORIES) > 50  # mergers have work


def test_builder_is_reproducible_and_matches_committed_files(public_data):
    a = build_nl_2025(public_data)
    b = build_nl_2025(public_data)
    assert a == b
    assert a == load_scenario("nl-2025")
    assert build_nl_2025(public_data, seed=7) != a


def test_every_assumption_has_a_source(nl2025):
    kinds = {a.kind for a in nl2025.assumptions}
    assert kinds == {"fact", "assumption"}
    assert all(a.source for a in nl2025.assumptions)
    ids = [a.id for a in nl2025.assumptions]
    assert len(ids) == len(set(ids))
