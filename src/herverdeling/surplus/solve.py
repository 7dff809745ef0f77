"""One min-cost-flow interface, two backends: OR-Tools SimpleMinCostFlow and networkx network_simplex.

The input is any networkx (Multi)DiGraph in networkx's own convention: node attribute `demand`
(negative = supply), edge attributes `capacity` (missing = unbounded) and `weight` (cost per unit,
integer), plus our optional `lower` (a lower bound on the flow, removed by the textbook shift of
node balances). The model never imports a backend; tests compare the two on the same graph.
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


@dataclass(frozen=True)
class FlowProblem:
    """A graph flattened to arrays in a fixed order (node insertion order, edge iteration order)."""

    nodes: tuple[Hashable, ...]
    arcs: tuple[Arc, ...]
    tails: np.ndarray
    heads: np.ndarray
    capacities: np.ndarray  # after removing lower bounds
    costs: np.ndarray
    lowers: np.ndarray
    supplies: np.ndarray  # after shifting for lower bounds; OR-Tools sign (positive = supply)

    @classmethod
    def from_graph(cls, graph: nx.DiGraph) -> FlowProblem:
        nodes = tuple(graph.nodes)
        index = {n: i for i, n in enumerate(nodes)}
        demand = np.fromiter((int(d.get("demand", 0)) for _, d in graph.nodes(data=True)),
                             dtype=np.int64, count=len(nodes))
        if graph.is_multigraph():
            edges = list(graph.edges(keys=True, data=True))
        else:
            edges = [(u, v, None, d) for u, v, d in graph.edges(data=True)]
        m = len(edges)
        big = int(max(1, np.abs(demand).sum()))  # no arc can carry more than all supply
        tails = np.fromiter((index[e[0]] for e in edges), dtype=np.int64, count=m)
        heads = np.fromiter((index[e[1]] for e in edges), dtype=np.int64, count=m)
        caps = np.fromiter((min(int(e[3].get("capacity", big)), big) if e[3].get("capacity") is not None
                            else big for e in edges), dtype=np.int64, count=m)
        costs = np.fromiter((int(e[3].get("weight", 0)) for e in edges), dtype=np.int64, count=m)
        lowers = np.fromiter((int(e[3].get("lower", 0)) for e in edges), dtype=np.int64, count=m)
        if (lowers < 0).any() or (lowers > caps).any():
            raise ValueError("every arc needs 0 <= lower <= capacity")
        supplies = -demand
        if lowers.any():
            np.subtract.at(supplies, tails, lowers)
            np.add.at(supplies, heads, lowers)
        return cls(nodes=nodes, arcs=tuple((e[0], e[1], e[2]) for e in edges), tails=tails,
                   heads=heads, capacities=caps - lowers, costs=costs, lowers=lowers, supplies=supplies)


@dataclass(frozen=True)
class FlowSolution:
    """Flow per arc (lower bounds added back), the total cost, and how the solve went."""

    status: SolveStatus
    cost: int
    arcs: tuple[Arc, ...]
    flows: tuple[int, ...]
    seconds: float
    backend: Backend

    def flow_by_arc(self) -> dict[Arc, int]:
        return {a: f for a, f in zip(self.arcs, self.flows, strict=True) if f}


def _solve_ortools(p: FlowProblem) -> tuple[SolveStatus, int, np.ndarray]:
    from ortools.graph.python import min_cost_flow

    smcf = min_cost_flow.SimpleMinCostFlow()
    if len(p.arcs):
        smcf.add_arcs_with_capacity_and_unit_cost(p.tails, p.heads, p.capacities, p.costs)
    # Nodes without arcs still need their supply registered (an isolated supply is infeasible).
    for i in np.flatnonzero(p.supplies):
        smcf.set_node_supply(int(i), int(p.supplies[i]))
    if not len(p.arcs):
        status = "OPTIMAL" if not p.supplies.any() else "INFEASIBLE"
        return status, 0, np.zeros(0, dtype=np.int64)
    code = smcf.solve()
    if code == smcf.OPTIMAL:
        flows = np.asarray(smcf.flows(np.arange(len(p.arcs), dtype=np.int64)), dtype=np.int64)
        return "OPTIMAL", int(smcf.optimal_cost()), flows
    if code in (smcf.INFEASIBLE, smcf.UNBALANCED):
        return "INFEASIBLE", 0, np.zeros(len(p.arcs), dtype=np.int64)
    return "MODEL_INVALID" if code == smcf.BAD_COST_RANGE else "UNKNOWN", 0, np.zeros(len(p.arcs),
                                                                                    dtype=np.int64)


def _solve_networkx(p: FlowProblem) -> tuple[SolveStatus, int, np.ndarray]:
    g = nx.MultiDiGraph()
    for i, s in enumerate(p.supplies.tolist()):
        g.add_node(i, demand=-s)
    for k, (t, h, c, w) in enumerate(zip(p.tails.tolist(), p.heads.tolist(), p.capacities.tolist(),
                                         p.costs.tolist(), strict=True)):
        g.add_edge(t, h, key=k, capacity=c, weight=w)
    try:
        cost, flow = nx.network_simplex(g)
    except nx.NetworkXUnfeasible:
        return "INFEASIBLE", 0, np.zeros(len(p.arcs), dtype=np.int64)
    except nx.NetworkXUnbounded:
        return "MODEL_INVALID", 0, np.zeros(len(p.arcs), dtype=np.int64)
    flows = np.fromiter((flow[t][h][k] for k, (t, h) in enumerate(zip(p.tails.tolist(),
                                                                       p.heads.tolist(), strict=True))),
                        dtype=np.int64, count=len(p.arcs))
    return "OPTIMAL", int(cost), flows


def solve_min_cost_flow(graph: nx.DiGraph, backend: Backend = "ortools") -> FlowSolution:
    """Min-cost flow meeting every demand exactly; cost and flows include forced (`lower`) flow."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r} (choose from {', '.join(BACKENDS)})")
    start = time.perf_counter()
    p = FlowProblem.from_graph(graph)
    status, cost, flows = (_solve_ortools if backend == "ortools" else _solve_networkx)(p)
    if status == "OPTIMAL":
        cost += int((p.lowers * p.costs).sum())
        flows = flows + p.lowers
    return FlowSolution(status=status, cost=cost, arcs=p.arcs, flows=tuple(int(f) for f in flows),
                        seconds=time.perf_counter() - start, backend=backend)
