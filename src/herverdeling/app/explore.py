"""One province, one category, one what-if: the proposals, the checker's findings and the metrics.

The page runs the one chain (`pipeline.run_chain`) with the province as filter, on the same
RunSettings `propose` uses, so what it shows is what `propose` writes for those settings. The
metrics are recomputed from the proposals and the scenario, not read from a solver.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from herverdeling.app.whatif import WhatIf, check_policy, whatif_scenario
from herverdeling.checker import Finding
from herverdeling.commitments import Commitments, commitments_of
from herverdeling.defaults import DEFAULT_POLICY
from herverdeling.pipeline import run_chain
from herverdeling.proposals import AnyProposal, Merger, ProposalSet, SurplusSwap
from herverdeling.run import RunResult, RunSettings
from herverdeling.scenario.model import Category, Scenario

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
        self._scenarios = _Lru(16)
        self._runs = _Lru(16)
        self._views = _Lru(64)

    def scenario(self, settings: WhatIf) -> Scenario:
        check_policy(settings)  # on every path, cached or not
        key = settings.model_copy(update={"category": "regulier", "policy": DEFAULT_POLICY}).key()
        return self._scenarios.get(key, lambda: whatif_scenario(self.base, settings))

    def settings(self, scenario: Scenario, settings: WhatIf) -> RunSettings:
        """The RunSettings `propose` would use for this what-if."""
        return self.run.model_copy(update={"scenario": scenario.name, "policy": settings.policy})

    def chain(self, settings: WhatIf) -> tuple[Scenario, RunResult]:
        """The chain for the what-if's province (cached per scenario, policy and province)."""
        s = self.scenario(settings)
        run = self.settings(s, settings)
        key = f"{s.content_hash()}|{run.model_dump_json()}|{settings.province}"
        return s, self._runs.get(key, lambda: run_chain(s, run, province=settings.province))

    def view(self, settings: WhatIf) -> View:
        check_policy(settings)
        return self._views.get(settings.key(), lambda: self._view(settings))

    def _view(self, settings: WhatIf) -> View:
        from herverdeling.app.figure import province_figure

        start = time.perf_counter()
        s, result = self.chain(settings)
        assert result.report is not None  # run_chain always checks
        report = result.report
        prov, cat = settings.province, settings.category
        pset = result.proposals
        shown = [p for p in pset.proposals if _touches(s, p, prov, cat)]
        rows = tuple(_row(s, p, prov, cat, report.findings_for(p.id)) for p in shown)
        findings = tuple(f for p in shown for f in report.findings_for(p.id))
        done = commitments_of(pset.proposals)
        by_muni = {m.cbs_code: done.relieved(m.cbs_code, cat) for m in s.municipalities_in(prov)}
        metrics = _metrics(s, prov, cat, done, pset, findings)
        figure = province_figure(s, prov, cat, shown, done)
        notes = tuple(n.replace(" unmatched: ", " niet gematcht: ") for n in result.notes
                      if _note_for(s, n, prov, cat))
        return View(settings=settings, scenario_name=s.name, scenario_hash=s.content_hash(),
                    metrics=metrics, rows=rows, findings=findings, relief_by_municipality=by_muni,
                    figure=figure, notes=notes, seconds=round(time.perf_counter() - start, 3))


def _note_for(s: Scenario, note: str, province: str, category: Category) -> bool:
    """A chain note about an unmatched uitruil request of a municipality in the view."""
    return any(f"({m.cbs_code}) " in note and f" {category} unmatched" in note
               for m in s.municipalities_in(province))


def _in(s: Scenario, code: str, province: str) -> bool:
    return s.has_municipality(code) and s.municipality(code).province == province


def _touches(s: Scenario, p: AnyProposal, province: str, category: Category) -> bool:
    if isinstance(p, Merger):
        return p.province == province and p.category == category
    return any(t.category == category and (_in(s, t.from_code, province) or _in(s, t.to_code, province))
               for t in p.transfers)


def _row(s: Scenario, p: AnyProposal, province: str, category: Category,
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


def _metrics(s: Scenario, province: str, category: Category, done: Commitments, pset: ProposalSet,
             findings: tuple[Finding, ...]) -> Metrics:
    """The page's figures from the proposals alone (the merger objective's definitions)."""
    norm = s.norms.get(category)
    members = s.municipalities_in(province)
    # small tasks after surplus relief: the merger candidates
    small = {m.cbs_code: m.verdeelbesluit.get(category) - done.relieved(m.cbs_code, category)
             for m in members}
    small = {code: t for code, t in small.items() if 0 < t < norm.min_size}
    # where they end up: merged away (members), or still at home (alone or as a host)
    at_home = [code for code in small if done.of(code, category).merged_away == 0]
    size = {code: small[code] + done.of(code, category).hosts for code in at_home}
    mergers = [p for p in pset.proposals if isinstance(p, Merger) and p.province == province
               and p.category == category]
    moved = [t for p in mergers for t in p.transfers]
    realised = sum(int(t.places) for p in pset.proposals if isinstance(p, SurplusSwap)
                   for t in p.transfers if t.category == category and _in(s, t.to_code, province))
    return Metrics(
        small_tasks=len(small), small_places=sum(small.values()),
        nonviable_places=sum(v for v in size.values() if v < norm.min_size),
        locations=len(at_home),
        place_km=round(sum(int(t.places) * (t.distance_km or 0.0) for t in moved), 1),
        mergers=len(mergers), merged_places=sum(int(t.places) for p in mergers for t in p.transfers),
        relief=done.relieved_total(category, (m.cbs_code for m in members)),
        realised_for_others=realised,
        errors=sum(1 for f in findings if f.severity == "error"),
        warnings=sum(1 for f in findings if f.severity == "warning"),
        open_steps=sum(1 for f in findings if f.severity == "open"),
    )
