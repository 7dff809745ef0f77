"""Fast incumbents for capacitated p-median: regret assignment, shift/swap, median relocation.

A strong incumbent early lets reduced-cost fixing remove most variables before CP-SAT starts.
"""

from __future__ import annotations

import numpy as np


def regret_assign(demand: np.ndarray, d: np.ndarray, medians: list[int], cap: int) -> dict[int, int] | None:
    """Assign every point to an open median, largest regret first; None when capacity runs out."""
    n = len(demand)
    med = np.array(sorted(medians))
    left = np.full(len(med), cap, dtype=np.int64)
    out: dict[int, int] = {}
    todo = set(range(n))
    # the medians serve themselves first (distance 0), as long as they fit
    for k, j in enumerate(med):
        if demand[j] <= left[k]:
            out[int(j)] = int(j)
            left[k] -= demand[j]
            todo.discard(int(j))
    dm = d[:, med].astype(float)
    while todo:
        best_i, best_k, best_regret = -1, -1, -1.0
        for i in sorted(todo):
            ok = left >= demand[i]
            if not ok.any():
                return None
            row = np.where(ok, dm[i], np.inf)
            k = int(np.argmin(row))
            if ok.sum() == 1:
                regret = np.inf
            else:
                second = np.partition(row, 1)[1]
                regret = second - row[k]
            if regret > best_regret:
                best_i, best_k, best_regret = i, k, regret
        out[best_i] = int(med[best_k])
        left[best_k] -= demand[best_i]
        todo.discard(best_i)
    return out


def improve(demand: np.ndarray, d: np.ndarray, assign: dict[int, int], cap: int) -> dict[int, int]:
    """Shift and swap moves between open medians until no move improves the cost."""
    a = dict(assign)
    medians = sorted(set(a.values()))
    load = dict.fromkeys(medians, 0)
    for i, j in a.items():
        load[j] += int(demand[i])
    n = len(demand)
    improved = True
    while improved:
        improved = False
        for i in range(n):  # shift
            j = a[i]
            for k in medians:
                if k != j and d[i, k] < d[i, j] and load[k] + demand[i] <= cap:
                    load[j] -= int(demand[i])
                    load[k] += int(demand[i])
                    a[i] = k
                    j = k
                    improved = True
        for i in range(n):  # swap
            for i2 in range(i + 1, n):
                j, k = a[i], a[i2]
                if j == k:
                    continue
                gain = d[i, j] + d[i2, k] - d[i, k] - d[i2, j]
                if gain <= 0:
                    continue
                delta = int(demand[i]) - int(demand[i2])
                if load[k] + delta <= cap and load[j] - delta <= cap:
                    a[i], a[i2] = k, j
                    load[k] += delta
                    load[j] -= delta
                    improved = True
    return a


def cost(d: np.ndarray, assign: dict[int, int]) -> int:
    return int(sum(d[i, j] for i, j in assign.items()))


def relocate(demand: np.ndarray, d: np.ndarray, assign: dict[int, int], cap: int) -> dict[int, int]:
    """Alternate: move each median to its cluster's 1-median, then reassign and improve."""
    best = improve(demand, d, assign, cap)
    best_cost = cost(d, best)
    for _ in range(20):
        clusters: dict[int, list[int]] = {}
        for i, j in best.items():
            clusters.setdefault(j, []).append(i)
        medians = []
        for _j, members in sorted(clusters.items()):
            sub = d[np.ix_(members, members)].sum(axis=0)
            medians.append(members[int(np.argmin(sub))])
        trial = regret_assign(demand, d, medians, cap)
        if trial is None:
            break
        trial = improve(demand, d, trial, cap)
        c = cost(d, trial)
        if c >= best_cost:
            break
        best, best_cost = trial, c
    return best


def greedy_medians(demand: np.ndarray, d: np.ndarray, p: int) -> list[int]:
    """Uncapacitated greedy add: each step opens the median that lowers the weighted cost most."""
    n = len(demand)
    w = demand.astype(float)
    current = np.full(n, np.inf)
    chosen: list[int] = []
    for _ in range(p):
        totals = (np.minimum(current[:, None], d) * w[:, None]).sum(axis=0)
        totals[chosen] = np.inf
        j = int(np.argmin(totals))
        chosen.append(j)
        current = np.minimum(current, d[:, j])
    return chosen


def local_search_incumbent(demand: np.ndarray, d: np.ndarray, p: int, cap: int,
                           starts: list[list[int]] | None = None) -> dict[int, int] | None:
    """Best of relocation searches from the greedy medians and any given median sets."""
    best: dict[int, int] | None = None
    best_cost = None
    for medians in [greedy_medians(demand, d, p), *(starts or [])]:
        a = regret_assign(demand, d, medians, cap)
        if a is None:
            continue
        a = relocate(demand, d, a, cap)
        c = cost(d, a)
        if best_cost is None or c < best_cost:
            best, best_cost = a, c
    return best


# ---- median swaps with an exact assignment per median set ---------------------------------------
def transport_cost(demand: np.ndarray, d: np.ndarray, medians: list[int], cap: int,
                   scale: int = 1000) -> float:
    """LP of the assignment for fixed medians (points may split): a transportation problem.

    Solved as a min-cost flow (OR-Tools, integer costs d/w rounded at `scale`), so the value is
    a close estimate of a lower bound of the exact assignment: a filter for swaps, not a bound.
    """
    from ortools.graph.python import min_cost_flow

    n, m = len(demand), len(medians)
    w = demand.astype(np.int64)
    mcf = min_cost_flow.SimpleMinCostFlow()
    unit = np.round(d[:, medians].reshape(-1) * scale / np.repeat(w, m)).astype(np.int64)
    mcf.add_arcs_with_capacity_and_unit_cost(np.repeat(np.arange(n), m), n + np.tile(np.arange(m), n),
                                             np.repeat(w, m), unit)
    mcf.add_arcs_with_capacity_and_unit_cost(n + np.arange(m), np.full(m, n + m), np.full(m, cap),
                                             np.zeros(m, dtype=np.int64))
    mcf.set_nodes_supplies(np.arange(n + m + 1),
                           np.concatenate([w, np.zeros(m, dtype=np.int64), [-int(w.sum())]]))
    if mcf.solve() != mcf.OPTIMAL:
        return float("inf")
    return mcf.optimal_cost() / scale


def solve_gap(demand: np.ndarray, d: np.ndarray, medians: list[int], cap: int, *,
              upper: int | None = None, work: float = 2.0,
              seconds: float | None = None) -> dict[int, int] | None:
    """Best assignment to fixed medians (a generalized assignment problem) with CP-SAT.

    One worker, fixed seed and a deterministic work limit (`work`, CP-SAT deterministic
    seconds): the same input gives the same answer. None when nothing <= `upper` was found.
    """
    from ortools.sat.python import cp_model

    from herverdeling.cpsat import configure

    n = len(demand)
    model = cp_model.CpModel()
    x = {(i, j): model.new_bool_var(f"x[{i},{j}]") for i in range(n) for j in medians}
    for i in range(n):
        model.add_exactly_one(x[i, j] for j in medians)
    for j in medians:
        model.add(cp_model.LinearExpr.weighted_sum([x[i, j] for i in range(n)],
                                                   [int(demand[i]) for i in range(n)]) <= cap)
    keys = sorted(x)
    obj = cp_model.LinearExpr.weighted_sum([x[k] for k in keys], [int(d[k]) for k in keys])
    if upper is not None:
        model.add(obj <= upper)
    model.minimize(obj)
    solver = cp_model.CpSolver()
    configure(solver, num_workers=1, random_seed=1, max_deterministic_time=work,
              max_time_in_seconds=seconds)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return {i: j for (i, j), var in x.items() if solver.value(var)}


def swap_search(demand: np.ndarray, d: np.ndarray, assign: dict[int, int], cap: int, *,
                candidates: list[int] | None = None, near: int = 12, tries: int = 3,
                max_rounds: int = 20, deadline: float | None = None) -> dict[int, int]:
    """Close one median, open another nearby, re-solve the assignment exactly; repeat.

    Each round ranks every swap (each median x its `near` nearest candidates) by the transport
    LP and solves the exact assignment for the `tries` best ones that could improve; the first
    improvement is taken. Deterministic (stable orders, deterministic CP-SAT work limits) as
    long as `deadline` (a time.perf_counter() value) is not reached: on n = 200 the rounds took
    110 s of a 30 s cap under load (measured, issue 19), so past it the search stops.
    """
    import time

    n = len(demand)
    pool = sorted(set(range(n) if candidates is None else candidates))
    best = dict(assign)
    best_cost = cost(d, best)
    for _ in range(max_rounds):
        if deadline is not None and time.perf_counter() >= deadline:
            break
        medians = sorted(set(best.values()))
        moves: list[tuple[float, tuple[int, ...]]] = []
        for jo in medians:
            others = [j for j in pool if j not in medians]
            others.sort(key=lambda j: (int(d[jo, j]), j))
            for jn in others[:near]:
                trial = tuple(sorted([k for k in medians if k != jo] + [jn]))
                moves.append((transport_cost(demand, d, list(trial), cap), trial))
        moves.sort()
        improved = False
        for value, trial in moves[:tries]:
            if value >= best_cost:
                break
            left = None if deadline is None else deadline - time.perf_counter()
            if left is not None and left <= 0:
                break
            a = solve_gap(demand, d, list(trial), cap, upper=best_cost - 1, seconds=left)
            if a is not None:
                best, best_cost, improved = a, cost(d, a), True
                break
        if not improved:
            break
    return best
