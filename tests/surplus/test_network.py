"""Refused partner pairs (partners.csv, D4) in the min-cost flow network (issue 16, point 4): a
refused pair carries no flow, and the relief is still the most an independent maximum flow (per
municipality, from the scenario alone) allows without those pairs."""

from __future__ import annotations

import networkx as nx
import pytest

from herverdeling.scenario.model import Scenario
from herverdeling.scenario.preferences import PartnerPreference
from herverdeling.scenario.synthetic import synthetic_country
from herverdeling.surplus import propose_surplus_swaps
from tests.surplus.test_surplus import caps, hub_policy


def with_refusals(s: Scenario, pairs: list[tuple[str, str]]) -> Scenario:
    prefs = s.preferences.model_copy(update={"partners": tuple(
        PartnerPreference(sink=q, source=p, partner="refused") for p, q in pairs)})
    return Scenario.model_validate(s.model_copy(update={"preferences": prefs}).model_dump())


def flows(result) -> dict[tuple[str, str, str], int]:
    out: dict[tuple[str, str, str], int] = {}
    for sw in result.proposals:
        for t in sw.transfers:
            key = (t.category, sw.source_province, sw.sink_province)
            out[key] = out.get(key, 0) + int(t.places)
    return out


def independent_max(s: Scenario, c: str, refused: set[tuple[str, str]]) -> int:
    """S -> plusprovincie (its surplus) -> every relievable municipality of an allowed sink
    (its relief cap) -> T, by networkx's maximum flow: no code shared with the network."""
    g = nx.DiGraph()
    g.add_nodes_from(["S", "T"])
    cap = caps(s, c)
    for p in s.provinces:
        if s.surplus(p.code).get(c) > 0:
            g.add_edge("S", p.code, capacity=s.surplus(p.code).get(c))
            for code in cap:
                if (p.code, s.municipality(code).province) not in refused:
                    g.add_edge(p.code, code)
    for code, k in cap.items():
        g.add_edge(code, "T", capacity=k)
    return int(nx.maximum_flow_value(g, "S", "T"))


@pytest.mark.parametrize("seed", [3, 11, 29])
@pytest.mark.parametrize("policy", ["proportional", "nearest"])
@pytest.mark.parametrize("hubs", [False, True])
def test_a_refused_pair_carries_no_flow_and_relief_stays_maximal(seed, policy, hubs):
    s = synthetic_country(30, seed=seed, n_provinces=5, relieved_share=0.5, extra_share=0.4)
    pol = hub_policy(policy) if hubs else policy
    before = flows(propose_surplus_swaps(s, pol))
    # refuse the two pairs that carry the most (the control: without refusal they carry flow)
    used = sorted(before, key=lambda k: (-before[k], k))[:2]
    assert used, "the instance has surplus swaps"
    refused = {(p, q) for _, p, q in used}
    t = with_refusals(s, sorted(refused))
    result = propose_surplus_swaps(t, pol)
    after = flows(result)
    assert not [k for k in after if (k[1], k[2]) in refused]
    for summary in result.summaries:
        assert summary.relief == independent_max(t, summary.category, refused)
        got = sum(v for k, v in after.items() if k[0] == summary.category)
        assert got == summary.relief
    # the unrefused instance relieves the independent maximum without refusals too
    assert sum(before.values()) == sum(independent_max(s, c.category, set())
                                       for c in propose_surplus_swaps(s, pol).summaries)


@pytest.mark.parametrize("seed", [3, 11])
@pytest.mark.parametrize("policy", ["proportional", "nearest", "small-first"])
def test_refusing_every_plusprovincie_but_one_lowers_relief_to_the_independent_maximum(seed, policy):
    s = synthetic_country(30, seed=seed, n_provinces=5, relieved_share=0.5, extra_share=0.4)
    c = "regulier"
    plus = [p.code for p in s.provinces if s.surplus(p.code).get(c) > 0]
    sinks = sorted({s.municipality(code).province for code in caps(s, c)})
    refused = {(p, q) for p in plus[1:] for q in sinks}
    t = with_refusals(s, sorted(refused))
    result = propose_surplus_swaps(t, policy)
    relief = next(x.relief for x in result.summaries if x.category == c)
    assert relief == independent_max(t, c, refused) < independent_max(s, c, set())
    assert {k[1] for k, v in flows(result).items() if k[0] == c and v} == {plus[0]}


@pytest.mark.parametrize("seed", [1, 3, 6])
def test_small_first_forces_only_what_the_allowed_pairs_reach(seed):
    """A sink that refuses every plusprovincie keeps its small tasks (none forced there), and the
    tasks forced elsewhere are relieved whole."""
    s = synthetic_country(30, seed=seed, n_provinces=5, relieved_share=0.5, extra_share=0.4,
                          whole_task_share=0.8)
    c = "regulier"
    small = [code for code, k in caps(s, c).items()
             if 0 < s.municipality(code).verdeelbesluit.get(c) < s.norms.get(c).min_size
             and k >= s.municipality(code).verdeelbesluit.get(c)]
    assert small, "the instance has small tasks a swap can remove"
    cut = s.municipality(small[0]).province
    plus = [p.code for p in s.provinces if s.surplus(p.code).get(c) > 0]
    refused = {(p, cut) for p in plus}
    t = with_refusals(s, sorted(refused))
    result = propose_surplus_swaps(t, "small-first")
    summary = next(x for x in result.summaries if x.category == c)
    assert summary.relief == independent_max(t, c, refused)
    assert all(t.municipality(code).province != cut for code in summary.forced_small)
    relieved: dict[str, int] = {}
    for sw in result.proposals:
        for tr in sw.transfers:
            if tr.category == c:
                relieved[tr.from_code] = relieved.get(tr.from_code, 0) + int(tr.places)
    for code in summary.forced_small:
        assert relieved.get(code, 0) >= t.municipality(code).verdeelbesluit.get(c)
