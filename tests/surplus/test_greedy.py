"""The greedy first hint of the deal model: every hard rule holds, checked here by hand and by
CP-SAT with every variable of the deal model fixed to it."""

from __future__ import annotations

from collections import defaultdict

import pytest

from herverdeling.scenario.synthetic import synthetic_country
from herverdeling.surplus.deals import DealPins
from herverdeling.surplus.deals.greedy import greedy_deals
from herverdeling.surplus.deals.model import DealModel, build_instance
from tests.surplus.test_deals import brute_force, random_tiny, tiny, tiny_settings


def check_greedy(inst, reliefs, flows) -> int:
    """Every hard rule of the deal model, from the dicts alone; returns the relief."""
    extra = {s.code: s.extra for s in inst.sources}
    province = {s.code: s.province for s in inst.sources}
    used: dict[str, int] = defaultdict(int)
    for (s, _q), f in flows.items():
        used[s] += f
    assert all(used[s] <= extra[s] for s in used)  # P2: only the surplus
    per_candidate: dict[int, int] = defaultdict(int)
    relief_pair: dict[tuple[str, str], int] = defaultdict(int)
    for (i, p), r in reliefs.items():
        c = inst.candidates[i]
        per_candidate[i] += 1
        assert (p, c.province) in inst.pairs
        assert (c.whole and r == c.task) or (c.has_range and c.lo <= r <= c.hi)  # D2
        relief_pair[(p, c.province)] += r
    assert all(v == 1 for v in per_candidate.values())  # D1: one plusprovincie
    backing: dict[tuple[str, str], int] = defaultdict(int)
    backers: dict[tuple[str, str], int] = defaultdict(int)
    for (s, q), f in flows.items():
        if f > 0:
            backing[(province[s], q)] += f
            backers[(province[s], q)] += 1
    assert dict(backing) == dict(relief_pair)  # every relief backed, nothing else
    for (p, q), _ in relief_pair.items():
        relieved = sum(1 for (i, pp) in reliefs if pp == p and inst.candidates[i].province == q)
        assert 2 + relieved + backers[(p, q)] <= inst.max_parties
    partners: dict[str, int] = defaultdict(int)
    for _, q in relief_pair:
        partners[q] += 1
    assert all(v <= inst.max_partners for v in partners.values())
    return sum(reliefs.values())


def model_accepts(inst, st, reliefs, flows) -> bool:
    """CP-SAT with every deal-model variable fixed to the greedy solution finds it feasible."""
    m = DealModel(inst, st, "cp-sat")
    m.set_hint(reliefs, flows)
    for name, v in m.variables:
        m.model.add_hint(v, m.values.get(name, 0))
    expr = m.level_expr("relief")
    m.model.maximize(expr)
    _, ok = m._hint_meets(sum(reliefs.values()))
    return ok


@pytest.mark.parametrize("seed", range(6))
def test_greedy_meets_every_hard_rule_on_tiny_instances(seed):
    s = tiny() if seed == 0 else random_tiny(seed)
    for st in (tiny_settings(), tiny_settings(max_parties=4, max_partners=2)):
        inst = build_instance(s, "regulier", st, DealPins())
        reliefs, flows = greedy_deals(inst)
        relief = check_greedy(inst, reliefs, flows)
        bf = brute_force(s, st)
        assert relief <= (bf["relief"] if bf else 0)
        assert model_accepts(inst, st, reliefs, flows)


def test_greedy_on_a_synthetic_country():
    s = synthetic_country(300, seed=1)
    st = tiny_settings(max_parties=25, max_partners=2)
    for c in ("regulier", "amv"):
        inst = build_instance(s, c, st, DealPins())
        reliefs, flows = greedy_deals(inst)
        relief = check_greedy(inst, reliefs, flows)
        assert relief <= inst.relief_bound()
        assert relief > 0 or not inst.pairs
        assert model_accepts(inst, st, reliefs, flows)
