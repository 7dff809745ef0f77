"""The merger model against an independent brute force, and its rules on random instances."""

from __future__ import annotations

import itertools
import random

import pytest
from typer.testing import CliRunner

from herverdeling.cli import app
from herverdeling.commitments import Commitment, Commitments, SwappedOut
from herverdeling.errors import InfeasibleError, ScenarioError
from herverdeling.mergers import load_merger_settings, propose_mergers
from herverdeling.mergers.result import MergerResult
from herverdeling.proposals import ProposalSet
from herverdeling.scenario.model import CATEGORIES, Scenario
from tests import factories as f

UNIT = 0.1  # place_km_unit of models/objectives/mergers.yaml


def random_scenario(seed: int, n: int, *, amv_min: int = 16, amv_max: int = 40,
                    km: float = 15.0) -> Scenario:
    """One province of n municipalities within ~25 km, a mix of small, large and zero tasks."""
    rng = random.Random(seed)
    ms = []
    for k in range(n):
        amv = rng.choice([0, 1, 2, 3, 5, 7, 9, 12, 15, 20, 30])
        reg = rng.choice([0, 10, 20, 35, 49, 60, 120])
        ms.append(f.municipality(100 + k, "AA", vb=(reg, amv), lat=52.0 + rng.uniform(0, 0.2),
                                 lon=5.0 + rng.uniform(0, 0.3), may_host=rng.random() < 0.7))
    return f.scenario(ms, norms_=f.norms(reg_min=50, reg_max=150, reg_km=20.0, amv_min=amv_min,
                                         amv_max=amv_max, amv_km=km))


def brute_force(s: Scenario, category: str) -> tuple[int, int, int]:
    """Best (nonviable places, locations, place-km units) over every assignment, from the rules."""
    norm = s.norms.get(category)
    ms = sorted(s.municipalities, key=lambda m: m.cbs_code)
    task = {m.cbs_code: m.verdeelbesluit.get(category) for m in ms}
    small = [c for c in task if 0 < task[c] < norm.min_size]
    options = []
    for c in small:
        opts = [c]
        for m in ms:
            if m.cbs_code != c and m.may_host and s.distance_km(c, m.cbs_code) <= norm.max_distance_km:
                opts.append(m.cbs_code)
        options.append(opts)
    best = None
    for choice in itertools.product(*options):
        assign = dict(zip(small, choice, strict=True))
        if any(assign.get(h, h) != h for h in set(choice)):
            continue  # a small host's own task must stay with it
        load: dict[str, int] = {}
        for c, h in assign.items():
            if h != c:
                load[h] = load.get(h, 0) + task[c]
        hosts = set(choice)
        sizes = {h: task[h] + load.get(h, 0) for h in hosts}
        if any(sizes[h] > norm.max_size for h in hosts):
            continue
        nonviable = sum(sizes[h] - (0 if h in small else task[h])
                        for h in hosts if sizes[h] < norm.min_size)
        locations = sum(1 for h in hosts if task[h] < norm.min_size)
        km = sum(task[c] * round(s.distance_km(c, h) / UNIT) for c, h in assign.items() if h != c)
        value = (nonviable, locations, km)
        if best is None or value < best:
            best = value
    return best if best is not None else (0, 0, 0)


def evaluate(s: Scenario, result: MergerResult, category: str) -> tuple[int, int, int]:
    """The same three terms, computed from the proposals the result returns."""
    norm = s.norms.get(category)
    task = {m.cbs_code: m.verdeelbesluit.get(category) for m in s.municipalities}
    small = {c for c, t in task.items() if 0 < t < norm.min_size}
    merged = {t.from_code: t.to_code for m in result.mergers if m.category == category
              for t in m.transfers}
    hosts = {merged.get(c, c) for c in small}
    size = {h: task[h] + sum(task[c] for c, to in merged.items() if to == h) for h in hosts}
    nonviable = sum(size[h] - (0 if h in small else task[h]) for h in hosts if size[h] < norm.min_size)
    locations = sum(1 for h in hosts if task[h] < norm.min_size)
    km = sum(task[c] * round(s.distance_km(c, h) / UNIT) for c, h in merged.items())
    return nonviable, locations, km


def check_rules(s: Scenario, result: MergerResult) -> None:
    for m in result.mergers:
        norm = s.norms.get(m.category)
        host = s.municipality(m.host_code)
        assert host.may_host
        assert host.province == m.province
        assert m.host_own_places == host.verdeelbesluit.get(m.category)
        assert m.location_size == m.host_own_places + m.places(m.category) <= norm.max_size
        assert m.id == f"merger-{m.province}-{m.category}-{m.host_code}"
        assert m.transfers
        for t in m.transfers:
            member = s.municipality(t.from_code)
            assert member.province == m.province
            assert t.to_code == m.host_code
            assert t.category == m.category
            assert isinstance(t.places, int)
            assert t.places == member.verdeelbesluit.get(m.category)  # whole task
            assert s.is_small(t.places, m.category)
            assert s.distance_km(t.from_code, t.to_code) <= norm.max_distance_km + 1e-9
        assert {p.code for p in m.parties} == {m.host_code, *m.member_codes}
    for cat in CATEGORIES:
        members = [t.from_code for m in result.mergers if m.category == cat for t in m.transfers]
        hosts = {m.host_code for m in result.mergers if m.category == cat}
        assert len(members) == len(set(members))  # each task merged at most once
        assert not hosts & set(members)  # a host keeps its own task


@pytest.mark.parametrize("seed", range(12))
def test_tiny_instances_match_brute_force(seed):
    s = random_scenario(seed, n=6 + seed % 3)
    result = propose_mergers(s)
    assert result.status == "OPTIMAL"
    for cat in CATEGORIES:
        expected = brute_force(s, cat)
        scope = next(sc for sc in result.scopes if sc.category == cat)
        got = tuple(int(scope.objectives[k]) for k in ("nonviable_places", "locations", "place_km"))
        assert got == expected
        assert evaluate(s, result, cat) == expected  # the proposals really achieve it
    check_rules(s, result)


@pytest.mark.parametrize("seed", range(100, 110))
def test_random_instances_keep_every_rule(seed):
    s = random_scenario(seed, n=25, amv_max=30, km=12.0)
    result = propose_mergers(s)
    check_rules(s, result)
    for scope in result.scopes:
        for info in scope.solve_info:
            assert info.status != "OPTIMAL" or info.gap == 0.0
            assert info.parameters["num_workers"] == 1


def test_nl2025_all_scopes_optimal_and_round_trip(nl2025):
    result = propose_mergers(nl2025)
    assert len(result.scopes) == 24
    assert {s.status for s in result.scopes} == {"OPTIMAL"}
    assert result.mergers
    check_rules(nl2025, result)
    again = MergerResult.model_validate_json(result.model_dump_json())
    assert again.mergers == result.mergers
    ps = result.proposal_set(nl2025.round.as_of)
    assert ProposalSet.model_validate_json(ps.model_dump_json()) == ps
    # deterministic: the same input gives the same proposals
    assert propose_mergers(nl2025).mergers == result.mergers


def relief(code: str, places: int) -> Commitments:
    return Commitments(entries=(Commitment(code=code, category="amv", relieved=places),))


def backing(code: str, places: int) -> Commitments:
    return Commitments(entries=(Commitment(code=code, category="amv", backs=places),))


def test_relief_changes_what_is_small():
    s = f.scenario([
        f.municipality(1, "AA", vb=(0, 20), rest=(0, 10), lat=52.0, lon=5.0),
        f.municipality(2, "AA", vb=(0, 8), lat=52.01, lon=5.0),
    ], norms_=f.norms(amv_min=16, amv_max=100))
    plain = propose_mergers(s, categories=("amv",))
    assert [m.host_code for m in plain.mergers] == ["GM0001"]
    relieved = propose_mergers(s, categories=("amv",), commitments=relief("GM0001", 10))
    scope = relieved.scopes[0]
    assert scope.small_tasks == 2
    assert scope.small_places == 18
    assert relieved.mergers[0].location_size == 18
    with pytest.raises(ScenarioError, match="GM0002"):
        propose_mergers(s, commitments=relief("GM0002", 9))


def test_require_viable_explains_the_task_that_cannot_be_placed():
    s = f.scenario([
        f.municipality(1, "AA", vb=(0, 3), lat=52.0, lon=5.0, name="Verweg"),
        f.municipality(2, "AA", vb=(0, 4), lat=52.05, lon=5.0),
        f.municipality(3, "AA", vb=(0, 30), lat=53.0, lon=6.0),
    ])
    settings = load_merger_settings(require_viable=True)
    with pytest.raises(InfeasibleError, match=r"Verweg \(GM0001.*at most 7 places"):
        propose_mergers(s, settings)
    result = propose_mergers(s)  # without the requirement: merged, not viable, stated
    assert result.status == "OPTIMAL"
    loc = next(loc for sc in result.scopes for loc in sc.locations if loc.members)
    assert not loc.viable
    assert loc.size == 7


def test_host_rules_may_host_and_capacity():
    # the only large municipality may not host; a capacity of 20 splits 12 + 9 + 8
    s = f.scenario([
        f.municipality(1, "AA", vb=(0, 40), lat=52.0, lon=5.0, may_host=False),
        f.municipality(2, "AA", vb=(0, 12), lat=52.01, lon=5.0),
        f.municipality(3, "AA", vb=(0, 9), lat=52.02, lon=5.0),
        f.municipality(4, "AA", vb=(0, 8), lat=52.03, lon=5.0, may_host=False),
    ], norms_=f.norms(amv_min=16, amv_max=20))
    result = propose_mergers(s, categories=("amv",))
    check_rules(s, result)
    assert all(m.host_code != "GM0001" and m.host_code != "GM0004" for m in result.mergers)
    assert brute_force(s, "amv") == tuple(int(v) for v in result.scopes[0].objectives.values())


def test_cli_mergers(tmp_path):
    runner = CliRunner()
    out = tmp_path / "m.json"
    res = runner.invoke(app, ["mergers", "--province", "NB", "--json", "--out", str(out)])
    assert res.exit_code == 0, res.output
    result = MergerResult.model_validate_json(out.read_text())
    assert {s.scope for s in result.scopes} == {"NB/regulier", "NB/amv"}
    res = runner.invoke(app, ["mergers", "--province", "XX"])
    assert res.exit_code == 2
    assert "unknown province" in res.output


def test_cli_mergers_text_says_it_is_the_stage_alone_json_does_not(tmp_path):
    from herverdeling.cli.mergers import STANDALONE_NOTE

    runner = CliRunner()
    text = runner.invoke(app, ["mergers", "--province", "NB"])
    assert text.exit_code == 0, text.output
    assert text.output.splitlines()[-1] == STANDALONE_NOTE
    assert text.output.count("this stage alone") == 1
    assert "after the surplus swaps" in STANDALONE_NOTE
    out = tmp_path / "m.txt"  # the same text, written to a file
    assert runner.invoke(app, ["mergers", "--province", "NB", "--out", str(out)]).exit_code == 0
    assert out.read_text(encoding="utf-8").splitlines()[-1] == STANDALONE_NOTE
    as_json = runner.invoke(app, ["mergers", "--province", "NB", "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert "this stage alone" not in as_json.output
    MergerResult.model_validate_json(as_json.output)  # nothing but the JSON


def border_scenario():
    """AA is a plusprovincie (host GM0001 has 10 extra AMV places); BB has a restopgave and two
    small AMV tasks near the border (their whole task is restopgave, so P11 allows relief)."""
    return f.scenario([
        f.municipality(1, "AA", vb=(0, 40), extra=(0, 10), lat=52.0, lon=5.0),
        f.municipality(2, "BB", vb=(0, 4), rest=(0, 4), lat=52.02, lon=5.0),
        f.municipality(3, "BB", vb=(0, 5), rest=(0, 5), lat=52.03, lon=5.0),
        f.municipality(4, "BB", vb=(0, 200), lat=53.0, lon=6.0),
    ], norms_=f.norms(amv_min=16, amv_max=100))


def test_cross_border_absorption_respects_the_surplus_left():
    s = border_scenario()
    settings = load_merger_settings(cross_border=True)
    result = propose_mergers(s, settings, categories=("amv",))
    relieved = {t.from_code: t.places for sw in result.surplus_swaps for t in sw.transfers}
    assert relieved == {"GM0002": 4, "GM0003": 5}
    sw = result.surplus_swaps[0]
    assert (sw.source_province, sw.sink_province) == ("AA", "BB")
    assert all(t.to_code == "GM0001" for t in sw.transfers)
    assert not result.mergers
    # only 5 places of surplus left after the swaps: one task fits, the other stays in BB
    promised = s.surplus("AA").get("amv") - 5  # only 5 places of surplus left after the swaps
    capped = propose_mergers(s, settings, categories=("amv",), commitments=Commitments(
        swapped_out=(SwappedOut(province="AA", category="amv", places=promised),)))
    moved = sum(t.places for sw in capped.surplus_swaps for t in sw.transfers)
    assert moved <= 5
    assert moved > 0
    without = propose_mergers(s, categories=("amv",))
    assert not without.surplus_swaps


def test_cross_border_host_offers_only_extra_places_not_yet_promised():
    """G3 across stages: extra places a surplus swap already relies on are not offered again."""
    s = border_scenario()
    settings = load_merger_settings(cross_border=True)
    used = backing("GM0001", 6)  # 4 of its 10 extra places are still free
    result = propose_mergers(s, settings, categories=("amv",), commitments=used)
    moved = sum(t.places for sw in result.surplus_swaps for t in sw.transfers)
    assert moved == 4  # only the task of 4 fits in the 4 free extra places
    none_left = propose_mergers(s, settings, categories=("amv",), commitments=backing("GM0001", 10))
    assert not none_left.surplus_swaps
