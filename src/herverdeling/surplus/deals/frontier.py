"""The deal frontier (issue 14, point 4): the non-dominated trade-off between relief, deal size
(agreements, parties) and fairness, by the epsilon-constraint method over the deal model.

Each candidate point is the deal model with the relief floor at one share of each category's proven
maximum (models/frontier/<name>.yaml `shares`; relief_base "category" whatever the preset says: a
share of all the surplus lies above what the deal rules allow at the top shares, so those points
would collapse into one) and one order of the later levels: fewest agreements first
(the issue's order) at every share, and fewest parties first at the shares in `parties_first`
(parties first is the hard order near the maximum: on nl-2025 CountModel did not prove it in 20
units at share 1.0, and at 0.97 it gave the agreements-first optimum again). After fairness,
`most_relief` takes the most relief the earlier levels allow, so a point is never beaten on relief
alone; place-km is the last tie-break. The relief level is solved once per category and its maximum
shared by every point. Points that another point dominates (relief higher or equal, agreements,
parties and fairness lower or equal, one strictly) are dropped; the rest are numbered 1, 2, ... by
relief (most first), then parties, agreements and fairness, so the same settings give the same
numbers.

The two ends: point 1 is the most relief (share 1.0, every level proven or its gap stated); the
fewest-parties point is the parties-first solve at the lowest share, i.e. the fewest parties with at
least `min(shares)` of each category's maximum relief relieved.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from herverdeling.defaults import DEFAULT_DEALS, DEFAULT_FRONTIER
from herverdeling.dutch import LEVEL_NL, getal
from herverdeling.errors import FrontierPointError
from herverdeling.proposals import SolveInfo
from herverdeling.scenario.model import Category, Scenario
from herverdeling.settings import available, load_model, settings_file
from herverdeling.surplus.deals.result import DealResult
from herverdeling.surplus.deals.settings import DealPins, DealSettings, Level, Objective, load_deal_settings
from herverdeling.surplus.deals.solve import solve_deals

Order = Literal["agreements", "parties"]
Progress = Callable[[str], None]
_SOURCED = ("deals", "shares", "parties_first", "level_deterministic_time", "place_km_deterministic_time",
            "place_km_highs_nodes")
_TOL = 1e-6  # fairness is a float in places; equal within this


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FrontierSettings(_Frozen):
    """Which candidate points to solve; every value names its source in `sources`."""

    id: str = "custom"
    description: str = ""
    deals: str = DEFAULT_DEALS
    shares: tuple[float, ...] = Field((1.0, 0.98, 0.97, 0.95, 0.9, 0.8), min_length=1)
    parties_first: tuple[float, ...] = (0.9, 0.8)
    level_deterministic_time: float | None = Field(20.0, gt=0)
    place_km_deterministic_time: float | None = Field(2.0, gt=0)
    place_km_highs_nodes: int | None = Field(None, ge=1)  # None: no HiGHS proof of place-km
    sources: dict[str, str] = {}

    @model_validator(mode="after")
    def _check(self) -> FrontierSettings:
        if any(not 0 < s <= 1 for s in self.shares):
            raise ValueError("shares: every share of the maximum relief lies in (0, 1]")
        if max(self.shares) != 1.0:
            raise ValueError("shares: 1.0 must be one of them (the most-relief end of the frontier)")
        if any(len(set(v)) < len(v) for v in (self.shares, self.parties_first)):
            raise ValueError("shares and parties_first: each value once")
        if not set(self.parties_first) <= set(self.shares) or min(self.shares) not in self.parties_first:
            raise ValueError("parties_first: shares of `shares`, with the lowest (the fewest-parties end)")
        if self.sources:
            missing = [k for k in _SOURCED if not self.sources.get(k, "").strip()]
            if missing:
                raise ValueError(f"no source or rationale given for {', '.join(missing)}")
        return self

    def candidates(self) -> list[tuple[float, Order]]:
        """(share, order) in solve order: from the maximum down, agreements first before parties."""
        out: list[tuple[float, Order]] = []
        for share in sorted(self.shares, reverse=True):
            out.append((share, "agreements"))
            if share in self.parties_first:
                out.append((share, "parties"))
        return out


def load_frontier_settings(name_or_path: str | Path = DEFAULT_FRONTIER) -> FrontierSettings:
    """A bundled preset under models/frontier/ or a YAML path."""
    return load_model(settings_file("frontier", str(name_or_path)), FrontierSettings)


def available_frontier_settings() -> list[str]:
    return available("frontier")


_AFTER: dict[Order, tuple[Level, ...]] = {
    "agreements": ("agreements", "preferred", "parties", "fairness", "most_relief", "place_km"),
    "parties": ("parties", "agreements", "preferred", "fairness", "most_relief", "place_km"),
}
_WHY: dict[Level, str] = {
    "relief": "frontier: the floor at this point's share of the proven maximum",
    "agreements": "frontier: fewest agreements",
    "preferred": "D4: most preferred partner pairs among those",
    "parties": "frontier: fewest parties",
    "fairness": "frontier: deviation from the proportional share",
    "most_relief": "frontier: the most relief the earlier levels allow (never beaten on relief alone)",
    "place_km": "frontier: least place-km, the last tie-break",
}


def point_settings(base: DealSettings, fs: FrontierSettings, share: float, order: Order) -> DealSettings:
    """The deal settings of one candidate point: the base rules, this share and order, and a
    deterministic limit only (same settings, same frontier, whatever the machine's load)."""
    solver = base.solver.model_copy(update={
        "max_time_in_seconds": None, "place_km_deterministic_time": fs.place_km_deterministic_time,
        "place_km_highs_nodes": fs.place_km_highs_nodes,
        "max_deterministic_time": fs.level_deterministic_time or base.solver.max_deterministic_time})
    levels: tuple[Level, ...] = ("relief", *_AFTER[order])
    return base.model_copy(update={
        "id": f"{base.id}@{share:g}/{order}", "relief_share": share, "solver": solver,
        # shares of each category's proven maximum: a share of all the surplus (relief_base
        # surplus) lies above what the deal rules allow at the top shares, and those points collapse
        "relief_base": "category",
        "objectives": tuple(Objective(level=lv, reason=_WHY[lv]) for lv in levels)})


class FrontierPoint(_Frozen):
    """One point: the figures of the issue's columns, how it was made, and its deal result.

    `proposals`, `passed`, `failed`: filled in when the point has been through the whole chain
    (mergers, uitruil, checker; `pipeline.frontier`), None before."""

    point: int = Field(ge=1)
    share: float
    order: Order
    relief: int
    agreements: int
    parties: int  # summed over the agreements
    max_parties: int
    fairness: float  # places: sum over categories and sink provinces of |relief - proportional share|
    place_km: float
    statuses: tuple[str, ...]  # per level, "category/level STATUS"
    worst_gap: float | None
    deals: DealResult
    proposals: int | None = None
    passed: int | None = None
    failed: int | None = None

    @property
    def solve_info(self) -> tuple[SolveInfo, ...]:
        return self.deals.solve_info

    def key(self) -> tuple[int, int, int, float]:
        """The frontier's axes, each as 'larger is better' turned round where needed."""
        return (self.relief, self.agreements, self.parties, self.fairness)


class Frontier(_Frozen):
    scenario: str
    scenario_hash: str
    settings: str
    deals: str  # the deal preset (name or YAML path) the points were made with
    max_relief: dict[Category, int]
    candidates: int  # points solved before the dominance filter
    points: tuple[FrontierPoint, ...]

    def point(self, k: int) -> FrontierPoint:
        """Point k (1-based), or a FrontierPointError naming the valid range."""
        if not 1 <= k <= len(self.points):
            raise FrontierPointError(f"frontier point {k} does not exist: the frontier of {self.scenario} "
                                     f"({self.settings}) has points 1 to {len(self.points)}")
        return self.points[k - 1]

    @property
    def fewest_parties(self) -> FrontierPoint:
        return min(self.points, key=lambda p: (p.parties, -p.relief, p.point))


def dominates(a: tuple[int, int, int, float], b: tuple[int, int, int, float]) -> bool:
    """a is at least as good as b on every axis (relief up; agreements, parties, fairness down)
    and better on one."""
    ge = a[0] >= b[0] and a[1] <= b[1] and a[2] <= b[2] and a[3] <= b[3] + _TOL
    gt = a[0] > b[0] or a[1] < b[1] or a[2] < b[2] or a[3] < b[3] - _TOL
    return ge and gt


def non_dominated(keys: list[tuple[int, int, int, float]]) -> list[int]:
    """Indices of the keys no other key dominates; of equal keys only the first."""
    keep: list[int] = []
    for i, k in enumerate(keys):
        if any(dominates(o, k) for j, o in enumerate(keys) if j != i):
            continue
        if any(_same(keys[j], k) for j in keep):
            continue
        keep.append(i)
    return keep


def _same(a: tuple[int, int, int, float], b: tuple[int, int, int, float]) -> bool:
    return a[:3] == b[:3] and abs(a[3] - b[3]) <= _TOL


def _point(result: DealResult, share: float, order: Order) -> FrontierPoint:
    sizes = [len(a.parties) for a in result.agreements]
    gaps = [i.gap for i in result.solve_info if i.gap is not None]
    return FrontierPoint(
        point=1, share=share, order=order, relief=result.relief, agreements=len(sizes),
        parties=sum(sizes), max_parties=max(sizes, default=0),
        fairness=round(sum(c.fairness for c in result.categories), 3),
        place_km=round(sum(c.place_km for c in result.categories), 1),
        statuses=tuple(f"{i.scope}/{i.model.split('/')[-1]} {i.status}" for i in result.solve_info),
        worst_gap=max(gaps) if gaps else None, deals=result)


def deal_frontier(scenario: Scenario, settings: FrontierSettings | str = DEFAULT_FRONTIER,
                  pins: DealPins | None = None, progress: Progress | None = None,
                  base: DealSettings | None = None) -> Frontier:
    """Solve every (share, order), drop the dominated points, number the rest (module docstring).
    `base`: the deal rules, instead of the settings' `deals` preset (tests, the explorer)."""
    fs = settings if isinstance(settings, FrontierSettings) else load_frontier_settings(settings)
    say = progress or (lambda _: None)
    deals = fs.deals if base is None else base.id  # as the chain loads the D rules again
    base = base or load_deal_settings(fs.deals)
    pins = pins or DealPins()
    cands: list[FrontierPoint] = []
    relief: dict[Category, SolveInfo] | None = None
    todo = fs.candidates()
    total = len(todo)
    for share, order in todo:
        say(f"      berekening {len(cands) + 1} van {total}: ontlasting minstens {share:.0%} van het "
            f"maximum, eerst de minste {'overeenkomsten' if order == 'agreements' else 'partijen'} …")
        result = solve_deals(scenario, point_settings(base, fs, share, order), pins, known_relief=relief)
        if relief is None:  # the first solve proves the maximum; every later point shares it
            relief = {c.category: next(i for i in c.solve_info if i.model == "deals/relief")
                      for c in result.categories}
        cands.append(_point(result, share, order))
        p = cands[-1]
        open_ = [f"{i.scope} {LEVEL_NL.get(i.model.split('/')[-1], i.model)} gat {getal(100 * i.gap, 2)} %"
                 for i in p.solve_info if i.status != "OPTIMAL" and i.gap is not None]
        say(f"        ontlasting {p.relief}, {p.agreements} overeenkomsten, {p.parties} partijen "
            f"(hoogstens {p.max_parties}), afwijking van evenredig {getal(p.fairness, 1)}; "
            f"{'niet bewezen: ' + ', '.join(open_) if open_ else 'elk niveau bewezen optimaal'}")
    kept = non_dominated([c.key() for c in cands])
    kept.sort(key=lambda i: (-cands[i].relief, cands[i].parties, cands[i].agreements, cands[i].fairness,
                             -cands[i].share, cands[i].order))
    points = tuple(cands[i].model_copy(update={"point": k}) for k, i in enumerate(kept, start=1))
    # the runs were numbered in the order solved, the points are numbered as `propose
    # --frontier-point K` reads them: say which run became which point
    number = {i: k for k, i in enumerate(kept, start=1)}
    dropped = "valt weg (een andere is even goed of beter)"
    say("      afwegingen: " + "; ".join(
        f"berekening {i + 1} " + (f"is afweging {number[i]}" if i in number else dropped)
        for i in range(len(cands))))
    first = cands[0].deals
    return Frontier(scenario=scenario.name, scenario_hash=scenario.content_hash(), settings=fs.id,
                    deals=deals, max_relief={c.category: c.max_relief for c in first.categories},
                    candidates=len(cands), points=points)


__all__ = ["Frontier", "FrontierPoint", "FrontierSettings", "available_frontier_settings",
           "deal_frontier", "dominates", "load_frontier_settings", "non_dominated", "point_settings"]
