"""Largest-remainder (Hamilton) apportionment: whole places in proportion to weights."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from fractions import Fraction
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def largest_remainder(total: int, weights: Mapping[K, float | int | Fraction]) -> dict[K, int]:
    """Split `total` whole places over keys in proportion to non-negative weights.

    Exact rational arithmetic; ties in the remainder go to the larger weight, then to the smaller
    key, so the result is deterministic. Every key gets floor or ceil of its exact quota.
    """
    if total < 0:
        raise ValueError(f"cannot apportion a negative total {total}")
    keys = sorted(weights, key=str)
    fw = {k: Fraction(weights[k]) for k in keys}
    if any(w < 0 for w in fw.values()):
        raise ValueError("weights must be >= 0")
    wsum = sum(fw.values(), Fraction(0))
    if total == 0:
        return dict.fromkeys(keys, 0)
    if wsum == 0:
        raise ValueError(f"cannot apportion {total} over weights that add up to 0")
    quotas = {k: total * fw[k] / wsum for k in keys}
    out = {k: int(quotas[k]) for k in keys}  # floor, quotas are >= 0
    left = total - sum(out.values())
    order = sorted(keys, key=lambda k: (-(quotas[k] - out[k]), -fw[k], str(k)))
    for k in order[:left]:
        out[k] += 1
    return out
