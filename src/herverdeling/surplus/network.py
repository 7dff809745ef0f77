"""The surplus-swap flow network of one category, built from a scenario and a policy.

Layers (node names are strings; nodes and arcs come in a fixed order, so the network is
deterministic):

    S -> src:GM.. (supply: the municipality's `extra`, so a province never gives more than its
                   surplus, P2)
      -> transport: direct arcs src -> rel (km cost); in large instances the k nearest candidate
         sources plus routes through province hubs src -> out:P -> in:Q -> rel (centroid km)
      -> rel:GM.. (a municipality that can be relieved, capacity relief_cap, P11; P3: it lies in a
                   province with a restopgave)
      -> prov:Q -> T (fairness layer)

S supplies exactly R = min(total surplus, total relief capacity) and T demands R, so every feasible
flow relieves the maximum (issue point 4) and costs only decide *how*. Transport is complete
(every source reaches every relievable municipality), so R is always feasible.

Refused partners (partners.csv, D4: province `sink` refuses plusprovincie `source`): the network has
no arc from a source of `source` to a relievable municipality of `sink` (no direct arc, no hub
route), and R is then the maximum flow of the province graph without those pairs (every allowed
pair stays reachable, so R is feasible again).

Policies:
- nearest: cost = distance per place on transport arcs only.
- proportional: on rel -> prov and prov -> T, convex piecewise-linear costs around the exact fair
  share f (-W per place up to floor f, 0 up to ceil f, +W beyond). W exceeds any possible
  difference in distance cost between two flows, so the optimum is fair first and shortest second.
  A fully fair flow exists (every province within one place of its share, every municipality
  within one place of its own, because transport is complete), so it is what the solver returns.
- small-first: eligible small tasks, smallest first while they fit in R, are forced whole
  (lower bound = capacity = task, arc rel -> T); the rest of R is shared proportionally.

The parallel segments of a convex cost on u -> v are arcs u -> v:below / v:fair / v:above (three
segment heads shared by every u flowing into v, each with one free arc on to v), so the network is
a plain DiGraph. It is assembled as integer arrays (a `FlowProblem`, fast enough for 100,000
municipalities); `SurplusNetwork.graph` is exactly the same network as a networkx DiGraph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import networkx as nx
import numpy as np

from herverdeling.errors import SettingsError
from herverdeling.scenario.model import Category, Municipality, Scenario
from herverdeling.surplus.policies import Policy
from herverdeling.surplus.solve import FlowProblem

EARTH_KM = 6371.0
SEGMENTS = ("below", "fair", "above")
_COST_LIMIT = 2**62  # OR-Tools scales costs by the node count; stay far from int64 overflow
Roles = tuple[tuple[str, ...], tuple[str, ...]]


def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Vectorised great-circle km on a sphere of 6,371 km (same formula as scenario.great_circle_km)."""
    p1, l1, p2, l2 = map(np.radians, (lat1, lon1, lat2, lon2))
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.minimum(1.0, h)))


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


class Site(NamedTuple):
    """A source or relievable municipality in the network (a NamedTuple: cheap at 100,000)."""

    code: str
    province: str
    places: int  # supply (source) or relief capacity (relievable)
    lat: float
    lon: float


def _site(m: Municipality, places: int) -> Site:
    return Site(code=m.cbs_code, province=m.province, places=places, lat=m.point.lat, lon=m.point.lon)


def province_roles(scenario: Scenario) -> Roles:
    """(plusprovincies, restopgave provinces), as Scenario.plusprovincies()/restopgave_provinces(),
    in one pass with plain integers (those views build Tasks per municipality: slow at 100,000)."""
    vb: dict[str, list[int]] = {p.code: [0, 0] for p in scenario.provinces}
    rest: dict[str, int] = dict.fromkeys(vb, 0)
    for m in scenario.municipalities:
        t = vb[m.province]
        t[0] += m.verdeelbesluit.regulier
        t[1] += m.verdeelbesluit.amv
        rest[m.province] += m.restopgave.regulier + m.restopgave.amv
    plus = tuple(p.code for p in scenario.provinces
                 if max(0, vb[p.code][0] - p.opgave.regulier) + max(0, vb[p.code][1] - p.opgave.amv) > 0)
    return plus, tuple(p.code for p in scenario.provinces if rest[p.code] > 0)


def sources_of(scenario: Scenario, category: Category, roles: Roles | None = None) -> tuple[Site, ...]:
    """P1/P2: municipalities of plusprovincies with extra places in this category (not those that
    refuse to back surplus in preferences.csv, D4)."""
    out = [_site(m, m.extra.get(category))
           for p in (roles or province_roles(scenario))[0] for m in scenario.municipalities_in(p)
           if m.extra.get(category) > 0 and scenario.preferences.may_back(m.cbs_code)]  # D4
    return tuple(sorted(out, key=lambda s: s.code))


def relievable_of(scenario: Scenario, category: Category, roles: Roles | None = None) -> tuple[Site, ...]:
    """P3/P11: municipalities of restopgave provinces with a positive relief cap."""
    out = []
    for q in (roles or province_roles(scenario))[1]:
        for m in scenario.municipalities_in(q):
            cap = scenario.relief_cap(m, category)
            if cap > 0:
                out.append(_site(m, cap))
    return tuple(sorted(out, key=lambda s: s.code))


def eligible_small(scenario: Scenario, category: Category, roles: Roles | None = None,
                   relievable: tuple[Site, ...] | None = None) -> tuple[Site, ...]:
    """Small tasks a swap can remove: 0 < task < min_size and the relief cap covers the whole task."""
    out = []
    for s in relievable_of(scenario, category, roles) if relievable is None else relievable:
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


def select_reachable(sources: tuple[Site, ...], relievable: tuple[Site, ...],
                     refused: frozenset[tuple[str, str]], chosen: tuple[Site, ...],
                     relief: int) -> tuple[Site, ...]:
    """Of the chosen small tasks (smallest first), those that fit together when some pairs are
    refused: a flow of `relief` places exists that relieves each of them whole (checked on the
    province graph, forced places at cost -1, by networkx's max-flow-min-cost)."""
    keep: list[Site] = []
    for s in sorted(chosen, key=lambda s: (s.places, s.code)):
        trial = [*keep, s]
        g: nx.DiGraph = nx.DiGraph()
        for x in sources:
            g.add_edge("S", f"P:{x.province}", capacity=g.get_edge_data(
                "S", f"P:{x.province}", {"capacity": 0})["capacity"] + x.places)
        cap: dict[str, int] = {}
        for r in relievable:
            cap[r.province] = cap.get(r.province, 0) + r.places
        need: dict[str, int] = {}
        for x in trial:
            need[x.province] = need.get(x.province, 0) + x.places
        for q, c in cap.items():
            g.add_edge(f"Q:{q}", "T", capacity=c - need.get(q, 0), weight=0)
            if need.get(q):
                g.add_edge(f"Q:{q}", f"F:{q}", capacity=need[q], weight=-1)
                g.add_edge(f"F:{q}", "T", capacity=need[q], weight=0)
        for p in sorted({x.province for x in sources}):
            for q in sorted(cap):
                if (p, q) not in refused:
                    g.add_edge(f"P:{p}", f"Q:{q}", weight=0)
        flow = nx.max_flow_min_cost(g, "S", "T")
        total = sum(flow["S"].values())
        forced = sum(flow[f"Q:{q}"].get(f"F:{q}", 0) for q in need)
        if total >= relief and forced == sum(need.values()):
            keep.append(s)
    return tuple(sorted(keep, key=lambda s: s.code))


class _Arcs:
    """Collects nodes and arc arrays in insertion order."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.index: dict[str, int] = {}
        self.demand: dict[int, int] = {}
        self.chunks: list[tuple[np.ndarray, ...]] = []

    def nodes(self, names: list[str]) -> np.ndarray:
        for n in names:
            if n not in self.index:
                self.index[n] = len(self.names)
                self.names.append(n)
        return np.fromiter((self.index[n] for n in names), dtype=np.int64, count=len(names))

    def add(self, tails: np.ndarray, heads: np.ndarray, caps: np.ndarray, costs: np.ndarray | int = 0,
            lowers: np.ndarray | int = 0) -> None:
        m = len(tails)
        keep = np.asarray(caps) > 0
        arrays = [np.broadcast_to(np.asarray(a, dtype=np.int64), (m,)) for a in (tails, heads, caps, costs,
                                                                                  lowers)]
        self.chunks.append(tuple(a[keep] for a in arrays))

    def problem(self) -> FlowProblem:
        demands = np.zeros(len(self.names), dtype=np.int64)
        for i, d in self.demand.items():
            demands[i] = d
        cols = [np.concatenate([c[k] for c in self.chunks]) if self.chunks else np.zeros(0, dtype=np.int64)
                for k in range(5)]
        return FlowProblem(nodes=tuple(self.names), demands=demands, tails=cols[0], heads=cols[1],
                           capacities=cols[2], costs=cols[3], lowers=cols[4])


@dataclass
class SurplusNetwork:
    """The network of one category plus what the result stage needs to read the flow back."""

    category: Category
    policy: Policy
    problem: FlowProblem
    sources: tuple[Site, ...]
    relievable: tuple[Site, ...]
    total_surplus: int
    total_capacity: int
    relief: int  # R = min(total_surplus, total_capacity)
    transport: str  # "complete" or "k-nearest+hubs"
    fairness_weight: int = 0
    forced_small: tuple[str, ...] = ()  # codes relieved whole first (small-first)
    fair_share: dict[str, tuple[int, int]] = field(default_factory=dict)  # rel or province: (num, den)

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The same network as a networkx DiGraph (node `demand`, edge `capacity`/`weight`/`lower`)."""
        return self.problem.to_graph()


def _km_cost(km: np.ndarray, policy: Policy) -> np.ndarray:
    return np.rint(np.asarray(km) * 1000.0 / policy.distance_unit_m).astype(np.int64)


def _latlon(sites: tuple[Site, ...]) -> tuple[np.ndarray, np.ndarray]:
    return (np.fromiter((s.lat for s in sites), dtype=float, count=len(sites)),
            np.fromiter((s.lon for s in sites), dtype=float, count=len(sites)))


def _places(sites: tuple[Site, ...] | list[Site]) -> np.ndarray:
    return np.fromiter((s.places for s in sites), dtype=np.int64, count=len(sites))


def build_network(scenario: Scenario, category: Category, policy: Policy,
                  roles: Roles | None = None) -> SurplusNetwork:
    """The flow network of one category; a pure function of scenario and policy.

    `roles` (plusprovincies, restopgave provinces) may be passed to skip recomputing them.
    """
    roles = roles or province_roles(scenario)
    sources = sources_of(scenario, category, roles)
    relievable = relievable_of(scenario, category, roles)
    total_surplus = int(_places(sources).sum())
    total_capacity = int(_places(relievable).sum())
    refused = refused_pairs(scenario, sources, relievable)
    relief = (min(total_surplus, total_capacity) if not refused else
              max_relief(sources, relievable, refused))
    a = _Arcs()
    s_node = a.nodes(["S"])[0]

    def network(transport: str, *, forced_small: tuple[str, ...] = (), fairness_weight: int = 0,
                fair_share: dict[str, tuple[int, int]] | None = None) -> SurplusNetwork:
        return SurplusNetwork(category=category, policy=policy, problem=a.problem(), sources=sources,
                              relievable=relievable, total_surplus=total_surplus,
                              total_capacity=total_capacity, relief=relief, transport=transport,
                              fairness_weight=fairness_weight, forced_small=forced_small,
                              fair_share={} if fair_share is None else fair_share)

    if relief == 0:
        a.nodes(["T"])
        return network("complete")
    a.demand[int(s_node)] = -relief

    s_idx = a.nodes([src(s.code) for s in sources])
    s_cap = _places(sources)
    a.add(np.full(len(sources), s_node), s_idx, s_cap)
    r_idx = a.nodes([rel(r.code) for r in relievable])
    r_cap = _places(relievable)

    # ---- transport layer ------------------------------------------------------------------------
    slat, slon = _latlon(sources)
    rlat, rlon = _latlon(relievable)
    if len(sources) * len(relievable) <= policy.complete_arcs_up_to:
        transport = "complete"
        cost = _km_cost(haversine_km(rlat[:, None], rlon[:, None], slat[None, :], slon[None, :]), policy)
        max_path_cost = int(cost.max())
        keep_arc = np.array([[(s.province, r.province) not in refused for s in sources]
                             for r in relievable], dtype=bool).ravel()
        a.add(np.tile(s_idx, len(relievable))[keep_arc], np.repeat(r_idx, len(sources))[keep_arc],
              np.minimum(s_cap[None, :], r_cap[:, None]).ravel()[keep_arc], cost.ravel()[keep_arc])
    else:
        transport = "k-nearest+hubs"
        max_path_cost = _hub_transport(scenario, a, policy, relief, sources, relievable, s_idx, r_idx,
                                       refused)

    # ---- fairness layer -------------------------------------------------------------------------
    t_node = a.nodes(["T"])[0]
    a.demand[int(t_node)] = relief
    forced: tuple[Site, ...] = ()
    if policy.allocation == "small-first":
        forced = select_small(eligible_small(scenario, category, roles, relievable), relief)
        if refused:  # only what the allowed pairs can still reach, whole, next to relief R
            forced = select_reachable(sources, relievable, refused, forced, relief)
        where = {r.code: i for i, r in enumerate(relievable)}
        f_idx = np.array([where[s.code] for s in forced], dtype=np.int64)
        f_cap = _places(forced)
        a.add(r_idx[f_idx], np.full(len(forced), t_node), f_cap, 0, f_cap)
    forced_codes = {s.code for s in forced}
    keep = np.array([r.code not in forced_codes for r in relievable], dtype=bool)
    rest_relief = relief - sum(s.places for s in forced)
    provinces = sorted({r.province for r in relievable if r.code not in forced_codes})
    q_names = [r.province for r in relievable]
    q_idx = a.nodes([prov(q) for q in provinces])
    q_of = dict(zip(provinces, q_idx.tolist(), strict=True))
    r_q = np.array([q_of.get(q, -1) for q in q_names], dtype=np.int64)
    cap_q = np.zeros(len(a.names), dtype=np.int64)
    np.add.at(cap_q, r_q[keep], r_cap[keep])
    cap_q = cap_q[q_idx]
    forced_small = tuple(sorted(forced_codes))
    if policy.allocation == "nearest":
        a.add(r_idx[keep], r_q[keep], r_cap[keep])
        a.add(q_idx, np.full(len(q_idx), t_node), cap_q)
        return network(transport, forced_small=forced_small)
    # W beats any difference in distance cost between two flows: R * (the longest path's cost).
    w = 1 + relief * max(1, max_path_cost)
    if w * (len(a.names) + 4 * len(provinces) + 8) * 4 >= _COST_LIMIT:
        raise SettingsError(f"the fairness weight {w} is too large for integer costs on this network; "
                            f"raise distance_unit_m in policy {policy.id!r}")
    # exact fair shares as integers: share = rest_relief * cap / total (numerator, denominator)
    total_rest = int(r_cap[keep].sum())
    fair_share = {r.code: (rest_relief * c, total_rest)
                  for r, c in zip(relievable, r_cap.tolist(), strict=True) if r.code not in forced_codes}
    fair_share |= {q: (rest_relief * c, total_rest) for q, c in zip(provinces, cap_q.tolist(), strict=True)}
    _convex(a, r_idx[keep], r_q[keep], r_cap[keep], rest_relief, total_rest, w)
    _convex(a, q_idx, np.full(len(q_idx), t_node), cap_q, rest_relief, total_rest, w)
    return network(transport, forced_small=forced_small, fairness_weight=w, fair_share=fair_share)


def _convex(a: _Arcs, tails: np.ndarray, heads: np.ndarray, caps: np.ndarray, relief: int, total: int,
            w: int) -> None:
    """Convex cost on each tail -> head around its share relief * cap / total: -w per place up to
    floor, 0 up to ceil, +w up to cap; segment k goes to the shared head node `head:segment`."""
    if not len(tails):
        return
    num = np.asarray(caps, dtype=object) * relief  # exact Python integers, no overflow
    lo = np.array([int(x) // total for x in num], dtype=np.int64)
    hi = np.array([-(-int(x) // total) for x in num], dtype=np.int64)
    uniq = list(dict.fromkeys(heads.tolist()))
    for seg, seg_cap, cost in zip(SEGMENTS, (lo, hi - lo, caps - hi), (-w, 0, w), strict=True):
        seg_nodes = a.nodes([f"{a.names[h]}:{seg}" for h in uniq])
        seg_of = dict(zip(uniq, seg_nodes.tolist(), strict=True))
        a.add(tails, np.array([seg_of[h] for h in heads.tolist()], dtype=np.int64), seg_cap, cost)
        a.add(seg_nodes, np.array(uniq, dtype=np.int64), np.full(len(uniq), max(1, relief)))


def refused_pairs(scenario: Scenario, sources: tuple[Site, ...],
                  relievable: tuple[Site, ...]) -> frozenset[tuple[str, str]]:
    """(plusprovincie, sink province) pairs the sink refuses as partner (partners.csv, D4)."""
    prefs = scenario.preferences
    if not prefs.partners:
        return frozenset()
    plus = {s.province for s in sources}
    sinks = {r.province for r in relievable}
    return frozenset((p, q) for p in plus for q in sinks if prefs.partner(q, p) == "refused")


def max_relief(sources: tuple[Site, ...], relievable: tuple[Site, ...],
               refused: frozenset[tuple[str, str]]) -> int:
    """The most places that can be relieved without a refused pair: the maximum flow of the
    province graph S -> plusprovincie (its surplus) -> sink province (its capacity) -> T."""
    g: nx.DiGraph = nx.DiGraph()
    for s in sources:
        cap = g.get_edge_data("S", f"P:{s.province}", {"capacity": 0})["capacity"]
        g.add_edge("S", f"P:{s.province}", capacity=cap + s.places)
    for r in relievable:
        cap = g.get_edge_data(f"Q:{r.province}", "T", {"capacity": 0})["capacity"]
        g.add_edge(f"Q:{r.province}", "T", capacity=cap + r.places)
    for p in sorted({s.province for s in sources}):
        for q in sorted({r.province for r in relievable}):
            if (p, q) not in refused:
                g.add_edge(f"P:{p}", f"Q:{q}")  # no capacity: unbounded
    if "S" not in g or "T" not in g:
        return 0
    return int(nx.maximum_flow_value(g, "S", "T"))


def _hub_transport(scenario: Scenario, a: _Arcs, policy: Policy, relief: int, sources: tuple[Site, ...],
                   relievable: tuple[Site, ...], s_idx: np.ndarray, r_idx: np.ndarray,
                   refused: frozenset[tuple[str, str]] = frozenset()) -> int:
    """Large instances: k nearest candidate sources per relievable municipality + province hubs.

    Candidates are the sources of the `candidate_provinces` plusprovincies with the nearest
    centroids; the k nearest of them are picked on a local flat projection (equal to great-circle
    order up to a fraction of a percent at this scale) and then costed exactly.

    Hub routes src -> out:P -> in:Q -> rel cost d(m, cP) + d(cP, cQ) + d(cQ, r) >= d(m, r) (triangle
    inequality), so a hub route is never cheaper than the true distance; hubs keep every pair
    reachable. Returns the largest cost of any source-to-relievable path.
    """
    plus = sorted({s.province for s in sources})
    sinks = sorted({r.province for r in relievable})
    acc: dict[str, list[float]] = {p: [0.0, 0.0, 0] for p in plus + sinks}
    for m in scenario.municipalities:  # centroid = mean point of all the province's municipalities
        x = acc.get(m.province)
        if x is not None:
            x[0] += m.point.lat
            x[1] += m.point.lon
            x[2] += 1
    cents = {p: (x[0] / x[2], x[1] / x[2]) for p, x in acc.items()}
    slat, slon = _latlon(sources)
    rlat, rlon = _latlon(relievable)
    plat, plon = np.array([cents[p][0] for p in plus]), np.array([cents[p][1] for p in plus])
    qlat, qlon = np.array([cents[q][0] for q in sinks]), np.array([cents[q][1] for q in sinks])
    p_of = {p: i for i, p in enumerate(plus)}
    q_of = {q: j for j, q in enumerate(sinks)}
    s_p = np.array([p_of[s.province] for s in sources], dtype=np.int64)
    r_q = np.array([q_of[r.province] for r in relievable], dtype=np.int64)
    s_cap, r_cap = _places(sources), _places(relievable)

    out_idx = a.nodes([hub_out(p) for p in plus])
    in_idx = a.nodes([hub_in(q) for q in sinks])
    c_out = _km_cost(haversine_km(slat, slon, plat[s_p], plon[s_p]), policy)
    a.add(s_idx, out_idx[s_p], s_cap, c_out)
    c_pq = _km_cost(haversine_km(plat[:, None], plon[:, None], qlat[None, :], qlon[None, :]), policy)
    ok_pq = np.array([[(p, q) not in refused for q in sinks] for p in plus], dtype=bool).ravel()
    a.add(np.repeat(out_idx, len(sinks))[ok_pq], np.tile(in_idx, len(plus))[ok_pq],
          np.full(c_pq.size, relief)[ok_pq], c_pq.ravel()[ok_pq])
    c_in = _km_cost(haversine_km(qlat[r_q], qlon[r_q], rlat, rlon), policy)
    a.add(in_idx[r_q], r_idx, r_cap, c_in)

    n_cand = min(policy.candidate_provinces, len(plus))
    src_by_p = [np.flatnonzero(s_p == i) for i in range(len(plus))]
    max_direct = 0
    for j in range(len(sinks)):
        members = np.flatnonzero(r_q == j)
        nearest_p = [i for i in np.argsort(c_pq[:, j], kind="stable").tolist()
                     if (plus[i], sinks[j]) not in refused][:n_cand]
        if not nearest_p:
            continue
        cand = np.sort(np.concatenate([src_by_p[i] for i in nearest_p]))
        k = min(policy.k_nearest, len(cand))
        if not len(members) or not k:
            continue
        # pre-select the k nearest on a local flat projection (cheap), then cost them exactly
        kx = np.cos(np.radians(rlat[members]))[:, None]
        d2 = (rlat[members][:, None] - slat[cand][None, :]) ** 2 + \
            ((rlon[members][:, None] - slon[cand][None, :]) * kx) ** 2
        order = np.argpartition(d2, k - 1, axis=1)[:, :k] if k < len(cand) else \
            np.broadcast_to(np.arange(len(cand)), d2.shape)
        order = np.sort(order, axis=1)  # fixed arc order: candidates in CBS-code order
        chosen = cand[order]
        cost = _km_cost(haversine_km(rlat[members][:, None], rlon[members][:, None],
                                     slat[chosen], slon[chosen]), policy)
        max_direct = max(max_direct, int(cost.max()))
        a.add(s_idx[chosen].ravel(), np.repeat(r_idx[members], k),
              np.minimum(s_cap[chosen], r_cap[members][:, None]).ravel(), cost.ravel())
    return max(max_direct, int(c_out.max()) + int(c_pq.max()) + int(c_in.max()))
