"""The explorer's what-if logic without a browser: scenario changes, views, comparison, errors."""

from __future__ import annotations

import pytest

from herverdeling.app import Explorer, WhatIfError, compare, defaults, parse_whatif, whatif_scenario
from herverdeling.app.whatif import NormInput
from herverdeling.mergers import load_merger_settings, propose_mergers
from tests.factories import municipality, scenario


def small_world():
    """AA: two hosts (Host-N, Host-S) each near two small tasks; BB: a plusprovincie far away."""
    ms = [
        municipality(1, "AA", vb=(200, 20), lat=52.00, lon=5.00, name="Host-N"),
        municipality(2, "AA", vb=(10, 2), lat=52.03, lon=5.02, name="Small-N1"),
        municipality(3, "AA", vb=(12, 0), lat=51.98, lon=5.03, name="Small-N2"),
        municipality(4, "AA", vb=(300, 30), rest=(40, 4), lat=51.70, lon=5.00, name="Host-S"),
        municipality(5, "AA", vb=(8, 1), rest=(8, 1), lat=51.72, lon=5.03, name="Small-S1"),
        municipality(6, "BB", vb=(400, 40), extra=(30, 3), lat=53.20, lon=6.50, name="Plus-1"),
    ]
    return scenario(ms, name="world")


@pytest.fixture(scope="module")
def world():
    return small_world()


def hosts_of(view):
    return {r.realiser_code for r in view.rows if r.kind == "merger"}


def test_defaults_reproduce_the_scenario(world):
    s = whatif_scenario(world, defaults(world, "AA"))
    assert s is world  # unchanged settings: propose on it equals propose on the scenario


def test_unwilling_host_is_no_longer_a_host(world):
    settings = defaults(world, "AA")
    ex = Explorer(world)
    before = ex.view(settings)
    assert "GM0001" in hosts_of(before)
    after = ex.view(settings.model_copy(update={"not_hosting": ("GM0001",)}))
    assert "GM0001" not in hosts_of(after)
    changed = whatif_scenario(world, settings.model_copy(update={"not_hosting": ("GM0001",)}))
    assert not changed.municipality("GM0001").may_host
    assert changed.content_hash() != world.content_hash()
    assert any(a.id == "A-whatif" and "Host-N" in a.statement for a in changed.assumptions)
    # the merger stage itself, run on the what-if scenario, agrees: GM0001 hosts nothing
    res = propose_mergers(changed, load_merger_settings(), province="AA")
    assert all(m.host_code != "GM0001" for m in res.mergers)


def test_comparison_names_the_merger_that_goes(world):
    settings = defaults(world, "AA")
    ex = Explorer(world)
    a = ex.view(settings)
    b = ex.view(settings.model_copy(update={"not_hosting": ("GM0001",)}))
    names = {m.cbs_code: m.name for m in world.municipalities}
    c = compare(a, b, names)
    gone = [d for d in c.mergers if d.host_code == "GM0001"]
    assert gone
    assert gone[0].change == "only_a"
    assert compare(a, a, names).identical
    mergers = next(m for m in c.metrics if m.name == "mergers")
    assert (mergers.a, mergers.b) == (a.metrics.mergers, b.metrics.mergers)


def test_metrics_agree_with_the_rows_and_scenario(world):
    view = Explorer(world).view(defaults(world, "AA"))
    merged = sum(r.places for r in view.rows if r.kind == "merger")
    assert view.metrics.merged_places == merged
    assert view.metrics.mergers == sum(1 for r in view.rows if r.kind == "merger")
    relief = sum(view.relief_by_municipality.values())
    assert relief > 0  # the world is built so that BB's surplus relieves AA
    assert view.metrics.relief == relief
    # small tasks counted independently from the scenario and the relief shown
    norm = world.norms.get("regulier").min_size
    small = [m.verdeelbesluit.regulier - view.relief_by_municipality[m.cbs_code]
             for m in world.municipalities_in("AA")]
    assert view.metrics.small_places == sum(t for t in small if 0 < t < norm)
    assert view.metrics.nonviable_places <= view.metrics.small_places
    hosts = {p["name"] for p in view.figure["data"] if p.get("customdata")}
    assert "gastgemeente" in hosts


def test_tighter_distance_changes_the_view(world):
    settings = defaults(world, "AA")
    ex = Explorer(world)
    wide = ex.view(settings)
    norms = dict(settings.norms)
    norms["regulier"] = NormInput(min_size=50, max_size=1500, max_distance_km=0.5)
    narrow = ex.view(settings.model_copy(update={"norms": norms}))
    assert narrow.metrics.mergers < wide.metrics.mergers
    assert narrow.metrics.nonviable_places >= wide.metrics.nonviable_places


@pytest.mark.parametrize(("norm", "words"), [
    (NormInput(min_size=80, max_size=60, max_distance_km=25), "boven het maximum"),
    (NormInput(min_size=0, max_size=60, max_distance_km=25), "minstens 1"),
    (NormInput(min_size=10, max_size=60, max_distance_km=0), "groter dan 0"),
])
def test_bad_norms_give_a_clear_error(world, norm, words):
    settings = defaults(world, "AA")
    with pytest.raises(WhatIfError, match=words):
        whatif_scenario(world, settings.model_copy(update={"norms": {**settings.norms, "regulier": norm}}))


def test_no_host_left_is_refused(world):
    codes = tuple(m.cbs_code for m in world.municipalities_in("AA"))
    with pytest.raises(WhatIfError, match="geen gastgemeente meer"):
        whatif_scenario(world, defaults(world, "AA").model_copy(update={"not_hosting": codes}))


def test_other_bad_settings(world):
    base = defaults(world, "AA")
    with pytest.raises(WhatIfError, match="onbekende provincie"):
        whatif_scenario(world, base.model_copy(update={"province": "ZZ"}))
    with pytest.raises(WhatIfError, match="niet in provincie"):
        whatif_scenario(world, base.model_copy(update={"not_hosting": ("GM0006",)}))
    with pytest.raises(WhatIfError, match="onbekend verdeelbeleid"):
        whatif_scenario(world, base.model_copy(update={"policy": "random"}))
    with pytest.raises(WhatIfError, match="ongeldige invoer"):
        parse_whatif({"province": "AA", "category": "regulier",
                      "norms": {"regulier": {"min_size": None, "max_size": 5, "max_distance_km": 1}}})


def test_nl2025_province_what_if(nl2025):
    """On the real scenario: unticking a merger host moves its members elsewhere or home."""
    settings = defaults(nl2025, "NB", "regulier")
    ex = Explorer(nl2025)
    a = ex.view(settings)
    host = sorted(hosts_of(a))[0]
    b = ex.view(settings.model_copy(update={"not_hosting": (*settings.not_hosting, host)}))
    assert host not in hosts_of(b)
    assert b.scenario_name != a.scenario_name
    assert a.metrics.relief == b.metrics.relief  # hosting does not change the surplus flow here


def test_a_refused_partner_province_gets_no_surplus_swap(world):
    """Partner provinces on the page (issue 16, point 4): refusing the pair (AA, BB) leaves no
    surplus swap between them, in the flow model and in the deal model (a frontier point)."""
    from herverdeling.proposals import SurplusSwap

    ex = Explorer(world)

    def swaps(settings):
        _, result = ex.chain(settings)
        return [p for p in result.proposals.proposals if isinstance(p, SurplusSwap)
                and (p.sink_province, p.source_province) == ("AA", "BB")]

    base = defaults(world, "AA")
    refused = base.model_copy(update={"partners": {"AA-BB": "refused"}})
    assert swaps(base), "without the refusal BB relieves AA"
    assert swaps(base.model_copy(update={"frontier_point": 1}))
    assert swaps(refused) == []
    assert swaps(refused.model_copy(update={"frontier_point": 1})) == []
    s = ex.scenario(refused)
    assert s.preferences.partner("AA", "BB") == "refused"
    assert "Plus-1" not in s.assumptions[-1].statement  # the assumption names provinces
    assert "als partner van" in s.assumptions[-1].statement
    # the same wish as the scenario's: the scenario itself
    assert whatif_scenario(world, base.model_copy(update={"partners": {"AA-BB": "allowed"}})) is world
    with pytest.raises(WhatIfError, match="geen plusprovincie"):
        whatif_scenario(world, base.model_copy(update={"partners": {"BB-AA": "refused"}}))
