"""A feasible deal set by a greedy construction: the deal model's first hint.

On large instances (2,000 municipalities) neither CountModel nor the full model found any solution
of the relief level within its limit, and the chain stopped with "no solution". A hint that already
meets every hard rule (D1, D2, P2, max_parties, max_partners) means the relief level always ends
at least FEASIBLE with a stated bound; CP-SAT only improves on it.

Greedy: sinks by relief capacity (largest first); per sink, up to `max_partners` plusprovincies by
remaining surplus; per agreement the largest allowed reliefs first, backed north-west by the
plusprovincie's sources with the most surplus left, while the agreement's parties stay within
`max_parties`.
"""

from __future__ import annotations

from collections import defaultdict

from herverdeling.surplus.deals.model import Candidate, Instance


def best_amount(c: Candidate, supply: int) -> int | None:
    """The largest allowed relief of `c` (D2: the whole task, or within [lo, hi]) of at most
    `supply` places; None if none fits."""
    if c.whole and c.task <= supply:
        return c.task
    if c.has_range and c.lo <= min(c.hi, supply):
        return min(c.hi, supply)
    return None


def greedy_deals(inst: Instance) -> tuple[dict[tuple[int, str], int], dict[tuple[str, str], int]]:
    """(reliefs (candidate index, plusprovincie) -> places, flows (source code, sink) -> places),
    the format `DealModel.set_hint` takes; every hard rule holds (tests/surplus/test_greedy.py)."""
    left = {src.code: src.extra for src in inst.sources}
    by_province: dict[str, list[str]] = defaultdict(list)
    for src in inst.sources:
        by_province[src.province].append(src.code)
    allowed = set(inst.pairs)
    by_q: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(inst.candidates):
        by_q[c.province].append(i)
    reliefs: dict[tuple[int, str], int] = {}
    flows: dict[tuple[str, str], int] = defaultdict(int)
    for q in sorted(inst.sinks, key=lambda q: (-inst.weights.get(q, 0), q)):
        todo = sorted(by_q[q], key=lambda i: (-inst.candidates[i].max_relief, inst.candidates[i].code))
        partners = 0
        plus = sorted((p for p in inst.plus if (p, q) in allowed),
                      key=lambda p: (-sum(left[s] for s in by_province[p]), p))
        for p in plus:
            if partners >= inst.max_partners or not todo:
                break
            backers: list[str] = []  # this agreement's, in the order they were taken
            pool = sorted((s for s in by_province[p] if left[s] > 0), key=lambda s: (-left[s], s))
            parties = 2
            done: list[int] = []
            for i in todo:
                supply = sum(left[s] for s in pool)
                amount = best_amount(inst.candidates[i], supply)
                if amount is None:
                    continue
                # north-west over the pool: who backs this relief, and how many of them are new
                take: list[tuple[str, int]] = []
                need = amount
                for s in pool:
                    if need == 0:
                        break
                    got = min(need, left[s])
                    if got:
                        take.append((s, got))
                        need -= got
                new = sum(1 for s, _ in take if s not in backers)
                if parties + 1 + new > inst.max_parties:
                    continue
                parties += 1 + new
                for s, got in take:
                    left[s] -= got
                    flows[(s, q)] += got
                    if s not in backers:
                        backers.append(s)
                reliefs[(i, p)] = amount
                done.append(i)
                pool = [s for s in pool if left[s] > 0]
            if done:
                partners += 1
                todo = [i for i in todo if i not in done]
    return reliefs, dict(flows)


__all__ = ["best_amount", "greedy_deals"]
