"""The bundled nl-2025 scenario: the builder's invariants and that the committed files match it."""

from __future__ import annotations

import csv
import math
import re

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


# ---- the 2025 rows of data/rounds-facts.csv (issue 17, point 1) --------------------------------
def _facts_2025(public_data) -> list[dict[str, str]]:
    with (public_data / "rounds-facts.csv").open(newline="", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["round"] == "2025"]


def _n(text: str) -> int:
    return int(text.replace(",", ""))


def test_published_verdeelbesluiten_land(nl2025, public_data):
    """'s-Gravenhage and Utrecht: the figures of their rows, read here with their own regex."""
    rows = [r for r in _facts_2025(public_data) if r["scope"] == "municipality"]
    assert {r["code"] for r in rows} == {"GM0518", "GM0344"}
    for r in rows:
        m = nl2025.municipality(r["code"])
        split = re.search(r"\((\S+) regulier \+ (\S+) AMV\)", r["statement"])
        if split:
            assert (m.verdeelbesluit.regulier, m.verdeelbesluit.amv) == (_n(split[1]), _n(split[2]))
            assert m.verdeelbesluit.total == int(r["figure"])
        else:
            reg = re.search(r"(\S+) places \(indicative (\S+)\)", r["statement"])
            amv = re.search(r"AMV (\S+) \(indicative (\S+)\)", r["statement"])
            assert m.verdeelbesluit.regulier == int(r["figure"]) == _n(reg[1])
            assert m.verdeelbesluit.amv == _n(amv[1])
            assert (m.indicative.regulier, m.indicative.amv) == (_n(reg[2]), _n(amv[2]))
        assert m.restopgave.total == 0  # A-verdeelbesluit-published
        assert m.own_plan == m.verdeelbesluit


def test_restopgave_in_proportion_to_the_indicative_distribution(nl2025, public_data):
    """The method row: the restopgave spread in proportion to the indicative distribution over
    the eligible municipalities (own plan below the indicative task). Each part is the floor or
    ceiling of its exact quota, computed here from the scenario's own columns."""
    method = next(r for r in _facts_2025(public_data) if r["scope"] == "method" and r["figure"])
    assert sum(nl2025.restopgave(p.code).total for p in nl2025.provinces) == int(method["figure"])
    published = {r["code"] for r in _facts_2025(public_data) if r["scope"] == "municipality"}
    for code in nl2025.restopgave_provinces():
        for c in CATEGORIES:
            members = nl2025.municipalities_in(code)
            got = [m for m in members if m.restopgave.get(c) > 0]
            short = [m for m in members if m.own_plan.get(c) < m.indicative.get(c)
                     and m.cbs_code not in published]
            assert {m.cbs_code for m in got} <= {m.cbs_code for m in short}
            total = nl2025.restopgave(code).get(c)
            pool = got if code == "NB" else short  # NB: the 17 with the largest shortfall
            weight = sum(m.indicative.get(c) for m in pool)
            for m in pool:
                quota = total * m.indicative.get(c) / weight
                assert math.floor(quota) <= m.restopgave.get(c) <= math.ceil(quota), m.cbs_code


def test_netting_lowers_about_half(nl2025, public_data):
    """The netting row: 'the minister lowered the task of about half of all municipalities'."""
    row = next(r for r in _facts_2025(public_data) if "netting" in r["statement"])
    assert "about half" in row["statement"]
    lowered = sum(1 for m in nl2025.municipalities if m.verdeelbesluit.total < m.indicative.total)
    assert 0.4 <= lowered / len(nl2025.municipalities) <= 0.6
    netting = next(a for a in nl2025.assumptions if a.id == "A-netting")
    assert f"Here {lowered} of 342" in netting.statement
    for p in nl2025.provinces:  # what some take past their indicative task lowers the others'
        for c in CATEGORIES:
            members = nl2025.municipalities_in(p.code)
            up = sum(max(0, m.verdeelbesluit.get(c) - m.indicative.get(c)) for m in members)
            down = sum(max(0, m.indicative.get(c) - m.verdeelbesluit.get(c)) for m in members)
            assert up - down == nl2025.surplus(p.code).get(c)
