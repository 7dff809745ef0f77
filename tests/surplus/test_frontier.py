"""The deal frontier (issue 14, point 4) against a brute force over every feasible deal choice of
tiny instances: each point is feasible and truly non-dominated, both ends are exact, and with a
floor at every relief value the (relief, parties) trade-off is complete."""

from __future__ import annotations

import math

import pytest

from herverdeling.surplus.deals.frontier import (
    FrontierSettings,
    deal_frontier,
    dominates,
    non_dominated,
)
from tests.surplus.test_deals import outcomes, random_tiny, tiny, tiny_settings

AXES = ("relief", "agreements", "parties", "fairness")


def true_keys(s, st):
    """(relief, agreements, parties, fairness in places) of every feasible choice, brute force."""
    keys, total_w = outcomes(s, st)
    return {(k[0], k[1], k[2], round(k[3] / total_w, 6)) for k in keys}, total_w


def beats(k, p, tol=1e-2):
    """k at least as good on every axis and better on one (fairness within the rounding)."""
    ge = k[0] >= p[0] and k[1] <= p[1] and k[2] <= p[2] and k[3] <= p[3] + tol
    return ge and (k[0] > p[0] or k[1] < p[1] or k[2] < p[2] or k[3] < p[3] - tol)


def pareto_2d(pairs):
    """(relief, parties) pairs no other pair beats: relief >= and parties <=, one strictly."""
    return {a for a in pairs
            if not any(b[0] >= a[0] and b[1] <= a[1] and b != a for b in pairs)}


def dense_settings(reliefs, r_max) -> FrontierSettings:
    """A floor at every relief value the brute force found (from the maximum down)."""
    shares = sorted({r / r_max for r in reliefs if r > 0} | {1.0}, reverse=True)
    return FrontierSettings(id="dense", shares=tuple(shares), parties_first=tuple(shares),
                            place_km_deterministic_time=1.0)


@pytest.mark.parametrize("make", [tiny, lambda: random_tiny(1), lambda: random_tiny(4)])
def test_frontier_matches_the_brute_force(make):
    s = make()
    st = tiny_settings(max_partners=2)
    keys, _ = true_keys(s, st)
    r_max = max(k[0] for k in keys)
    fs = dense_settings({k[0] for k in keys}, r_max)
    f = deal_frontier(s, fs, base=st)
    pts = [(p.relief, p.agreements, p.parties, p.fairness) for p in f.points]
    assert pts, "no point"
    for p in pts:  # feasible: some real choice has exactly these figures
        assert any(k[:3] == p[:3] and abs(k[3] - p[3]) < 1e-2 for k in keys), p
    for p in pts:  # truly non-dominated: no feasible choice beats it
        beaten = [k for k in keys if beats(k, p)]
        assert beaten == [], (p, beaten[:3])
    # both ends exact: the most relief, and the fewest parties at the lowest floor (here any relief)
    assert f.points[0].relief == r_max == sum(f.max_relief.values())
    floor = math.ceil(min(fs.shares) * r_max - 1e-9)
    assert f.fewest_parties.parties == min(k[2] for k in keys if k[0] >= floor)
    # with a floor at every relief value, every (relief, parties) trade-off of the brute force is a point
    assert pareto_2d({(k[0], k[2]) for k in keys if k[0] >= floor}) == pareto_2d({(p[0], p[2]) for p in pts})
    # numbering: 1, 2, ... by relief (most first), then parties
    assert [p.point for p in f.points] == list(range(1, len(f.points) + 1))
    assert [(-p.relief, p.parties) for p in f.points] == sorted((-p.relief, p.parties) for p in f.points)
    for p in f.points:  # every level of every point says how it went
        assert all(i.status in ("OPTIMAL", "FEASIBLE") for i in p.solve_info)
        assert all(i.status == "OPTIMAL" for i in p.solve_info if i.model != "deals/place_km")


def test_non_dominated_drops_the_dominated_and_duplicates():
    keys = [(10, 2, 9, 1.0), (10, 2, 9, 1.0), (9, 2, 9, 1.0), (8, 1, 5, 3.0), (10, 3, 9, 0.5)]
    assert non_dominated(keys) == [0, 3, 4]
    assert dominates((10, 2, 9, 1.0), (9, 2, 9, 1.0))
    assert not dominates((10, 2, 9, 1.0), (10, 2, 9, 1.0))


def test_frontier_settings_need_the_most_relief_end():
    with pytest.raises(ValueError, match=r"1\.0 must be one"):
        FrontierSettings(shares=(0.9, 0.8), parties_first=(0.8,))
    with pytest.raises(ValueError, match="in \\(0, 1\\]"):
        FrontierSettings(shares=(1.0, 1.2), parties_first=(1.0,))
    with pytest.raises(ValueError, match="the fewest-parties end"):
        FrontierSettings(shares=(1.0, 0.8), parties_first=(1.0,))


def test_the_bundled_frontier_names_its_sources_and_ends():
    from herverdeling.surplus.deals.frontier import available_frontier_settings, load_frontier_settings

    assert "default" in available_frontier_settings()
    fs = load_frontier_settings("default")
    assert fs.candidates()[0] == (1.0, "agreements")  # the most-relief end first
    assert (min(fs.shares), "parties") in fs.candidates()  # the fewest-parties end
    with pytest.raises(ValueError, match="no source"):
        FrontierSettings(sources={"deals": "x"})


def test_progress_says_which_run_became_which_point():
    """The runs are told in the order solved, the points numbered as propose --frontier-point
    reads them: the last progress line maps each run to its point (or says it was dropped), and
    each run's own line has that point's figures (a new-user check found run 5 was point 6)."""
    import re

    lines: list[str] = []
    s = tiny()
    st = tiny_settings(max_partners=2)
    keys, _ = true_keys(s, st)
    r_max = max(k[0] for k in keys)
    f = deal_frontier(s, dense_settings({k[0] for k in keys}, r_max), base=st, progress=lines.append)
    told = re.findall(r"ontlasting (\d+), (\d+) overeenkomsten, (\d+) partijen", "\n".join(lines))
    mapping = lines[-1]
    assert mapping.strip().startswith("afwegingen:")
    pairs = dict(re.findall(r"berekening (\d+) is afweging (\d+)", mapping))
    assert len(told) == f.candidates == len(re.findall(r"berekening \d+", mapping))
    assert sorted(int(k) for k in pairs.values()) == [p.point for p in f.points]
    assert len(pairs) < f.candidates  # some run dropped, so the numberings differ
    for run, point in pairs.items():
        p = f.point(int(point))
        assert told[int(run) - 1] == (str(p.relief), str(p.agreements), str(p.parties))
