"""Lagrangian bound and reduced-cost fixing for the capacitated p-median problem.

Relaxing "each point to one median" with multipliers lam[i] leaves, per median j, a 0-1 knapsack
(take point i at cost d[i, j] - lam[i], weight demand[i], capacity Q), and then the p cheapest
medians. This bound is at least the LP bound (the knapsacks are solved exactly), and is
maximised by subgradient steps. The knapsacks of all medians run at once as one numpy DP.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from herverdeling.bench.pmedian.heuristics import cost, improve, regret_assign


@dataclass
class LagrangianBound:
    bound: float
    lam: np.ndarray
    incumbent: dict[int, int] | None
    iterations: int


def _dp(c: np.ndarray, w: np.ndarray, cap: int, order: np.ndarray,
        dtype: type = np.float64) -> np.ndarray:
    """Min-cost knapsack tables for all medians: hist[k] after the first k items of `order`.

    c: (n_items, n_med) item costs; returns (n_items + 1, n_med, cap + 1), "capacity at most".
    An item with no negative cost at any median is never taken and costs one copy only.
    """
    n, m = c.shape
    hist = np.empty((n + 1, m, cap + 1), dtype=dtype)
    hist[0] = 0
    f = hist[0]
    cc: np.ndarray = c.astype(dtype, copy=False)
    for k, i in enumerate(order):
        g = hist[k + 1]
        g[...] = f
        wi = int(w[i])
        if wi <= cap and (cc[i] < 0).any():
            np.minimum(g[:, wi:], f[:, : cap + 1 - wi] + cc[i][:, None], out=g[:, wi:])
        f = g
    return hist


def _coverage(hist: np.ndarray, w: np.ndarray, cap: int, sel: np.ndarray) -> np.ndarray:
    """How many of the knapsacks of the medians `sel` take each item (backtracked together)."""
    n = hist.shape[0] - 1
    cover = np.zeros(n)
    rows = np.asarray(sel, dtype=np.int64)
    cc = np.full(len(rows), cap, dtype=np.int64)
    for k in range(n, 0, -1):
        took = hist[k][rows, cc] < hist[k - 1][rows, cc]
        if took.any():
            cover[k - 1] = took.sum()
            cc = cc - took * int(w[k - 1])
    return cover


def _knapsacks(c: np.ndarray, w: np.ndarray, cap: int,
               dtype: type = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """Values per median and the DP tables (to backtrack the chosen items)."""
    n, _m = c.shape
    hist = _dp(c, w, cap, np.arange(n), dtype)
    values = hist[n][:, cap].astype(np.float64)
    return values, hist


def _select(values: np.ndarray, p: int, forced: np.ndarray) -> np.ndarray:
    """The relaxation's medians: every forced-open one, then the cheapest others (inf = closed)."""
    free = np.flatnonzero(~forced & np.isfinite(values))
    k = p - int(forced.sum())
    rest = free[np.argsort(values[free], kind="stable")[:max(k, 0)]]
    return np.concatenate([np.flatnonzero(forced), rest])


def _costs(d: np.ndarray, lam: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """Lagrangian item costs; a removed pair gets a large positive cost, so it is never taken."""
    c = d.astype(float) - lam[:, None]
    return c if mask is None else np.where(mask, c, 1e9)


def _values(c: np.ndarray, w: np.ndarray, cap: int, closed: np.ndarray | None,
            dtype: type = np.float64) -> tuple[np.ndarray, np.ndarray]:
    values, hist = _knapsacks(c, w, cap, dtype)
    if closed is not None:
        values[closed] = np.inf
    return values, hist


def lagrangian_bound(demand: np.ndarray, d: np.ndarray, p: int, cap: int, *, upper: float,
                     max_iter: int = 1500, min_step: float = 1e-4, patience: int = 30,
                     heuristic_tries: int = 8, lam0: np.ndarray | None = None,
                     mask: np.ndarray | None = None, forced_open: np.ndarray | None = None,
                     closed: np.ndarray | None = None) -> LagrangianBound:
    """Subgradient ascent on lam; also tries the relaxation's medians as a heuristic start.

    The iterations run the knapsack DP in float32 (half the memory traffic); the bound that is
    returned is recomputed exactly (float64) at the best multipliers, so it stays a valid bound.
    `mask` (allowed pairs), `forced_open` and `closed` (boolean per median) restrict the problem,
    for a branch of the search on medians.
    """
    n = len(demand)
    w = demand.astype(np.int64)
    df = d.astype(float)
    forced = np.zeros(n, dtype=bool) if forced_open is None else np.asarray(forced_open, dtype=bool)
    # start: each point's distance to its nearest other point (a fair price of serving it)
    lam = (np.sort(df + np.diag(np.full(n, np.inf)), axis=1)[:, 0].copy() if lam0 is None
           else np.asarray(lam0, dtype=float).copy())
    best_lb = -math.inf
    best_lam = lam.copy()
    ub = upper
    incumbent: dict[int, int] | None = None
    alpha = 2.0
    stall = 0
    seen: set[tuple[int, ...]] = set()
    it = 0
    for it in range(1, max_iter + 1):
        values, hist = _values(_costs(df, lam, mask), w, cap, closed, np.float32)
        sel = _select(values, p, forced)
        if len(sel) < p:
            return LagrangianBound(bound=math.inf, lam=lam, incumbent=None, iterations=it)
        lb = lam.sum() + values[sel].sum()
        if lb > best_lb + 1e-9:
            best_lb, best_lam, stall = lb, lam.copy(), 0
        else:
            stall += 1
            if stall >= patience:
                alpha /= 2
                stall = 0
        key = tuple(sorted(int(j) for j in sel))
        if key not in seen and len(seen) < heuristic_tries and stall == 0 and it > 20 and mask is None:
            seen.add(key)
            a = regret_assign(demand, d, list(key), cap)
            if a is not None:
                a = improve(demand, d, a, cap)
                ca = cost(d, a)
                if ca < ub:
                    ub, incumbent = ca, a
        if math.ceil(best_lb - 1e-3) >= ub or alpha < min_step:
            break
        g = 1.0 - _coverage(hist, w, cap, sel)
        norm = float((g**2).sum())
        if norm == 0:
            break  # the relaxation's solution is feasible: the bound is exact
        target = ub if math.isfinite(ub) else best_lb * 1.05 + 1
        lam = lam + alpha * (target - lb) / norm * g
    exact, _ = _values(_costs(df, best_lam, mask), w, cap, closed)
    bound = float(best_lam.sum() + exact[_select(exact, p, forced)].sum())
    return LagrangianBound(bound=bound, lam=best_lam, incumbent=incumbent, iterations=it)


def knapsack_values(lr: LagrangianBound, demand: np.ndarray, d: np.ndarray, cap: int) -> np.ndarray:
    """Each median's knapsack value at the multipliers of `lr`: low values mark good medians."""
    values, _ = _knapsacks(_costs(d, lr.lam, None), demand.astype(np.int64), cap)
    return values


def _open_bounds(lr: LagrangianBound, values: np.ndarray, p: int, forced: np.ndarray
                 ) -> tuple[float, float, np.ndarray, np.ndarray] | None:
    """The bound, the worst chosen free value, the chosen medians, and the bound with each median open.

    With median j forced open and j outside the chosen p, j replaces the worst free chosen one.
    """
    sel = _select(values, p, forced)
    if len(sel) < p:
        return None
    base = float(lr.lam.sum() + values[sel].sum())
    in_sel = np.zeros(len(values), dtype=bool)
    in_sel[sel] = True
    free_sel = sel[~forced[sel]]
    pth = float(values[free_sel].max()) if len(free_sel) else -np.inf  # none free: no other can open
    open_lb = np.where(in_sel, base, base - pth + values)
    return base, pth, in_sel, open_lb


def fix_by_reduced_cost(lr: LagrangianBound, demand: np.ndarray, d: np.ndarray, p: int, cap: int, *,
                        upper: float, mask: np.ndarray | None = None,
                        forced_open: np.ndarray | None = None,
                        closed: np.ndarray | None = None) -> list[list[int]]:
    """Allowed medians per point after removing what cannot lead to a solution <= `upper`.

    Median j is removed when opening it raises the bound above `upper`; the pair (i, j) when
    forcing i into j's knapsack does. Forced knapsack values come from forward and backward
    DP tables: best with item i = c[i, j] + min_c F_{<i}[c] + B_{>i}[Q - w_i - c].
    `mask`, `forced_open` and `closed` restrict the problem as in `lagrangian_bound`.
    """
    n = len(demand)
    w = demand.astype(np.int64)
    forced_m = np.zeros(n, dtype=bool) if forced_open is None else np.asarray(forced_open, dtype=bool)
    c = _costs(d, lr.lam, mask)
    order = np.arange(n)
    fwd = _dp(c, w, cap, order)
    bwd = _dp(c, w, cap, order[::-1])  # bwd[k]: the last k items
    values = fwd[n][:, cap].copy()
    if closed is not None:
        values[closed] = np.inf
    opened = _open_bounds(lr, values, p, forced_m)
    if opened is None:
        return [[] for _ in range(n)]
    base, pth, in_sel, open_lb = opened
    allowed: list[list[int]] = [[] for _ in range(n)]
    for i in range(n):
        wi = int(w[i])
        if wi > cap:
            continue
        f = fwd[i][:, : cap - wi + 1]
        b = bwd[n - 1 - i][:, cap - wi::-1]
        forced = c[i] + (f + b).min(axis=1)
        lb_i = np.where(in_sel, base - values + forced, base - pth + forced)
        ok = (open_lb <= upper + 1e-6) & (lb_i <= upper + 1e-6)
        if mask is not None:
            ok &= mask[i]
        allowed[i] = [int(j) for j in np.flatnonzero(ok)]
    return allowed


def lagrangian_rows(lr: LagrangianBound, demand: np.ndarray, d: np.ndarray, cap: int,
                    allowed: list[list[int]], scale: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Integer knapsack rows sum_i C[i, j] x[i, j] >= v[j] y[j], one per median, valid cuts.

    With integer Lam = round(scale * lam), C = scale * d - Lam; v[j] is the exact knapsack
    minimum over the points still allowed at j. Summed over the open medians they give
    scale * cost >= sum(Lam) + sum v[j] y[j], so the LP relaxation of a model that carries
    these rows is at least the Lagrangian bound, and it stays valid inside the search.
    """
    n = len(demand)
    lam_int = np.round(scale * lr.lam).astype(np.int64)
    c = (scale * d.astype(np.int64) - lam_int[:, None]).astype(float)
    mask = np.full((n, n), np.inf)
    for i, row in enumerate(allowed):
        mask[i, row] = 0.0
    c = c + mask  # a removed pair is never taken
    values, _ = _knapsacks(np.where(np.isinf(c), 1e18, c), demand.astype(np.int64), cap)
    coef = np.where(np.isinf(c), 0, c).astype(np.int64)
    return coef, np.round(values).astype(np.int64)


def enumerate_columns(lr: LagrangianBound, demand: np.ndarray, d: np.ndarray, p: int, cap: int, *,
                      upper: float, allowed: list[list[int]],
                      max_columns: int) -> list[tuple[int, tuple[int, ...]]] | None:
    """Every cluster (median j, points S) that can be part of a solution of cost <= `upper`.

    A solution holding the cluster costs at least open_lb[j] - v[j] + c_j(S) (c_j: the
    Lagrangian costs, v[j] their knapsack minimum, open_lb[j] the bound with j open), so only
    clusters with c_j(S) <= v[j] + upper - open_lb[j] are kept: reduced-cost fixing on whole
    clusters instead of pairs. Within a gap of about 1 % these are few (about 11,000 on the
    n=100 files at the optimum - 1), and the LP of the set-partitioning model over them is at
    least the Lagrangian (column generation) bound. Points come from `allowed` (the pair
    fixing at the same `upper`). Empty clusters are left out: a solution's medians are the sites its
    points use (`check_solution`). (In a model that may open an empty median, moving that
    median's own point home - distance 0, its demand fits alone - and repeating while one is
    empty gives a solution no dearer: each move adds a point that serves itself.)
    Returns None when there are more than `max_columns`.
    """
    n = len(demand)
    w = demand.astype(np.int64)
    c = _costs(d, lr.lam, None)
    values = knapsack_values(lr, demand, d, cap)
    opened = _open_bounds(lr, values, p, np.zeros(n, dtype=bool))
    if opened is None:
        return []
    open_lb = opened[3]
    by_site: dict[int, list[int]] = {}
    for i, row in enumerate(allowed):
        for j in row:
            by_site.setdefault(j, []).append(i)
    columns: list[tuple[int, tuple[int, ...]]] = []
    for j in sorted(by_site):
        limit = float(values[j] + upper - open_lb[j]) + 1e-6
        found = _clusters(c[:, j], w, cap, by_site[j], limit, max_columns - len(columns))
        if found is None:
            return None
        columns.extend((j, s) for s in found)
    return columns


def _clusters(cj: np.ndarray, w: np.ndarray, cap: int, items: list[int], limit: float,
              room: int) -> list[tuple[int, ...]] | None:
    """Non-empty subsets of `items` within capacity and of cost <= limit (None past `room`).

    Depth-first over the items; a branch is cut as soon as its cost plus the cheapest
    completion (a knapsack table over the items still to decide) exceeds the limit, so every
    branch followed ends in at least one subset (possibly the empty one, which is dropped).
    """
    m = len(items)
    best = np.zeros((m + 1, cap + 1))  # best[k][r]: cheapest completion from item k, room r
    for k in range(m - 1, -1, -1):
        i = items[k]
        wi = int(w[i])
        best[k] = best[k + 1]
        if wi <= cap and cj[i] < 0:
            np.minimum(best[k + 1, wi:], best[k + 1, : cap + 1 - wi] + cj[i], out=best[k, wi:])
    table = best.tolist()
    costs = [float(cj[i]) for i in items]
    weights = [int(w[i]) for i in items]
    out: list[tuple[int, ...]] = []
    stack: list[tuple[int, int, float, tuple[int, ...]]] = [(0, cap, 0.0, ())]
    while stack:
        k, r, a, s = stack.pop()
        if a + table[k][r] > limit:
            continue
        if k == m:
            if s:
                if len(out) >= room:
                    return None
                out.append(s)
            continue
        stack.append((k + 1, r, a, s))
        if weights[k] <= r:
            stack.append((k + 1, r - weights[k], a + costs[k], (*s, items[k])))
    return out
