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
