"""Read a solved surplus network back as SurplusSwap proposals (one per source/sink province pair).

Flow through province hubs is decomposed into (source, relieved) pairs by a fixed rule (sources
and relieved municipalities in CBS-code order, provinces in code order, north-west corner), so
the same flow always gives the same proposals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from herverdeling import drafting
from herverdeling.proposals import ProposalSet, SolveInfo, SurplusSwap, Transfer
from herverdeling.scenario.model import CATEGORIES, Category, Scenario
from herverdeling.surplus.network import SurplusNetwork, haversine_km, hub_in, hub_out, rel, src
from herverdeling.surplus.solve import FlowSolution

_TRANSFERS = TypeAdapter(tuple[Transfer, ...])


class CategorySummary(BaseModel):
    """Point 4: relief = min(total surplus, total relief capacity), per category."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    category: Category
    total_surplus: int = Field(ge=0)
    total_capacity: int = Field(ge=0)
    relief: int = Field(ge=0)
    transport: str
    forced_small: tuple[str, ...] = ()

    @property
    def unused_surplus(self) -> int:
        return self.total_surplus - self.relief


class SurplusResult(BaseModel):
    """Proposals, solver facts and totals of one run; frozen and JSON round-trippable."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scenario: str
    scenario_hash: str
    policy: str
    proposals: tuple[SurplusSwap, ...] = ()
    solve_info: tuple[SolveInfo, ...] = ()
    summaries: tuple[CategorySummary, ...] = ()

    def summary(self, category: Category) -> CategorySummary:
        return next(s for s in self.summaries if s.category == category)

    def relieved(self) -> dict[tuple[str, Category], int]:
        """Total relief per (municipality, category) over all proposals."""
        out: dict[tuple[str, Category], int] = defaultdict(int)
        for p in self.proposals:
            for t in p.transfers:
                out[(t.from_code, t.category)] += int(t.places)
        return dict(sorted(out.items()))

    def given(self) -> dict[tuple[str, Category], int]:
        """Places given per (source municipality, category) over all proposals."""
        out: dict[tuple[str, Category], int] = defaultdict(int)
        for p in self.proposals:
            for t in p.transfers:
                out[(t.to_code, t.category)] += int(t.places)
        return dict(sorted(out.items()))

    def to_proposal_set(self, scenario: Scenario) -> ProposalSet:
        return ProposalSet(scenario=self.scenario, scenario_hash=self.scenario_hash,
                           as_of=scenario.round.as_of, proposals=self.proposals,
                           solve_info=self.solve_info,
                           notes=tuple(f"surplus policy {self.policy}: {s.category} relief {s.relief} of "
                                       f"surplus {s.total_surplus}, capacity {s.total_capacity}"
                                       for s in self.summaries))


def _northwest(supply: list[tuple[str, int]], demand: list[tuple[str, int]]) -> list[tuple[str, str, int]]:
    """Match two equal-sum ordered lists of amounts greedily, first with first."""
    out: list[tuple[str, str, int]] = []
    i = j = 0
    a = [x for _, x in supply]
    b = [x for _, x in demand]
    while i < len(a) and j < len(b):
        q = min(a[i], b[j])
        if q:
            out.append((supply[i][0], demand[j][0], q))
        a[i] -= q
        b[j] -= q
        if a[i] == 0:
            i += 1
        if b[j] == 0:
            j += 1
    return out


def pair_flows(net: SurplusNetwork, solution: FlowSolution) -> dict[tuple[str, str], int]:
    """(source code, relieved code) -> places, from direct arcs plus the decomposed hub flow."""
    flow = solution.flow_by_arc()
    src_code = {src(s.code): s.code for s in net.sources}
    rel_code = {rel(r.code): r.code for r in net.relievable}
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    for (u, v, _k), f in flow.items():
        if u in src_code and v in rel_code:
            pairs[(src_code[u], rel_code[v])] += f
    if net.transport != "complete":
        plus = sorted({s.province for s in net.sources})
        sinks = sorted({r.province for r in net.relievable})
        sources_in: dict[str, list[str]] = defaultdict(list)
        for s in net.sources:
            sources_in[s.province].append(s.code)
        relievable_in: dict[str, list[str]] = defaultdict(list)
        for r in net.relievable:
            relievable_in[r.province].append(r.code)
        # per P: its sources' hub flow, split over its (P, Q) pair flows in Q order
        out_chunks: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
        for p in plus:
            supply = [(c, flow.get((src(c), hub_out(p), None), 0)) for c in sources_in[p]]
            demand = [(q, flow.get((hub_out(p), hub_in(q), None), 0)) for q in sinks]
            for code, q, f in _northwest(supply, demand):
                out_chunks[(p, q)].append((code, f))
        # per Q: the incoming pair flows in P order, split over its relieved municipalities
        in_chunks: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
        for q in sinks:
            supply = [(p, flow.get((hub_out(p), hub_in(q), None), 0)) for p in plus]
            demand = [(c, flow.get((hub_in(q), rel(c), None), 0)) for c in relievable_in[q]]
            for p, code, f in _northwest(supply, demand):
                in_chunks[(p, q)].append((code, f))
        for key in sorted(out_chunks):
            for s_code, r_code, f in _northwest(out_chunks[key], in_chunks[key]):
                pairs[(s_code, r_code)] += f
    return dict(sorted(pairs.items()))


def pair_distances(net: SurplusNetwork, pairs: Iterable[tuple[str, str]]) -> list[float]:
    """Great-circle km of (source, relieved) pairs, vectorised (same formula as the scenario)."""
    keys = list(pairs)
    if not keys:
        return []
    s_at = {s.code: (s.lat, s.lon) for s in net.sources}
    r_at = {r.code: (r.lat, r.lon) for r in net.relievable}
    a = np.array([s_at[s] for s, _ in keys])
    b = np.array([r_at[r] for _, r in keys])
    return haversine_km(a[:, 0], a[:, 1], b[:, 0], b[:, 1]).tolist()


def solve_info(net: SurplusNetwork, solution: FlowSolution | None, seconds: float,
               place_km: float = 0.0) -> SolveInfo:
    """The objective is the flow's cost (fairness terms included for proportional); `place_km`
    in the parameters is the true great-circle place-km of the proposals, for reading."""
    p = net.problem
    params: dict[str, str | int | float | bool] = {
        "backend": solution.backend if solution else "none",
        "policy": net.policy.id,
        "allocation": net.policy.allocation,
        "transport": net.transport,
        "distance_unit_m": net.policy.distance_unit_m,
        "fairness_weight": net.fairness_weight,
        "nodes": len(p.nodes),
        "arcs": p.n_arcs,
        "relief": net.relief,
        "place_km": round(place_km, 1),
    }
    if net.transport == "complete":
        params["optimal_for"] = "every (source, relieved) pair has an arc: optimal for the policy"
    else:
        params |= {"k_nearest": net.policy.k_nearest, "candidate_provinces": net.policy.candidate_provinces,
                   "optimal_for": "the restricted network (k nearest + province-hub routes): relief is "
                                  "maximal and fairness exact, place-km may exceed the unrestricted optimum"}
    return SolveInfo(
        model="surplus-min-cost-flow", scope=f"{net.policy.id}/{net.category}",
        status=solution.status if solution else "OPTIMAL",
        objective=float(solution.cost) if solution else 0.0,
        seconds=max(0.0, seconds), parameters=params,
    )


def build_proposals(scenario: Scenario, pairs: Iterable[tuple[Category, str, str, int, float]],
                    ) -> tuple[SurplusSwap, ...]:
    """One SurplusSwap per (plusprovincie, restopgave province), from (category, src, rel, places, km)."""
    cat_order: dict[object, int] = {c: i for i, c in enumerate(CATEGORIES)}
    by_pair: dict[tuple[str, str], list[dict[str, object]]] = defaultdict(list)
    for category, s_code, r_code, places, km in pairs:
        if places <= 0:
            continue
        s, r = scenario.municipality(s_code), scenario.municipality(r_code)
        by_pair[(s.province, r.province)].append({
            "from_code": r_code, "to_code": s_code, "category": category, "places": int(places),
            "distance_km": round(km, 1),
        })
    out = []
    for (p, q), rows in sorted(by_pair.items()):
        rows.sort(key=lambda t: (cat_order[t["category"]], t["from_code"], t["to_code"]))
        transfers = _TRANSFERS.validate_python(rows)  # validated in bulk: fast at 100,000
        out.append(drafting.surplus_swap(scenario, p, q, transfers, id=f"swap-{p}-{q}"))
    return tuple(out)
