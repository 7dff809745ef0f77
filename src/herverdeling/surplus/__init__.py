"""Stage: surplus. Cross-province surplus swaps (DOMAIN.md P1-P11) as a min-cost flow per category.

Public entry point: `propose_surplus_swaps(scenario, policy) -> SurplusResult`.

- policies.py: the allocation policies (models/policies/*.yaml);
- network.py: the flow network of one category (see its docstring for layers and costs);
- solve.py: one min-cost-flow adapter, OR-Tools (default) and networkx network_simplex;
- result.py: the flow read back as SurplusSwap proposals, SolveInfo and totals;
- render.py: the table `herverdeling swaps` prints (the command is in herverdeling.cli.surplus).

Optimality: with at most `complete_arcs_up_to` (source, relieved) pairs (nl-2025 and anything of
that size) every pair has an arc, so the result is optimal for the policy. Above it, the network
keeps the k nearest candidate sources per relieved municipality plus province-hub routes: relief is
still maximal and proportional shares exact, but place-km is optimal only for that restricted
network; SolveInfo.parameters["optimal_for"] says which case applies.
"""

from __future__ import annotations

import time

from herverdeling.errors import InfeasibleError
from herverdeling.scenario.model import CATEGORIES, Scenario
from herverdeling.surplus.deals import (
    Agreement,
    DealPins,
    DealResult,
    DealSettings,
    Relief,
    load_deal_settings,
    solve_deals,
)
from herverdeling.surplus.network import SurplusNetwork, build_network, province_roles
from herverdeling.surplus.policies import DEFAULT_POLICY, Policy, load_policy
from herverdeling.surplus.result import (
    CategorySummary,
    SurplusResult,
    build_proposals,
    pair_distances,
    pair_flows,
    solve_info,
)
from herverdeling.surplus.solve import Backend, FlowSolution, solve_min_cost_flow

__all__ = ["Agreement", "CategorySummary", "DealPins", "DealResult", "DealSettings", "Policy", "Relief",
           "SurplusResult", "load_deal_settings", "load_policy", "propose_surplus_swaps", "solve_deals",
           "solve_network"]


def solve_network(net: SurplusNetwork, backend: Backend = "ortools") -> FlowSolution | None:
    """Solve one category's network; None when there is nothing to relieve."""
    if net.relief == 0:
        return None
    # OR-Tools reads the arrays directly; network_simplex gets the networkx graph of the same network.
    solution = solve_min_cost_flow(net.problem if backend == "ortools" else net.graph, backend)
    if solution.status != "OPTIMAL":
        raise InfeasibleError(
            f"surplus flow for {net.category} ended {solution.status} although relief {net.relief} "
            "should always be feasible; please report this with the scenario"
        )
    return solution


def propose_surplus_swaps(scenario: Scenario, policy: Policy | str = DEFAULT_POLICY,
                          backend: Backend = "ortools") -> SurplusResult:
    """Maximum relief per category, allocated by the policy, as one SurplusSwap per province pair."""
    pol = policy if isinstance(policy, Policy) else load_policy(policy)
    pairs = []
    infos = []
    summaries = []
    roles = province_roles(scenario)
    for category in CATEGORIES:
        start = time.perf_counter()
        net = build_network(scenario, category, pol, roles)
        solution = solve_network(net, backend)
        place_km = 0.0
        if solution is not None:
            flows = pair_flows(net, solution)
            kms = pair_distances(net, flows)
            pairs += [(category, s, r, f, km) for ((s, r), f), km in zip(flows.items(), kms, strict=True)]
            place_km = sum(f * km for f, km in zip(flows.values(), kms, strict=True))
        infos.append(solve_info(net, solution, time.perf_counter() - start, place_km))
        summaries.append(CategorySummary(category=category, total_surplus=net.total_surplus,
                                         total_capacity=net.total_capacity, relief=net.relief,
                                         transport=net.transport, forced_small=net.forced_small))
    return SurplusResult(scenario=scenario.name, scenario_hash=scenario.content_hash(), policy=pol.id,
                         proposals=build_proposals(scenario, pairs), solve_info=tuple(infos),
                         summaries=tuple(summaries))
