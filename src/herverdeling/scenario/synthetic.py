"""Seeded synthetic countries for tests and benchmarks: from 50 to 100,000 municipalities.

Provinces are Voronoi cells of random centres in an NL-sized box; populations are lognormal
(skewed, like real municipalities); the indicative task follows population. Some provinces are
plusprovincies (some municipalities plan extra places), some have a restopgave (some municipalities
did not plan their whole task; a few planned nothing, so small tasks can be relieved whole), the
rest are balanced. The result passes Scenario.check_consistency. The same arguments always give the
same scenario.

CBS codes have four digits; above 9,999 municipalities the codes get more digits (GM10000, ...),
which the scenario model's pattern does not accept, so those municipalities are built without
re-validation (`model_construct`); every other invariant is still checked by check_consistency.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from string import ascii_uppercase
from typing import Literal

import numpy as np

from herverdeling.scenario.model import (
    Assumption,
    CategoryNorm,
    Municipality,
    Norms,
    Point,
    Province,
    Round,
    Scenario,
    ScenarioOptions,
    Tasks,
)

LAT_RANGE = (50.75, 53.55)
LON_RANGE = (3.35, 7.20)
PLACES_PER_1000 = 5.4  # about 96,000 places over 17.9 million inhabitants (DOMAIN.md)
AMV_SHARE = 0.085  # DOMAIN.md: about 8.5 % of each task is AMV
MAX_PROVINCES = 26 * 26


def _province_codes(n: int) -> list[str]:
    return [a + b for a in ascii_uppercase for b in ascii_uppercase][:n]


def default_norms() -> Norms:
    """The COA 2024 defaults (models/norms/coa-2024.yaml), inlined so the generator needs no files."""
    src = "models/norms/coa-2024.yaml (COA location policy, DOMAIN.md Operational norms)"
    sources = {"min_size": src, "max_size": src, "max_distance_km": src}
    return Norms(
        id="coa-2024",
        regulier=CategoryNorm(min_size=50, max_size=1500, max_distance_km=25, sources=sources),
        amv=CategoryNorm(min_size=16, max_size=100, max_distance_km=15, sources=sources),
    )


def synthetic_country(
    n_municipalities: int,
    seed: int = 0,
    n_provinces: int | None = None,
    *,
    plus_share: float = 0.3,
    rest_share: float = 0.4,
    extra_share: float = 0.4,
    relieved_share: float = 0.35,
    whole_task_share: float = 0.2,
    relief_cap: Literal["restopgave", "task"] = "restopgave",
    norms: Norms | None = None,
    name: str | None = None,
) -> Scenario:
    """A random but valid country.

    - `n_provinces`: default about 12 * sqrt(n / 342) (NL: 12 provinces for 342 municipalities).
    - `plus_share` / `rest_share`: fraction of provinces that are plusprovincies / have a
      restopgave (at least one of each; the rest are balanced).
    - `extra_share`: fraction of a plusprovincie's municipalities that plan extra places.
    - `relieved_share`: fraction of a restopgave province's municipalities with a restopgave part;
      `whole_task_share` of those planned nothing at all (their whole task is restopgave).
    """
    if n_municipalities < 2:
        raise ValueError("a synthetic country needs at least 2 municipalities")
    if n_provinces is None:
        n_provinces = round(12 * math.sqrt(n_municipalities / 342))
    n_provinces = max(2, min(n_provinces, n_municipalities, MAX_PROVINCES))
    rng = np.random.default_rng(seed)
    n = n_municipalities

    # points; the first n_provinces municipalities are the province centres (no empty province)
    lat = rng.uniform(*LAT_RANGE, size=n)
    lon = rng.uniform(*LON_RANGE, size=n)
    centre_lat, centre_lon = lat[:n_provinces], lon[:n_provinces]
    kx = math.cos(math.radians(sum(LAT_RANGE) / 2))
    owner = np.empty(n, dtype=np.int64)
    step = 20_000
    for start in range(0, n, step):
        d = (lat[start:start + step, None] - centre_lat[None, :]) ** 2 + \
            ((lon[start:start + step, None] - centre_lon[None, :]) * kx) ** 2
        owner[start:start + step] = np.argmin(d, axis=1)
    owner[:n_provinces] = np.arange(n_provinces)

    population = np.maximum(1_000, rng.lognormal(mean=math.log(25_000), sigma=0.9, size=n)).astype(np.int64)
    total = np.rint(population * PLACES_PER_1000 / 1000).astype(np.int64)
    amv = np.rint(total * AMV_SHARE).astype(np.int64)
    reg = total - amv
    indicative = np.stack([reg, amv], axis=1)

    # province roles
    order = rng.permutation(n_provinces)
    n_plus = max(1, round(plus_share * n_provinces))
    n_rest = max(1, min(n_provinces - n_plus, round(rest_share * n_provinces)))
    role = np.zeros(n_provinces, dtype=np.int64)  # 0 balanced, 1 plus, 2 restopgave
    role[order[:n_plus]] = 1
    role[order[n_plus:n_plus + n_rest]] = 2
    m_role = role[owner]

    extra = np.zeros_like(indicative)
    rest = np.zeros_like(indicative)
    u = rng.random(n)
    is_extra = (m_role == 1) & (u < extra_share)
    extra[is_extra] = np.rint(indicative[is_extra] * rng.uniform(0.2, 1.2, size=(int(is_extra.sum()), 1)))
    is_rest = (m_role == 2) & (u < relieved_share)
    frac = rng.uniform(0.1, 0.9, size=(int(is_rest.sum()), 1))
    frac[rng.random(len(frac)) < whole_task_share] = 1.0
    rest[is_rest] = np.rint(indicative[is_rest] * frac)
    vb = indicative + extra
    own = vb - rest

    width = max(4, len(str(n)))
    codes = [f"GM{i + 1:0{width}d}" for i in range(n)]
    pcodes = _province_codes(n_provinces)
    validate = width == 4
    point = Point if validate else Point.model_construct
    cache: dict[tuple[int, int], Tasks] = {}

    def tasks(regulier: int, amv: int) -> Tasks:
        """Frozen, so equal Tasks can be one object (saves time and memory at 100,000)."""
        key = (regulier, amv)
        if key not in cache:
            cache[key] = Tasks(regulier=regulier, amv=amv)
        return cache[key]

    make: Callable[..., Municipality]
    if validate:
        make = Municipality
    else:  # frozen defaults (fields added by other stages) are shared, not deep-copied per row
        shared = {k: f.default for k, f in Municipality.model_fields.items()
                  if not f.is_required() and f.default_factory is None}

        def construct(**kw: object) -> Municipality:
            return Municipality.model_construct(**(shared | kw))
        make = construct
    munis = []
    for i in range(n):
        munis.append(make(
            cbs_code=codes[i], name=f"Gemeente {i + 1}", province=pcodes[owner[i]],
            population=int(population[i]),
            point=point(lat=round(float(lat[i]), 5), lon=round(float(lon[i]), 5)),
            indicative=tasks(regulier=int(indicative[i, 0]), amv=int(indicative[i, 1])),
            own_plan=tasks(regulier=int(own[i, 0]), amv=int(own[i, 1])),
            restopgave=tasks(regulier=int(rest[i, 0]), amv=int(rest[i, 1])),
            extra=tasks(regulier=int(extra[i, 0]), amv=int(extra[i, 1])),
            verdeelbesluit=tasks(regulier=int(vb[i, 0]), amv=int(vb[i, 1])),
            may_host=True,
        ))
    opgave = np.zeros((n_provinces, 2), dtype=np.int64)
    np.add.at(opgave, owner, indicative)
    provinces = tuple(
        Province(code=pcodes[k], name=f"Provincie {pcodes[k]}",
                 opgave=Tasks(regulier=int(opgave[k, 0]), amv=int(opgave[k, 1])),
                 amv_is_estimate=True, source=f"synthetic (seed {seed})")
        for k in range(n_provinces)
    )
    s = Scenario(
        name=name or f"synthetic-{n}-s{seed}",
        title=f"Synthetic country: {n} municipalities, {n_provinces} provinces (seed {seed})",
        description="Generated by herverdeling.scenario.synthetic.synthetic_country; not real data.",
        round=Round(name="synthetic", verdeelbesluit_date=date(2024, 12, 20),
                    notification_deadline=date(2025, 6, 1), amendment_deadline=date(2025, 7, 1),
                    as_of=date(2025, 1, 15)),
        norms=norms or default_norms(),
        options=ScenarioOptions(relief_cap=relief_cap),
        assumptions=(Assumption(
            id="A-synthetic", kind="assumption", seed=seed,
            statement=(f"Every figure is synthetic: lognormal populations, {PLACES_PER_1000} places per "
                       f"1,000 inhabitants, AMV share {AMV_SHARE}; plus_share {plus_share}, rest_share "
                       f"{rest_share}, extra_share {extra_share}, relieved_share {relieved_share}, "
                       f"whole_task_share {whole_task_share}."),
            source="herverdeling.scenario.synthetic",
        ),),
        provinces=provinces,
        municipalities=tuple(munis),
    )
    s.check_consistency()
    return s
