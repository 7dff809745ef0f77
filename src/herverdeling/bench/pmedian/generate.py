"""Seeded generator of capacitated p-median instances in the two shapes of the benchmarks.

Why: the visible pmedcap files are 10 of the 20 of Osman & Christofides (1994); a method tuned on
them can miss the rest of the family (issue 19). The generator reproduces their construction so
that a benchmark can measure on fresh instances of the same family:

- "pmedcap" (integer costs): points with integer coordinates uniform in 1..100 x 1..100,
  integer demands uniform in 1..20, p = n / 10, distances Euclidean rounded down. The visible
  files have Q = 120 with total demand 490-1056, i.e. total / (p Q) = 0.82-0.90: "tight" uses
  that ratio (0.87, so Q = 120 on average); "loose" uses 0.6.
- "sjc" (real costs, Lorena & Senne): real coordinates in a 2 km x 2 km square, skewed integer
  demands (SJC1: median 30, quartiles 10 and 61, max 654: a geometric law of mean 50, capped at
  700), p = n / 13 as in SJC2, distances Euclidean NOT rounded. SJC1/SJC2 have
  total / (p Q) = 0.81 and 0.74 ("tight" 0.8, "loose" 0.6).

Q = ceil(total demand / (p * tightness)), at least the largest demand. Same (shape, n, seed,
tightness) -> the same instance, byte for byte (numpy's PCG64 generator).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from herverdeling.bench.pmedian.solve import PMedianInstance

Shape = Literal["pmedcap", "sjc"]
TIGHTNESS: dict[str, float] = {"tight": 0.87, "loose": 0.6}
SJC_TIGHTNESS: dict[str, float] = {"tight": 0.8, "loose": 0.6}


def generate(shape: Shape, n: int, seed: int, capacity: str = "tight", p: int | None = None,
             cost_scale: int = 10_000) -> PMedianInstance:
    """One instance; `capacity` is "tight" or "loose" (see the module docstring)."""
    rng = np.random.default_rng([seed, n, 0 if shape == "pmedcap" else 1])
    if shape == "pmedcap":
        xy = rng.integers(1, 101, size=(n, 2)).astype(np.int64)
        demand = rng.integers(1, 21, size=n).astype(np.int64)
        p = p or max(2, n // 10)
        ratio = TIGHTNESS[capacity]
        real = False
    else:
        xy = np.round(rng.uniform(0.0, 2000.0, size=(n, 2)), 2)
        demand = np.minimum(rng.geometric(1 / 50, size=n), 700).astype(np.int64)
        p = p or max(2, round(n / 13))
        ratio = SJC_TIGHTNESS[capacity]
        real = True
    q = max(int(demand.max()), math.ceil(int(demand.sum()) / (p * ratio)))
    name = f"gen-{shape}-{capacity}-n{n}-s{seed}"
    return PMedianInstance(name=name, number=seed, optimum=None, p=p, capacity=q, xy=xy,
                           demand=demand, real=real, cost_scale=cost_scale if real else 1)
