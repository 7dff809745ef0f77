"""The IBT monitor: per municipality and category, the task after all agreements, what was
realised, the shortfall, who is accountable for it and what the failure clauses do with it.

The task and the accountability come from the IBT ledger (`checker.ledger`): a realiser owes its
own places and every place it took over (U6, S3); a plusprovincie municipality keeps its
verdeelbesluit task, whose extra places back surplus swaps (P8, P9). A shortfall is split over
those obligations in proportion to their size (models/monitor/: `allocation`), so each agreement
knows how many of its places are unrealised. A failure-clause variant then says, per kind of
agreement, whether those places go back to the municipality they came from (`lapse`) or stay
with the realiser (`stays`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field

from herverdeling.apportion import largest_remainder
from herverdeling.checker.ledger import Ledger, LedgerRow, _n, build_ledger
from herverdeling.monitor.settings import ROLE_OF, ClauseVariant, MonitorSettings, Role
from herverdeling.proposals import AnyProposal, ProposalKind, ProposalSet
from herverdeling.scenario.model import CATEGORIES, Category, Scenario
from herverdeling.scenario.realisation import Realisation, Realised

OWN = "eigen taak"
_KIND_NL = {"surplus_swap": "surplus-uitruil", "merger": "samenvoeging", "uitruil": "uitruil"}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Line(_Frozen):
    """Places one realiser owes under one agreement for one origin municipality, in one category."""

    proposal_id: str
    kind: ProposalKind
    realiser: str  # merger host, uitruil realiser, or the plusprovincie municipality backing a swap
    origin: str  # merger member, uitruil requester, or the relieved municipality
    category: Category
    places: int = Field(ge=0)

    @property
    def role(self) -> Role:
        return ROLE_OF[self.kind]

    @property
    def releases_realiser(self) -> bool:
        """Does a lapse take the places off the realiser's task? Not for a swap: its source keeps
        its verdeelbesluit task (P8, P9), a lapse only puts the relieved one back on the hook."""
        return self.kind != "surplus_swap"


def agreement_lines(ledger: Ledger) -> tuple[Line, ...]:
    """Every agreement place a realiser owes, from the ledger (passed proposals only, as booked)."""
    out = []
    for r in ledger.rows:
        kinds = {e.proposal_id: e.kind for e in r.entries}
        for o in r.owes:
            if o.proposal_id is not None and o.places:
                out.append(Line(proposal_id=o.proposal_id, kind=kinds[o.proposal_id],
                                realiser=r.cbs_code, origin=o.origin_code, category=r.category,
                                places=int(o.places)))
        for e in r.entries:
            if e.effect == "backs" and e.places:
                out.append(Line(proposal_id=e.proposal_id, kind=e.kind, realiser=r.cbs_code,
                                origin=e.counterpart, category=r.category, places=int(e.places)))
    return tuple(out)


class LineStatus(_Frozen):
    """One agreement line in the monitor: how many of its places are unrealised, and where they go."""

    line: Line
    unrealised: int = Field(ge=0)
    effect: str  # "lapse" or "stays", from the variant
    returned: int = Field(ge=0)  # places that go back to the origin (lapse)


class MonitorRow(_Frozen):
    cbs_code: str
    name: str
    province: str
    category: Category
    ibt_task: int  # after all agreements (the ledger)
    realised: int | None  # None: no realisation figure reported
    realised_on: date | None = None  # the figure's date
    source: str = ""
    shortfall: int | None  # IBT task minus realised, at least 0; None without a figure
    accountable: str  # who is accountable for the task, per the ledger (Dutch), every line
    accountable_summary: str = OWN  # the same in one short phrase, for the terminal
    own_unrealised: int = 0  # the part of the shortfall on its own places
    returned_in: int = 0  # places that come back to it because a realiser fell short (lapse)
    released: int = 0  # places of its shortfall that leave its task under the variant (lapse)
    task_after_clause: int
    shortfall_after_clause: int | None
    clause_effect: str = ""  # what the failure clauses do here (Dutch), every line
    # the figure is dated before the clauses' peildatum: the shortfall, and what the clauses do
    # with it, are provisional (the clauses judge what is realised on the peildatum)
    provisional: bool = False
    effect_summary: str = ""  # the same in one short phrase

    agreements: tuple[str, ...] = ()  # ids of the agreements this row takes part in (ledger)

    @property
    def involved(self) -> bool:
        """It has an agreement role in this category, or the clauses move places here."""
        return bool(self.agreements or self.returned_in or self.released)


class AgreementStatus(_Frozen):
    proposal_id: str
    kind: ProposalKind
    places: int
    unrealised: int | None  # None: a realiser reported no figure
    returned: int
    effect: str  # Dutch
    # the failure clause the agreement itself carries (G6), as drafted; the variant models it
    clause_text: str = ""


class ProvinceTotal(_Frozen):
    province: str
    category: Category
    ibt_task: int
    realised: int  # of the rows with a figure
    shortfall: int
    unreported: int  # rows with a task but no figure
    returned: int


class Monitor(_Frozen):
    """The monitor of one scenario, agreement set, realisation and failure-clause variant."""

    scenario: str
    scenario_hash: str
    realisation_file: str
    variant: str
    variant_label: str
    reference_date: date  # the failure clauses' peildatum (models/clauses/: reference_date)
    rows: tuple[MonitorRow, ...]
    lines: tuple[LineStatus, ...]
    agreements: tuple[AgreementStatus, ...]
    provinces: tuple[ProvinceTotal, ...]

    @cached_property
    def _index(self) -> dict[tuple[str, str], MonitorRow]:
        return {(r.cbs_code, r.category): r for r in self.rows}

    def row(self, code: str, category: Category) -> MonitorRow:
        return self._index[(code, category)]

    def shortfall_by_code(self) -> dict[str, int | None]:
        """Per municipality the shortfall over both categories (None: no figure in either)."""
        out: dict[str, int | None] = {}
        for r in self.rows:
            prev = out.get(r.cbs_code)
            if r.shortfall is None:
                out.setdefault(r.cbs_code, None)
            else:
                out[r.cbs_code] = (prev or 0) + r.shortfall
        return out


def _released_text(scenario: Scenario, row: LedgerRow) -> list[str]:
    """The places it no longer owes: handed over (U6, S3) or relieved (P8), and to whom."""
    out = []
    for e in row.entries:
        who = scenario.municipality(e.counterpart).name
        if e.effect == "out":
            out.append(f"{_n(e.places)} overgedragen aan {who} ({e.proposal_id})")
        elif e.effect == "relief":
            out.append(f"{_n(e.places)} ontlast door {who} ({e.proposal_id})")
    return out


def _accountable_text(scenario: Scenario, own: int, lines: list[Line], row: LedgerRow) -> str:
    parts = [f"{OWN} {own}"]
    for ln in lines:
        parts.append(f"{ln.proposal_id} ({_KIND_NL[ln.kind]}) voor "
                     f"{scenario.municipality(ln.origin).name} {ln.places}")
    return "; ".join(parts + _released_text(scenario, row))


def _accountable_summary(own: int, lines: list[Line], row: LedgerRow) -> str:
    gone = [e for e in row.entries if e.effect in ("out", "relief")]
    if gone:
        ids = list(dict.fromkeys(e.proposal_id for e in gone))
        released = (f"; {_n(sum(e.places for e in gone))} overgedragen of ontlast "
                    f"({', '.join(ids[:2])}{f' en {len(ids) - 2} andere' if len(ids) > 2 else ''})")
    else:
        released = ""
    if not lines:
        return f"{OWN} {own}{released}"
    ids = list(dict.fromkeys(ln.proposal_id for ln in lines))
    origins = len({ln.origin for ln in lines})
    shown = ", ".join(ids[:2]) + (f" en {len(ids) - 2} andere" if len(ids) > 2 else "")
    return (f"{OWN} {own} + {sum(ln.places for ln in lines)} voor {origins} "
            f"gemeente{'n' if origins > 1 else ''} ({shown}){released}")


def _effect_summary(back: int, back_to: int, stays: int, came_back: int, came_from: int) -> str:
    parts = []
    if back:
        parts.append(f"{back} terug naar {back_to} gemeente{'n' if back_to > 1 else ''}")
    if stays:
        parts.append(f"{stays} blijft hier verschuldigd")
    if came_back:
        parts.append(f"{came_back} terug van {came_from} realiseerder{'s' if came_from > 1 else ''}")
    return "; ".join(parts)


def _shortfall(task: int, rec: Realised | None) -> int | None:
    """Task minus realised, at least 0; unknown without a figure, unless nothing is owed."""
    if rec is None:
        return 0 if task <= 0 else None
    return max(0, task - rec.realised)


def split_shortfall(shortfall: int, own: int, lines: list[Line]) -> tuple[int, list[int]]:
    """The shortfall over its own places and each line, in proportion (largest remainder)."""
    if shortfall <= 0:
        return 0, [0] * len(lines)
    weights: dict[int, int] = {-1: own, **{i: ln.places for i, ln in enumerate(lines)}}
    share = largest_remainder(shortfall, weights)
    return share[-1], [share[i] for i in range(len(lines))]


def monitor(scenario: Scenario, proposals: ProposalSet | Iterable[AnyProposal],
            realisation: Realisation, settings: MonitorSettings, *,
            variant: str | None = None, reference_date: date | None = None) -> Monitor:
    """Book the proposals (pass only those the checker passed) and hold them against realisation.

    `reference_date`: the failure clauses' peildatum (default: the one of models/clauses/); a
    figure dated before it makes that row provisional."""
    if reference_date is None:
        from herverdeling.drafting.clauses import load_clauses

        value = load_clauses().settings.reference_date.value
        assert isinstance(value, date)  # checked when the clauses are loaded
        reference_date = value
    vname, var = settings.variant(variant)
    items = tuple(proposals.proposals if isinstance(proposals, ProposalSet) else proposals)
    clause_texts = {p.id: p.failure_clause or "" for p in items}
    ledger = build_ledger(scenario, items)
    lines = agreement_lines(ledger)
    at: dict[tuple[str, Category], list[Line]] = defaultdict(list)
    for ln in lines:
        at[(ln.realiser, ln.category)].append(ln)
    statuses: list[LineStatus] = []
    own_short: dict[tuple[str, Category], int] = {}
    for r in ledger.rows:
        key = (r.cbs_code, r.category)
        here = at.get(key, [])
        rec = realisation.of(*key)
        task = int(r.ibt_task)
        own = task - sum(ln.places for ln in here)
        short = _shortfall(task, rec)
        own_u, line_u = split_shortfall(short or 0, max(own, 0), here)
        own_short[key] = own_u
        for ln, u in zip(here, line_u, strict=True):
            effect = var.effect[ln.kind]
            statuses.append(LineStatus(line=ln, unrealised=u, effect=effect,
                                       returned=u if effect == "lapse" else 0))
    returned_in: dict[tuple[str, Category], int] = defaultdict(int)
    released: dict[tuple[str, Category], int] = defaultdict(int)
    texts: dict[tuple[str, Category], list[str]] = defaultdict(list)
    tally: dict[tuple[str, Category], _Tally] = defaultdict(_Tally)
    for s in statuses:
        ln = s.line
        if not s.unrealised:
            continue
        origin_name = scenario.municipality(ln.origin).name
        realiser_name = scenario.municipality(ln.realiser).name
        if s.returned:
            returned_in[(ln.origin, ln.category)] += s.returned
            if ln.releases_realiser:
                released[(ln.realiser, ln.category)] += s.returned
            texts[(ln.realiser, ln.category)].append(
                f"{ln.proposal_id}: {s.unrealised} niet gerealiseerd, terug naar {origin_name}")
            texts[(ln.origin, ln.category)].append(
                f"{ln.proposal_id}: {s.returned} terug van {realiser_name}")
            here_t, there_t = tally[(ln.realiser, ln.category)], tally[(ln.origin, ln.category)]
            here_t.back += s.returned
            here_t.back_to.add(ln.origin)
            there_t.came += s.returned
            there_t.came_from.add(ln.realiser)
        else:
            tally[(ln.realiser, ln.category)].stays += s.unrealised
            texts[(ln.realiser, ln.category)].append(
                f"{ln.proposal_id}: {s.unrealised} niet gerealiseerd, blijft bij {realiser_name}")
    rows = []
    for r in ledger.rows:
        key = (r.cbs_code, r.category)
        rec = realisation.of(*key)
        task = int(r.ibt_task)
        here = at.get(key, [])
        after = task - released[key] + returned_in[key]
        rows.append(MonitorRow(
            cbs_code=r.cbs_code, name=r.name, province=r.province, category=r.category,
            ibt_task=task, realised=None if rec is None else rec.realised,
            realised_on=None if rec is None else rec.date, source="" if rec is None else rec.source,
            shortfall=_shortfall(task, rec),
            accountable=_accountable_text(scenario, task - sum(ln.places for ln in here), here, r),
            own_unrealised=own_short[key], returned_in=returned_in[key], released=released[key],
            task_after_clause=after,
            shortfall_after_clause=_shortfall(after, rec),
            accountable_summary=_accountable_summary(task - sum(ln.places for ln in here), here, r),
            clause_effect="; ".join(texts[key]), effect_summary=tally[key].summary() if key in tally else "",
            provisional=rec is not None and rec.date < reference_date,
            agreements=tuple(dict.fromkeys(e.proposal_id for e in r.entries)),
        ))
    return Monitor(scenario=scenario.name, scenario_hash=scenario.content_hash(),
                   realisation_file=realisation.file, variant=vname, variant_label=var.label,
                   reference_date=reference_date,
                   rows=tuple(rows), lines=tuple(statuses),
                   agreements=_agreements(statuses, realisation, var, clause_texts),
                   provinces=_provinces(scenario, rows))


@dataclass
class _Tally:
    """What the clauses move at one row, for its one-line summary."""

    back: int = 0
    back_to: set[str] = dc_field(default_factory=set)
    stays: int = 0
    came: int = 0
    came_from: set[str] = dc_field(default_factory=set)

    def summary(self) -> str:
        return _effect_summary(self.back, len(self.back_to), self.stays, self.came,
                               len(self.came_from))


def _agreements(statuses: list[LineStatus], realisation: Realisation, var: ClauseVariant,
                clause_texts: dict[str, str]) -> tuple[AgreementStatus, ...]:
    by: dict[str, list[LineStatus]] = defaultdict(list)
    for s in statuses:
        by[s.line.proposal_id].append(s)
    out = []
    for pid, group in by.items():
        kind = group[0].line.kind
        reported = all(realisation.of(s.line.realiser, s.line.category) is not None for s in group)
        unrealised = sum(s.unrealised for s in group)
        returned = sum(s.returned for s in group)
        if not reported:
            effect = "nog niet alle realiseerders hebben gemeld"
        elif not unrealised:
            effect = "volledig gerealiseerd"
        elif var.effect[kind] == "lapse":
            effect = f"{returned} plaatsen terug naar de oorspronkelijke gemeente(n)"
        else:
            effect = f"{unrealised} plaatsen blijven verschuldigd door de realiserende partij"
        out.append(AgreementStatus(proposal_id=pid, kind=kind, places=sum(s.line.places for s in group),
                                   unrealised=unrealised if reported else None, returned=returned,
                                   effect=effect, clause_text=clause_texts.get(pid, "")))
    return tuple(sorted(out, key=lambda a: a.proposal_id))


def _provinces(scenario: Scenario, rows: list[MonitorRow]) -> tuple[ProvinceTotal, ...]:
    out = []
    for p in scenario.provinces:
        for cat in CATEGORIES:
            rs = [r for r in rows if r.province == p.code and r.category == cat]
            out.append(ProvinceTotal(
                province=p.code, category=cat, ibt_task=sum(r.ibt_task for r in rs),
                realised=sum(r.realised or 0 for r in rs),
                shortfall=sum(r.shortfall or 0 for r in rs),
                unreported=sum(1 for r in rs if r.realised is None and r.ibt_task > 0),
                returned=sum(r.returned_in for r in rs)))
    return tuple(out)
