"""One province, one category, one what-if: the proposals, the checker's findings and the metrics.

The page runs the one chain (`pipeline.run_chain`) with the province as filter, on the same
RunSettings `propose` uses, so what it shows is what `propose` writes for those settings. The
metrics are recomputed from the proposals and the scenario, not read from a solver.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from herverdeling.app.whatif import DEFAULT_CHOICE, WhatIf, check_policy, resolve_choice, whatif_scenario
from herverdeling.checker import Finding, build_ledger
from herverdeling.commitments import Commitments, commitments_of
from herverdeling.defaults import DEFAULT_FRONTIER
from herverdeling.pipeline import run_chain
from herverdeling.proposals import AnyProposal, Merger, ProposalSet, RegisterState, SurplusSwap
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


class ErrorItem(_Frozen):
    """A checker error with the proposal it concerns, for the top of the column."""

    rule_id: str
    message: str
    proposal_id: str
    proposal: str  # "samenvoeging Arnhem": what people call it


class StepGroup(_Frozen):
    """One open process step (rule and text) and the proposals it concerns."""

    rule_id: str
    message: str
    proposals: tuple[str, ...]


class MuniRow(_Frozen):
    """One municipality of the province in the category: from verdeelbesluit to task at IBT.

    `merged` and `uitruil` are net: + places taken in (host, realiser), - places handed over.
    `ibt_task` is the ledger's, booked with the proposals without a checker error (as `propose`).
    """

    code: str
    name: str
    task: int
    relief: int
    merged: int
    uitruil: int
    ibt_task: float
    may_host: bool
    relief_wish: Literal["wanted", "refused", "any"]


class View(_Frozen):
    settings: WhatIf
    scenario_name: str
    scenario_label: str  # what people read (Scenario.human_name); scenario_name is the id
    scenario_hash: str
    metrics: Metrics
    rows: tuple[ProposalRow, ...]
    findings: tuple[Finding, ...]
    errors: tuple[ErrorItem, ...] = ()
    steps: tuple[StepGroup, ...] = ()
    municipalities: tuple[MuniRow, ...] = ()
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

    def __init__(self, scenario: Scenario, run: RunSettings | None = None, *,
                 register_url: str | None = None) -> None:
        self.base = scenario
        self.run = run or RunSettings(scenario=scenario.name)
        self.register_url = register_url
        self._scenarios = _Lru(16)
        self._runs = _Lru(16)
        self._views = _Lru(64)

    def scenario(self, settings: WhatIf) -> Scenario:
        check_policy(settings)  # on every path, cached or not
        key = settings.model_copy(update={"category": "regulier", "policy": DEFAULT_CHOICE,
                                          "frontier_point": None}).key()
        return self._scenarios.get(key, lambda: whatif_scenario(self.base, settings))

    def settings(self, scenario: Scenario, settings: WhatIf) -> RunSettings:
        """The RunSettings `propose` would use for this what-if (`--frontier-point K` included)."""
        model, preset = resolve_choice(settings.policy)
        run = self.run.model_copy(update={"scenario": scenario.name, "surplus_model": model,
                                          "deals" if model == "deals" else "policy": preset})
        if settings.frontier_point is not None:
            from herverdeling.surplus.deals.frontier import load_frontier_settings

            run = run.model_copy(update={
                "surplus_model": "deals", "deals": load_frontier_settings(DEFAULT_FRONTIER).deals,
                "frontier": DEFAULT_FRONTIER, "frontier_point": settings.frontier_point})
        return run

    def register(self, s: Scenario) -> RegisterState | None:
        """The register's snapshot for this scenario version, read afresh (issue 17, point 5): the
        process rules judge what the register says, as `propose --register` does. A what-if
        scenario has its own name and hash, so its agreements start as concepts."""
        if self.register_url is None:
            return None
        from herverdeling.register import Register

        return Register(self.register_url).snapshot(s.name, s.content_hash())

    def chain(self, settings: WhatIf) -> tuple[Scenario, RunResult]:
        """The chain for the what-if's province (cached per scenario, policy, province and the
        register's snapshot)."""
        s = self.scenario(settings)
        run = self.settings(s, settings)
        snap = self.register(s)
        key = (f"{s.content_hash()}|{run.model_dump_json()}|{settings.province}|"
               f"{snap.model_dump_json() if snap is not None else ''}")
        return s, self._runs.get(key, lambda: run_chain(s, run, province=settings.province,
                                                        register=snap))

    def view(self, settings: WhatIf) -> View:
        check_policy(settings)
        snap = self.register(self.scenario(settings))
        key = settings.key() + (snap.model_dump_json() if snap is not None else "")
        return self._views.get(key, lambda: self._view(settings))

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
        notes = tuple(note_nl(n) for n in result.notes if _note_for(s, n, prov, cat))
        label = {r.id: f"{KIND_NL[r.kind]} {r.realiser_name}" for r in rows}
        errors = tuple(ErrorItem(rule_id=f.rule_id, message=f.message_nl, proposal_id=f.proposal_id,
                                 proposal=label.get(f.proposal_id, f.proposal_id))
                       for f in findings if f.severity == "error")
        groups: dict[tuple[str, str], list[str]] = {}
        for f in findings:
            if f.severity == "open":
                groups.setdefault((f.rule_id, f.message_nl), []).append(
                    label.get(f.proposal_id, f.proposal_id))
        steps = tuple(StepGroup(rule_id=r, message=m, proposals=tuple(ps))
                      for (r, m), ps in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])))
        ledger = build_ledger(s, [p for p in pset.proposals if report.passed(p.id)])
        ibt = {(r.cbs_code, r.category): r.ibt_task for r in ledger.rows}
        munis = tuple(MuniRow(
            code=m.cbs_code, name=m.name, task=m.verdeelbesluit.get(cat),
            relief=done.relieved(m.cbs_code, cat),
            merged=done.of(m.cbs_code, cat).hosts - done.of(m.cbs_code, cat).merged_away,
            uitruil=done.of(m.cbs_code, cat).realises - done.of(m.cbs_code, cat).handed_over,
            ibt_task=float(ibt.get((m.cbs_code, cat), m.verdeelbesluit.get(cat))),
            may_host=s.may_take_on(m), relief_wish=s.preferences.relief(m.cbs_code))
            for m in sorted(s.municipalities_in(prov), key=lambda m: m.name))
        return View(settings=settings, scenario_name=s.name, scenario_label=s.human_name,
                    scenario_hash=s.content_hash(), metrics=metrics, rows=rows, findings=findings,
                    errors=errors, steps=steps, municipalities=munis,
                    relief_by_municipality=by_muni, figure=figure, notes=notes,
                    seconds=round(time.perf_counter() - start, 3))


KIND_NL = {"surplus_swap": "surplus-uitruil", "merger": "samenvoeging", "uitruil": "uitruil"}

# the uitruil stage's reasons (English, in the chain's notes) as the page says them
_REASONS_NL: tuple[tuple[str, str], ...] = (
    (r"asks to hand over (\d+) (\w+) places but its verdeelbesluit task is (\d+)",
     r"vraagt \1 plekken \2 over te dragen, maar de taak in het verdeelbesluit is \3"),
    (r"(\d+) of its (\d+) (\w+) places are already relieved.*",
     r"\1 van de \2 plekken \3 zijn al ontlast (surplus-uitruil) of samengevoegd; alleen de rest "
     "kan worden overgedragen"),
    (r"offers no counter-performance.*",
     "biedt geen tegenprestatie (offers_in_return is 'none'); een uitruil vraagt statushouders of "
     "Oekraïners in ruil"),
    (r"no other municipality in (\w+) that may host a location offers (\w+) places",
     r"geen andere gemeente in \1 die gastgemeente mag zijn, biedt plekken \2 aan"),
    (r"every municipality offering (\w+) places in (\w+) is more than (\S+) km away",
     r"elke gemeente in \2 die plekken \1 aanbiedt, ligt verder dan \3 km weg"),
    (r"no municipality offering (\w+) places within reach has a (\w+) task.*",
     r"geen gemeente binnen bereik die plekken \1 aanbiedt, heeft een taak \2 die in ruil kan "
     "worden overgenomen"),
    (r"the solver stopped \((\w+)\).*",
     r"de rekenmethode stopte (\1) voordat bewezen was dat er niet meer te koppelen viel"),
    (r"willing partners' offers.*\(max (\d+) partners, min (\d+) places a pair\).*",
     r"het aanbod van bereidwillige partners, de ruimte voor een tegenprestatie of de grenzen "
     r"(hoogstens \1 partners, minstens \2 plekken per paar) zijn door de beste koppeling opgebruikt"),
)
_NOTE = re.compile(r"uitruil: (?P<name>.+) \((?P<code>GM\d{4})\) (?P<places>\d+) (?P<cat>\w+) "
                   r"unmatched: (?P<reason>.*)")


def note_nl(note: str) -> str:
    """A chain note in Dutch: the uitruil requests that found no partner, with the reason."""
    m = _NOTE.fullmatch(note)
    if m is None:
        return note
    reason = m["reason"]
    for pattern, dutch in _REASONS_NL:
        if re.fullmatch(pattern, reason):
            reason = re.sub(pattern, dutch, reason)
            break
    cat = "AMV" if m["cat"] == "amv" else m["cat"]
    return (f"uitruil: {m['name']} ({m['code']}): {m['places']} plekken {cat} niet gekoppeld: "
            f"{reason}")


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
