"""One min-cost-flow interface, two backends: OR-Tools SimpleMinCostFlow and networkx network_simplex.

A network is a `FlowProblem`: nodes in a fixed order and arcs as integer arrays (tail, head,
capacity, cost per unit, lower bound), node demands in networkx's sign (negative = supply). It
converts both ways with a networkx (Multi)DiGraph in networkx's own convention (node `demand`,
edge `capacity` (missing = unbounded) and `weight`, plus our optional `lower`), so any networkx
instance (e.g. netgen-2) goes through the same adapter. Lower bounds are removed by the textbook
shift of node balances and added back to flows and cost. The model never imports a backend.
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Literal

import networkx as nx
import numpy as np

from herverdeling.proposals import SolveStatus

Backend = Literal["ortools", "networkx"]
BACKENDS: tuple[Backend, ...] = ("ortools", "networkx")
Arc = tuple[Hashable, Hashable, Hashable]  # (tail, head, key); key is None in a DiGraph


@dataclass(frozen=True, eq=False)
class FlowProblem:
    """A min-cost-flow network as arrays; arc i runs nodes[tails[i]] -> nodes[heads[i]]."""

    nodes: tuple[Hashable, ...]
    demands: np.ndarray  # networkx sign: > 0 receives, < 0 supplies
    tails: np.ndarray
    heads: np.ndarray
    capacities: np.ndarray  # total capacity, lower bound included
    costs: np.ndarray
    lowers: np.ndarray
    keys: tuple[Hashable, ...] | None = None  # multigraph edge keys, else None

    def __post_init__(self) -> None:
        m = len(self.tails)
        if not len(self.heads) == len(self.capacities) == len(self.costs) == len(self.lowers) == m:
            raise ValueError("arc arrays differ in length")
        if m and ((self.lowers < 0).any() or (self.lowers > self.capacities).any()):
            raise ValueError("every arc needs 0 <= lower <= capacity")
        if int(self.demands.sum()) != 0:
            raise ValueError(f"demands add up to {int(self.demands.sum())}, not 0")

    @property
    def n_arcs(self) -> int:
        return len(self.tails)

    def arc(self, i: int) -> Arc:
        return (self.nodes[self.tails[i]], self.nodes[self.heads[i]],
                None if self.keys is None else self.keys[i])

    @classmethod
    def from_graph(cls, graph: nx.DiGraph) -> FlowProblem:
        nodes = tuple(graph.nodes)
        index = {n: i for i, n in enumerate(nodes)}
        demand = np.fromiter((int(d.get("demand", 0)) for _, d in graph.nodes(data=True)),
                             dtype=np.int64, count=len(nodes))
        if isinstance(graph, nx.MultiDiGraph):  # the DiGraph that is a multigraph
            edges = list(graph.edges(keys=True, data=True))
        else:
            edges = [(u, v, None, d) for u, v, d in graph.edges(data=True)]
        m = len(edges)
        caps = [e[3].get("capacity") for e in edges]
        # a missing capacity (unbounded) becomes one no flow can reach without a negative-cost cycle
        big = int(np.abs(demand).sum()) + sum(int(c) for c in caps if c is not None) + 1
        return cls(
            nodes=nodes, demands=demand,
            tails=np.fromiter((index[e[0]] for e in edges), dtype=np.int64, count=m),
            heads=np.fromiter((index[e[1]] for e in edges), dtype=np.int64, count=m),
            capacities=np.fromiter((big if c is None else int(c) for c in caps),
                                   dtype=np.int64, count=m),
            costs=np.fromiter((int(e[3].get("weight", 0)) for e in edges), dtype=np.int64, count=m),
            lowers=np.fromiter((int(e[3].get("lower", 0)) for e in edges), dtype=np.int64, count=m),
            keys=tuple(e[2] for e in edges) if graph.is_multigraph() else None,
        )

    def to_graph(self) -> nx.DiGraph:
        """The same network as a networkx graph (a DiGraph unless it has parallel arcs)."""
        multi = self.keys is not None
        g: nx.DiGraph = nx.MultiDiGraph() if multi else nx.DiGraph()
        g.add_nodes_from((n, {"demand": int(d)}) for n, d in zip(self.nodes, self.demands.tolist(),
                                                                  strict=True))
        names = self.nodes
        data = ({"capacity": c, "weight": w, **({"lower": lo} if lo else {})}
                for c, w, lo in zip(self.capacities.tolist(), self.costs.tolist(), self.lowers.tolist(),
                                    strict=True))
        pairs = zip(self.tails.tolist(), self.heads.tolist(), strict=True)
        if self.keys is not None:
            # types-networkx: add_edges_from lacks MultiGraph's (u, v, key, data) form
            g.add_edges_from((names[t], names[h], k, d) for (t, h), k, d in zip(  # type: ignore[misc]
                pairs, self.keys, data, strict=True))
        else:
            g.add_edges_from((names[t], names[h], d) for (t, h), d in zip(pairs, data, strict=True))
            if g.number_of_edges() != self.n_arcs:
                raise ValueError("parallel arcs need a MultiDiGraph: give the problem edge keys")
        return g

    def shifted(self) -> tuple[np.ndarray, np.ndarray]:
        """(residual capacities, supplies in OR-Tools sign) after removing lower bounds."""
        supplies = -self.demands.copy()
        if self.lowers.any():
            np.subtract.at(supplies, self.tails, self.lowers)
            np.add.at(supplies, self.heads, self.lowers)
        return self.capacities - self.lowers, supplies


@dataclass(frozen=True, eq=False)
class FlowSolution:
    """Flow per arc (lower bounds included), the total cost, and how the solve went."""

    status: SolveStatus
    cost: int
    flows: np.ndarray
    problem: FlowProblem
    seconds: float
    backend: Backend

    def flow_by_arc(self) -> dict[Arc, int]:
        """Arcs with positive flow, by (tail, head, key)."""
        return {self.problem.arc(int(i)): int(self.flows[i]) for i in np.flatnonzero(self.flows)}


def _solve_ortools(p: FlowProblem) -> tuple[SolveStatus, int, np.ndarray]:
    from ortools.graph.python import min_cost_flow

    caps, supplies = p.shifted()
    zero = np.zeros(p.n_arcs, dtype=np.int64)
    if not p.n_arcs:
        return ("OPTIMAL" if not supplies.any() else "INFEASIBLE"), 0, zero
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(p.tails, p.heads, caps, p.costs)
    nz = np.flatnonzero(supplies)
    smcf.set_nodes_supplies(nz, supplies[nz])
    code = smcf.solve()
    if code == smcf.OPTIMAL:
        flows = np.asarray(smcf.flows(np.arange(p.n_arcs, dtype=np.int64)), dtype=np.int64)
        return "OPTIMAL", int(smcf.optimal_cost()), flows
    if code in (smcf.INFEASIBLE, smcf.UNBALANCED):
        return "INFEASIBLE", 0, zero
    return ("MODEL_INVALID" if code == smcf.BAD_COST_RANGE else "UNKNOWN"), 0, zero


def _solve_networkx(p: FlowProblem) -> tuple[SolveStatus, int, np.ndarray]:
    caps, supplies = p.shifted()
    g: nx.MultiDiGraph = nx.MultiDiGraph()
    g.add_nodes_from((i, {"demand": -s}) for i, s in enumerate(supplies.tolist()))
    # types-networkx: add_edges_from lacks MultiGraph's (u, v, key, data) form
    g.add_edges_from((t, h, k, {"capacity": c, "weight": w}) for k, (t, h, c, w) in enumerate(  # type: ignore[misc]
        zip(p.tails.tolist(), p.heads.tolist(), caps.tolist(), p.costs.tolist(), strict=True)))
    zero = np.zeros(p.n_arcs, dtype=np.int64)
    try:
        cost, flow = nx.network_simplex(g)
    except nx.NetworkXUnfeasible:
        return "INFEASIBLE", 0, zero
    except nx.NetworkXUnbounded:
        return "MODEL_INVALID", 0, zero
    flows = np.fromiter((flow[t][h][k] for k, (t, h) in enumerate(
        zip(p.tails.tolist(), p.heads.tolist(), strict=True))), dtype=np.int64, count=p.n_arcs)
    return "OPTIMAL", int(cost), flows


def solve_min_cost_flow(network: FlowProblem | nx.DiGraph, backend: Backend = "ortools") -> FlowSolution:
    """Min-cost flow meeting every demand exactly; cost and flows include forced (`lower`) flow."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r} (choose from {', '.join(BACKENDS)})")
    start = time.perf_counter()
    p = network if isinstance(network, FlowProblem) else FlowProblem.from_graph(network)
    status, cost, flows = (_solve_ortools if backend == "ortools" else _solve_networkx)(p)
    if status == "OPTIMAL":
        cost += int((p.lowers * p.costs).sum())
        flows = flows + p.lowers
    return FlowSolution(status=status, cost=cost, flows=flows, problem=p,
                        seconds=time.perf_counter() - start, backend=backend)
