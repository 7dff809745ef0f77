"""The surplus-swap flow network of one category, built with networkx from a scenario and a policy.

Layers (node names are strings, inserted in sorted order so the network is deterministic):

    S -> src:GM.. (supply: the municipality's `extra`, so a province never gives more than its
                   surplus, P2)
      -> transport: direct arcs src -> rel (km cost), and in large instances also
         src -> out:P -> in:Q -> rel (province hubs, centroid km)
      -> rel:GM.. (a municipality that can be relieved, capacity relief_cap, P11; P3: it lies in a
                   province with a restopgave)
      -> prov:Q -> T (fairness layer)

S supplies exactly R = min(total surplus, total relief capacity) and T demands R, so every feasible
flow relieves the maximum (issue point 4) and costs only decide *how*. Transport is complete
(every source reaches every relievable municipality), so R is always feasible.

Policies:
- nearest: cost = distance per place on transport arcs only.
- proportional: on rel -> prov and prov -> T, convex piecewise-linear costs around the exact fair
  share f (-W per place up to floor f, 0 up to ceil f, +W beyond). W exceeds any possible
  difference in distance cost, so the optimum is fair first (every province and municipality
  within one place of its share, when the fair solution exists, which it does because transport
  is complete) and shortest second.
- small-first: eligible small tasks, smallest first while they fit in R, are forced whole
  (lower bound = capacity = task, arc rel -> T); the rest of R is shared proportionally.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import networkx as nx
import numpy as np

from herverdeling.errors import SettingsError
from herverdeling.scenario.model import Category, Municipality, Scenario
from herverdeling.surplus.policies import Policy

EARTH_KM = 6371.0
_COST_LIMIT = 2**62  # OR-Tools scales costs by the node count; stay far from int64 overflow


def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Vectorised great-circle km on a sphere of 6,371 km (same formula as scenario.great_circle_km)."""
    p1, l1, p2, l2 = map(np.radians, (lat1, lon1, lat2, lon2))
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.minimum(1.0, h)))


@dataclass(frozen=True)
class Site:
    """A source or relievable municipality in the network."""

    code: str
    province: str
    places: int  # supply (source) or relief capacity (relievable)
    lat: float
    lon: float


@dataclass
class SurplusNetwork:
    """The graph plus what the result stage needs to read the flow back."""

    category: Category
    policy: Policy
    graph: nx.MultiDiGraph
    sources: tuple[Site, ...]
    relievable: tuple[Site, ...]
    total_surplus: int
    total_capacity: int
    relief: int  # R = min(total_surplus, total_capacity)
    transport: str  # "complete" or "k-nearest+hubs"
    fairness_weight: int = 0
    forced_small: tuple[str, ...] = ()  # codes relieved whole first (small-first)
    centroids: dict[str, tuple[float, float]] = field(default_factory=dict)

    def km_cost(self, km: float | np.ndarray) -> np.ndarray:
        return np.rint(np.asarray(km) * 1000.0 / self.policy.distance_unit_m).astype(np.int64)


def src(code: str) -> str:
    return f"src:{code}"


def rel(code: str) -> str:
    return f"rel:{code}"


def prov(code: str) -> str:
    return f"prov:{code}"


def hub_out(code: str) -> str:
    return f"out:{code}"


def hub_in(code: str) -> str:
    return f"in:{code}"


def _site(m: Municipality, places: int) -> Site:
    return Site(code=m.cbs_code, province=m.province, places=places, lat=m.point.lat, lon=m.point.lon)


def sources_of(scenario: Scenario, category: Category) -> tuple[Site, ...]:
    """P1/P2: municipalities of plusprovincies with extra places in this category."""
    out = []
    for p in scenario.plusprovincies():
        for m in scenario.municipalities_in(p):
            if m.extra.get(category) > 0:
                out.append(_site(m, m.extra.get(category)))
    return tuple(sorted(out, key=lambda s: s.code))


def relievable_of(scenario: Scenario, category: Category) -> tuple[Site, ...]:
    """P3/P11: municipalities of restopgave provinces with a positive relief cap."""
    out = []
    for q in scenario.restopgave_provinces():
        for m in scenario.municipalities_in(q):
            cap = scenario.relief_cap(m, category)
            if cap > 0:
                out.append(_site(m, cap))
    return tuple(sorted(out, key=lambda s: s.code))


def eligible_small(scenario: Scenario, category: Category) -> tuple[Site, ...]:
    """Small tasks a swap can remove: 0 < task < min_size and the relief cap covers the whole task."""
    out = []
    for s in relievable_of(scenario, category):
        task = scenario.municipality(s.code).verdeelbesluit.get(category)
        if scenario.is_small(task, category) and s.places >= task:
            out.append(Site(code=s.code, province=s.province, places=task, lat=s.lat, lon=s.lon))
    return tuple(out)


def select_small(candidates: tuple[Site, ...], budget: int) -> tuple[Site, ...]:
    """Smallest tasks first (ties: CBS code) while they fit: the most whole tasks within the budget."""
    chosen = []
    for s in sorted(candidates, key=lambda s: (s.places, s.code)):
        if s.places > budget:
            break
        chosen.append(s)
        budget -= s.places
    return tuple(sorted(chosen, key=lambda s: s.code))


def fair_shares(total: int, weights: dict[str, int]) -> dict[str, Fraction]:
    """Exact proportional shares of `total` (a Fraction each)."""
    wsum = sum(weights.values())
    if wsum == 0:
        return dict.fromkeys(weights, Fraction(0))
    return {k: Fraction(total * w, wsum) for k, w in weights.items()}


def _add_convex(g: nx.MultiDiGraph, u: str, v: str, share: Fraction, cap: int, w: int) -> None:
    """Convex cost around `share`: -w per place up to floor, 0 up to ceil, +w up to cap."""
    lo, hi = math.floor(share), math.ceil(share)
    for key, c, cost in (("below", lo, -w), ("fair", hi - lo, 0), ("above", cap - hi, w)):
        if c > 0:
            g.add_edge(u, v, key=key, capacity=c, weight=cost)


def _centroids(scenario: Scenario, provinces: set[str]) -> dict[str, tuple[float, float]]:
    out = {}
    for p in sorted(provinces):
        ms = scenario.municipalities_in(p)
        out[p] = (sum(m.point.lat for m in ms) / len(ms), sum(m.point.lon for m in ms) / len(ms))
    return out


def _arrays(sites: tuple[Site, ...]) -> tuple[np.ndarray, np.ndarray]:
    return (np.fromiter((s.lat for s in sites), dtype=float, count=len(sites)),
            np.fromiter((s.lon for s in sites), dtype=float, count=len(sites)))


def build_network(scenario: Scenario, category: Category, policy: Policy) -> SurplusNetwork:
    """The flow network of one category; pure function of scenario and policy."""
    sources = sources_of(scenario, category)
    relievable = relievable_of(scenario, category)
    total_surplus = sum(s.places for s in sources)
    total_capacity = sum(r.places for r in relievable)
    relief = min(total_surplus, total_capacity)
    g = nx.MultiDiGraph()
    g.add_node("S", demand=-relief)
    net = SurplusNetwork(category=category, policy=policy, graph=g, sources=sources,
                         relievable=relievable, total_surplus=total_surplus,
                         total_capacity=total_capacity, relief=relief, transport="complete")
    if relief == 0:
        g.add_node("T", demand=0)
        return net

    g.add_nodes_from(src(s.code) for s in sources)
    g.add_edges_from(("S", src(s.code), {"capacity": s.places, "weight": 0}) for s in sources)

    # ---- transport layer ------------------------------------------------------------------------
    slat, slon = _arrays(sources)
    rlat, rlon = _arrays(relievable)
    max_path_cost = 0
    if len(sources) * len(relievable) <= policy.complete_arcs_up_to:
        cost = net.km_cost(haversine_km(rlat[:, None], rlon[:, None], slat[None, :], slon[None, :]))
        max_path_cost = int(cost.max())
        g.add_nodes_from(rel(r.code) for r in relievable)
        g.add_edges_from(
            (src(s.code), rel(r.code), {"capacity": min(s.places, r.places), "weight": int(cost[i, j])})
            for i, r in enumerate(relievable) for j, s in enumerate(sources)
        )
    else:
        net.transport = "k-nearest+hubs"
        max_path_cost = _hub_transport(scenario, net, slat, slon, rlat, rlon)

    # ---- fairness layer -------------------------------------------------------------------------
    g.add_node("T", demand=relief)
    forced: tuple[Site, ...] = ()
    if policy.allocation == "small-first":
        forced = select_small(eligible_small(scenario, category), relief)
        net.forced_small = tuple(s.code for s in forced)
        for s in forced:
            g.add_edge(rel(s.code), "T", key="small", capacity=s.places, lower=s.places, weight=0)
    forced_codes = set(net.forced_small)
    rest = [r for r in relievable if r.code not in forced_codes]
    rest_relief = relief - sum(s.places for s in forced)
    by_province: dict[str, list[Site]] = {}
    for r in rest:
        by_province.setdefault(r.province, []).append(r)
    if policy.allocation == "nearest":
        for q, members in sorted(by_province.items()):
            g.add_edges_from((rel(r.code), prov(q), {"capacity": r.places, "weight": 0}) for r in members)
            g.add_edge(prov(q), "T", capacity=sum(r.places for r in members), weight=0)
        return net
    # W beats any difference in distance cost between two flows: R * (the longest path's cost).
    w = 1 + relief * max(1, max_path_cost)
    if w * (g.number_of_nodes() + len(by_province) + 2) * 4 >= _COST_LIMIT:
        raise SettingsError(f"the fairness weight {w} is too large for integer costs on this network; "
                            f"raise distance_unit_m in policy {policy.id!r}")
    net.fairness_weight = w
    f_mun = fair_shares(rest_relief, {r.code: r.places for r in rest})
    f_prov = fair_shares(rest_relief, {q: sum(r.places for r in ms) for q, ms in by_province.items()})
    for q, members in sorted(by_province.items()):
        for r in members:
            _add_convex(g, rel(r.code), prov(q), f_mun[r.code], r.places, w)
        _add_convex(g, prov(q), "T", f_prov[q], sum(r.places for r in members), w)
    return net


def _hub_transport(scenario: Scenario, net: SurplusNetwork, slat: np.ndarray, slon: np.ndarray,
                   rlat: np.ndarray, rlon: np.ndarray) -> int:
    """Large instances: k nearest candidate sources per relievable municipality + province hubs.

    Hub routes src -> out:P -> in:Q -> rel cost d(m, cP) + d(cP, cQ) + d(cQ, r) >= d(m, r) (triangle
    inequality), so they are never cheaper than the true distance; they keep every pair reachable.
    Returns the largest cost of any source-to-relievable path.
    """
    g, policy, sources, relievable = net.graph, net.policy, net.sources, net.relievable
    plus = sorted({s.province for s in sources})
    sinks = sorted({r.province for r in relievable})
    net.centroids = cents = _centroids(scenario, set(plus) | set(sinks))
    plat = np.array([cents[p][0] for p in plus])
    plon = np.array([cents[p][1] for p in plus])
    pidx = {p: i for i, p in enumerate(plus)}
    s_prov = np.array([pidx[s.province] for s in sources])
    # src -> out:P
    c_out = net.km_cost(haversine_km(slat, slon, plat[s_prov], plon[s_prov]))
    g.add_nodes_from(hub_out(p) for p in plus)
    g.add_edges_from((src(s.code), hub_out(s.province), {"capacity": s.places, "weight": int(c)})
                     for s, c in zip(sources, c_out.tolist(), strict=True))
    # out:P -> in:Q
    qlat = np.array([cents[q][0] for q in sinks])
    qlon = np.array([cents[q][1] for q in sinks])
    c_pq = net.km_cost(haversine_km(plat[:, None], plon[:, None], qlat[None, :], qlon[None, :]))
    g.add_nodes_from(hub_in(q) for q in sinks)
    g.add_edges_from((hub_out(p), hub_in(q), {"capacity": net.relief, "weight": int(c_pq[i, j])})
                     for i, p in enumerate(plus) for j, q in enumerate(sinks))
    # in:Q -> rel, and direct arcs to the k nearest candidate sources
    g.add_nodes_from(rel(r.code) for r in relievable)
    qidx = {q: j for j, q in enumerate(sinks)}
    r_prov = np.array([qidx[r.province] for r in relievable])
    c_in = net.km_cost(haversine_km(qlat[r_prov], qlon[r_prov], rlat, rlon))
    g.add_edges_from((hub_in(r.province), rel(r.code), {"capacity": r.places, "weight": int(c)})
                     for r, c in zip(relievable, c_in.tolist(), strict=True))
    max_direct = 0
    n_cand = min(policy.candidate_provinces, len(plus))
    src_by_prov = [np.flatnonzero(s_prov == i) for i in range(len(plus))]
    for j, _q in enumerate(sinks):
        members = np.flatnonzero(r_prov == j)
        nearest_p = np.argsort(c_pq[:, j], kind="stable")[:n_cand]
        cand = np.sort(np.concatenate([src_by_prov[i] for i in nearest_p]))
        d = net.km_cost(haversine_km(rlat[members][:, None], rlon[members][:, None],
                                     slat[cand][None, :], slon[cand][None, :]))
        k = min(policy.k_nearest, len(cand))
        order = np.argsort(d, axis=1, kind="stable")[:, :k]
        for row, i_r in enumerate(members.tolist()):
            r = relievable[i_r]
            for col in order[row].tolist():
                s = sources[int(cand[col])]
                c = int(d[row, col])
                max_direct = max(max_direct, c)
                g.add_edge(src(s.code), rel(r.code), capacity=min(s.places, r.places), weight=c)
    return max(max_direct, int(c_out.max()) + int(c_pq.max()) + int(c_in.max()))
