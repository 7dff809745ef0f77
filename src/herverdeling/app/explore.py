"""One province, one category, one what-if: the proposals, the checker's findings and the metrics.

The surplus flow is national (P2 caps are shared by all provinces), so it runs on the whole
what-if scenario and is cached per (scenario hash, policy); the mergers and uitruil run for the
chosen province only, with the same settings `pipeline.run_solvers` uses. The checker judges the
national surplus swaps together with the province's proposals, so set-level rules (G3, P2) see
everything that touches the province.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from herverdeling.app.whatif import WhatIf, whatif_scenario
from herverdeling.checker import Finding, check
from herverdeling.mergers import MergerResult, load_merger_settings, propose_mergers
from herverdeling.pipeline import RunSettings, relief_of, surplus_left
from herverdeling.proposals import Merger, ProposalSet, SurplusSwap, Uitruil
from herverdeling.scenario.model import Category, Scenario
from herverdeling.surplus import SurplusResult, propose_surplus_swaps
from herverdeling.uitruil import load_uitruil_settings, propose_uitruil

T = TypeVar("T")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Metrics(_Frozen):
    """What a meeting compares, for the province and category on the page."""

    small_tasks: int  # tasks below the minimum after surplus relief (the merger candidates)
    small_places: int
    nonviable_places: int  # small-task places left in a location below the minimum
    locations: int  # locations small-task places end up in (objective's definition)
    place_km: float  # sum of places x km over merged places
    mergers: int
    merged_places: int
    relief: int  # places of the province's municipalities relieved by surplus swaps
    realised_for_others: int  # places the province realises for other provinces (plusprovincie)
    errors: int
    warnings: int
    open_steps: int


class MemberRow(_Frozen):
    code: str
    name: str
    places: int
    distance_km: float | None


class ProposalRow(_Frozen):
    """One proposal as the table shows it: who realises, who hands over, how many, checked?"""

    id: str
    kind: Literal["surplus_swap", "merger", "uitruil"]
    realiser_code: str
    realiser_name: str
    members: tuple[MemberRow, ...]
    places: int
    errors: int
    warnings: int


class View(_Frozen):
    settings: WhatIf
    scenario_name: str
    scenario_hash: str
    metrics: Metrics
    rows: tuple[ProposalRow, ...]
    findings: tuple[Finding, ...]
    relief_by_municipality: dict[str, int]
    figure: dict[str, Any]
    notes: tuple[str, ...] = ()
    seconds: float


class _Lru:
    """A small thread-safe LRU cache: the page repeats settings often (A and B, undo)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.data: OrderedDict[str, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str, make: Callable[[], T]) -> T:
        with self.lock:
            if key in self.data:
                self.data.move_to_end(key)
                return self.data[key]
        value = make()
        with self.lock:
            self.data[key] = value
            while len(self.data) > self.size:
                self.data.popitem(last=False)
        return value


class Explorer:
    """Holds the base scenario and the caches; `view(settings)` answers one column of the page."""

    def __init__(self, scenario: Scenario, run: RunSettings | None = None) -> None:
        self.base = scenario
        self.run = run or RunSettings(scenario=scenario.name)
        self.merger_settings = load_merger_settings(self.run.merger_objective, self.run.solver,
                                                    cross_border=self.run.cross_border)
        self.uitruil_settings = load_uitruil_settings(self.run.uitruil_settings)
        self._scenarios = _Lru(16)
        self._surplus = _Lru(16)
        self._views = _Lru(64)

    def scenario(self, settings: WhatIf) -> Scenario:
        key = settings.model_copy(update={"category": "regulier", "policy": "proportional"}).key()
        return self._scenarios.get(key, lambda: whatif_scenario(self.base, settings))

    def surplus(self, scenario: Scenario, policy: str) -> SurplusResult:
        return self._surplus.get(f"{scenario.content_hash()}|{policy}",
                                 lambda: propose_surplus_swaps(scenario, policy))

    def view(self, settings: WhatIf) -> View:
        return self._views.get(settings.key(), lambda: self._view(settings))

    def _view(self, settings: WhatIf) -> View:
        from herverdeling.app.figure import province_figure

        start = time.perf_counter()
        s = self.scenario(settings)
        prov, cat = settings.province, settings.category
        swaps = self.surplus(s, settings.policy)
        relief = relief_of(swaps.proposals)
        mres = propose_mergers(s, self.merger_settings, province=prov, relief=relief,
                               surplus_left=surplus_left(s, swaps.proposals))
        committed = relief_of((*swaps.proposals, *mres.surplus_swaps))
        for m in mres.mergers:
            for t in m.transfers:
                committed[(t.from_code, t.category)] = committed.get((t.from_code, t.category), 0) \
                    + int(t.places)
        uit = propose_uitruil(s, self.uitruil_settings, province=prov, committed=committed)
        pset = ProposalSet(scenario=s.name, scenario_hash=s.content_hash(), as_of=s.round.as_of,
                           proposals=(*swaps.proposals, *mres.surplus_swaps, *mres.mergers,
                                      *uit.proposals))
        report = check(pset, s)
        shown = [p for p in pset.proposals if _touches(s, p, prov, cat)]
        rows = tuple(_row(s, p, prov, cat, report.findings_for(p.id)) for p in shown)
        findings = tuple(f for p in shown for f in report.findings_for(p.id))
        all_relief = relief_of(tuple(p for p in pset.proposals if isinstance(p, SurplusSwap)))
        by_muni = {m.cbs_code: all_relief.get((m.cbs_code, cat), 0) for m in s.municipalities_in(prov)}
        metrics = _metrics(s, prov, cat, mres, all_relief, pset, rows, findings)
        figure = province_figure(s, prov, cat, shown, all_relief)
        notes = tuple(f"uitruil: {u.name} ({u.cbs_code}) {u.places} {u.category} niet gematcht: "
                      f"{u.reason}" for u in uit.unmatched if u.category == cat)
        return View(settings=settings, scenario_name=s.name, scenario_hash=s.content_hash(),
                    metrics=metrics, rows=rows, findings=findings, relief_by_municipality=by_muni,
                    figure=figure, notes=notes, seconds=round(time.perf_counter() - start, 3))


def _in(s: Scenario, code: str, province: str) -> bool:
    return s.has_municipality(code) and s.municipality(code).province == province


def _touches(s: Scenario, p: SurplusSwap | Merger | Uitruil, province: str, category: Category) -> bool:
    if isinstance(p, Merger):
        return p.province == province and p.category == category
    return any(t.category == category and (_in(s, t.from_code, province) or _in(s, t.to_code, province))
               for t in p.transfers)


def _row(s: Scenario, p: SurplusSwap | Merger | Uitruil, province: str, category: Category,
         findings: tuple[Finding, ...]) -> ProposalRow:
    transfers = [t for t in p.transfers if t.category == category
                 and (isinstance(p, Merger) or _in(s, t.from_code, province) or _in(s, t.to_code, province))]
    if isinstance(p, Merger):
        realiser = p.host_code
    else:
        counts: dict[str, int] = {}
        for t in transfers:
            counts[t.to_code] = counts.get(t.to_code, 0) + int(t.places)
        realiser = max(sorted(counts), key=lambda c: counts[c])
    members = tuple(MemberRow(code=t.from_code, name=s.municipality(t.from_code).name, places=int(t.places),
                              distance_km=t.distance_km) for t in transfers)
    if not isinstance(p, Merger) and len({t.to_code for t in transfers}) > 1:
        members = tuple(MemberRow(code=t.from_code, name=f"{s.municipality(t.from_code).name} → "
                                  f"{s.municipality(t.to_code).name}", places=int(t.places),
                                  distance_km=t.distance_km) for t in transfers)
    name = s.municipality(realiser).name
    if isinstance(p, SurplusSwap):  # the other province is what the meeting talks about
        other = p.source_province if p.sink_province == province else p.sink_province
        realiser, name = other, s.province(other).name
    return ProposalRow(id=p.id, kind=p.kind, realiser_code=realiser, realiser_name=name,
                       members=members,
                       places=sum(int(t.places) for t in transfers),
                       errors=sum(1 for f in findings if f.severity == "error"),
                       warnings=sum(1 for f in findings if f.severity == "warning"))


def _metrics(s: Scenario, province: str, category: Category, mres: MergerResult,
             relief: dict[tuple[str, Category], int], pset: ProposalSet, rows: tuple[ProposalRow, ...],
             findings: tuple[Finding, ...]) -> Metrics:
    norm = s.norms.get(category)
    small = [m.verdeelbesluit.get(category) - relief.get((m.cbs_code, category), 0)
             for m in s.municipalities_in(province)]
    small = [t for t in small if 0 < t < norm.min_size]
    locs = [loc for sc in mres.scopes if sc.category == category for loc in sc.locations
            if loc.province == province and loc.kind != "absorb"]
    mergers = [p for p in pset.proposals if isinstance(p, Merger) and p.province == province
               and p.category == category]
    realised = sum(int(t.places) for p in pset.proposals if isinstance(p, SurplusSwap)
                   for t in p.transfers if t.category == category and _in(s, t.to_code, province))
    return Metrics(
        small_tasks=len(small), small_places=sum(small),
        nonviable_places=sum(loc.size for loc in locs if not loc.viable),
        locations=sum(1 for loc in locs if loc.kind == "home" or loc.own_places < norm.min_size),
        place_km=round(sum(m.places * m.distance_km for loc in locs for m in loc.members), 1),
        mergers=len(mergers), merged_places=sum(int(t.places) for p in mergers for t in p.transfers),
        relief=sum(v for (code, c), v in relief.items() if c == category and _in(s, code, province)),
        realised_for_others=realised,
        errors=sum(1 for f in findings if f.severity == "error"),
        warnings=sum(1 for f in findings if f.severity == "warning"),
        open_steps=sum(1 for f in findings if f.severity == "open"),
    )
