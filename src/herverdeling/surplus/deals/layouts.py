"""The agreement layouts that can carry a relief floor: which (plusprovincie, sink) pairs have an
agreement (issue 14, point 1, "proven optimal in under 10 s").

Once the fewest agreements A is proven, every solution has exactly A agreements, and with the
layout fixed the CountModel proves the parties and fairness levels almost at once (measured on
nl-2025 regulier: parties 9.42 deterministic units over all layouts in one search, 0.01 on a fixed
layout). So those levels are solved per layout and the best is taken. That needs every layout that
could be feasible, and only few others: a depth-first search over the plusprovincies with a
maximum-flow test (OR-Tools' SimpleMaxFlow) of the relaxation below gives exactly the 42 layouts of
the regulier floor on nl-2025 in well under a second, where enumerating them with CP-SAT no-goods
cost 103 deterministic units.

The relaxation (every solution of the deal model meets it, so no layout is lost):
- plusprovincie p sends at most its surplus (the sum of its sources' extra places, P2);
- sink q receives at most the sum of its candidates' largest allowed reliefs;
- agreement (p, q) carries at most max over n + b <= max_parties - 2, n, b >= 1, of
  min(the n largest reliefs of q, the b largest extras of p): n relieved and b backers are parties;
- each sink has at most max_partners plusprovincies, a sink with a wanted relief at least one;
- the relief reaches the floor: the maximum flow through the layout is at least the floor, and
  on the way each plusprovincie p must be able to send floor - (the others' surplus).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import TYPE_CHECKING

from ortools.graph.python import max_flow

if TYPE_CHECKING:  # the model imports this module
    from herverdeling.surplus.deals.model import Instance

Pair = tuple[str, str]
Layout = tuple[Pair, ...]
MAX_LAYOUTS = 500
"""More layouts than this: solving each is no longer cheaper than one search (None, below)."""
MAX_NODES = 200_000
"""Search nodes before giving up (None): many plusprovincies and sinks, a loose floor."""


def pair_capacity(inst: Instance) -> dict[Pair, int]:
    """The most one agreement (p, q) can carry within the party cap (module docstring)."""
    kmax = inst.max_parties - 2
    sizes: dict[str, list[int]] = defaultdict(list)
    extras: dict[str, list[int]] = defaultdict(list)
    for c in inst.candidates:
        sizes[c.province].append(c.max_relief)
    for s in inst.sources:
        extras[s.province].append(s.extra)
    for d in (sizes, extras):
        for v in d.values():
            v.sort(reverse=True)
    return {(p, q): max((min(sum(sizes[q][:n]), sum(extras[p][:kmax - n])) for n in range(1, kmax)),
                        default=0)
            for p, q in inst.pairs}


def agreement_layouts(inst: Instance, floor: int, agreements: int) -> list[Layout] | None:
    """Every layout of exactly `agreements` pairs that passes the relaxation, in a fixed order
    (plusprovincies and sinks sorted), each a sorted tuple of pairs; None when there are more than
    MAX_LAYOUTS or the search takes more than MAX_NODES nodes (the caller then searches all
    layouts at once). Counted in nodes, not seconds: deterministic."""
    return search_layouts(inst, floor, agreements)[0]


def search_layouts(inst: Instance, floor: int, agreements: int,
                   max_nodes: int | None = None) -> tuple[list[Layout] | None, int]:
    """`agreement_layouts` within `max_nodes` search nodes (default MAX_NODES), and the nodes it
    used: a caller that searches several counts shares one budget over them (measured on a
    2,000-municipality synthetic country: 19 s of search at 4 agreements alone before MAX_NODES)."""
    budget = MAX_NODES if max_nodes is None else max_nodes
    cap = pair_capacity(inst)
    plus, sinks = inst.plus, inst.sinks
    supply = {p: sum(s.extra for s in inst.sources if s.province == p) for p in plus}
    demand = {q: sum(c.max_relief for c in inst.candidates if c.province == q) for q in sinks}
    wanted = {c.province for c in inst.candidates if c.wanted}
    total = sum(supply.values())
    need = {p: floor - (total - supply[p]) for p in plus}
    options = {p: [q for q in sinks if (p, q) in cap] for p in plus}
    found: list[Layout] = []
    partners: dict[str, int] = defaultdict(int)
    nodes = 0
    at_p = {p: 2 + i for i, p in enumerate(plus)}  # flow nodes: 0 source, 1 sink, then these
    at_q = {q: 2 + len(plus) + i for i, q in enumerate(sinks)}

    class TooManyError(Exception):
        pass

    def carries(chosen: list[Pair], k: int) -> bool:
        """The maximum flow reaches the floor with the pairs chosen so far and, for the
        plusprovincies from k on, every pair to a sink with a partner place left."""
        g = max_flow.SimpleMaxFlow()
        for p in plus:
            g.add_arc_with_capacity(0, at_p[p], supply[p])
        for q in sinks:
            g.add_arc_with_capacity(at_q[q], 1, demand[q])
        for p, q in chosen:
            g.add_arc_with_capacity(at_p[p], at_q[q], cap[(p, q)])
        for p in plus[k:]:
            for q in options[p]:
                if partners[q] < inst.max_partners:
                    g.add_arc_with_capacity(at_p[p], at_q[q], cap[(p, q)])
        return g.solve(0, 1) == g.OPTIMAL and g.optimal_flow() >= floor

    needy = [sum(need[p] > 0 for p in plus[k:]) for k in range(len(plus) + 1)]

    def search(k: int, chosen: list[Pair]) -> None:
        nonlocal nodes
        nodes += 1
        if nodes > budget or len(found) > MAX_LAYOUTS:
            raise TooManyError
        left = agreements - len(chosen)
        uncovered = [q for q in wanted if not partners[q]]
        if left < max(needy[k], len(uncovered)) or not carries(chosen, k):
            return  # each plusprovincie that must send, and each wanted sink, needs an agreement
        if k == len(plus):
            if left == 0:
                found.append(tuple(sorted(chosen)))
            return
        p = plus[k]
        for r in range(left - needy[k + 1] + 1):
            for sinks_p in itertools.combinations(options[p], r):
                if sum(cap[(p, q)] for q in sinks_p) < need[p]:
                    continue
                if any(partners[q] >= inst.max_partners for q in sinks_p):
                    continue
                for q in sinks_p:
                    partners[q] += 1
                search(k + 1, chosen + [(p, q) for q in sinks_p])
                for q in sinks_p:
                    partners[q] -= 1

    try:
        search(0, [])
    except TooManyError:
        return None, nodes
    return sorted(found), nodes


__all__ = ["Layout", "agreement_layouts", "pair_capacity", "search_layouts"]
