"""The IBT ledger: after all agreements, which task IBT holds each municipality to, and for whom.

Per municipality and category:
  verdeelbesluit task
  + places taken over by uitruil or as merger host (amended_in)
  - places handed over by uitruil or as merger member (amended_out)
  = amended task (U5, S4: the amended verdeelbesluit; each province's total is unchanged)
  - relief by surplus swaps (P8: no amendment, it only counts when IBT is applied)
  = IBT task.
A plusprovincie municipality backing a swap keeps its task (its extra places already count, P9);
`backs_relief` shows how many of them a swap relies on. `owes` splits the IBT task by origin: the
municipality's own remaining verdeelbesluit places and each place it took over (proposal, from whom),
so every verdeelbesluit place is owed by exactly one municipality or relieved (U6, S3).
"""

from __future__ import annotations

import csv
import io
import math
import textwrap
from collections import defaultdict
from collections.abc import Iterable
from fractions import Fraction
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from herverdeling.errors import ProposalInputError
from herverdeling.proposals import AnyProposal, ProposalKind, ProposalSet, SurplusSwap
from herverdeling.scenario.model import CATEGORIES, Category, Scenario

Number = int | float


def _n(x: Number) -> Number:
    """Whole floats print and store as ints."""
    return int(x) if isinstance(x, float) and x.is_integer() else x


def _booked(x: Fraction, code: str, category: Category) -> Number:
    """An exact sum as the ledger stores it: an int when whole, else the nearest float; refused by
    name when no float holds it."""
    if x.denominator == 1:
        return int(x)
    try:
        return float(x)
    except OverflowError:
        raise ProposalInputError(f"{code}/{category}: {x.numerator // x.denominator} places and a "
                                 "fraction is beyond what the ledger can book (rule G1); run "
                                 "`herverdeling check` first") from None


def _adds_up(total: Number, *terms: Number) -> bool:
    """total == sum(terms), computed exactly (as fractions: whole floats become ints, `_n`, and two
    huge ones can add up beyond any float). Exact where every value is an int; with a float, up to
    the rounding that float sums of these terms carry, relative to the largest term, not to the
    total: in and out of 4.5e15 places each leave a total of 20 that is off by 0.5 in floats (both
    found by the fuzz test)."""
    values = (total, *terms)
    if any(isinstance(x, float) and not math.isfinite(x) for x in values):
        return False
    exact = [Fraction(x) for x in values]
    diff = abs(exact[0] - sum(exact[1:], Fraction(0)))
    if all(isinstance(x, int) for x in values):
        return diff == 0
    return diff <= max(Fraction(1), *map(abs, exact)) / 10**9


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LedgerEntry(_Frozen):
    """One proposal's effect on one row."""

    proposal_id: str
    kind: ProposalKind
    effect: Literal["in", "out", "relief", "backs"]
    counterpart: str
    places: Number


class Obligation(_Frozen):
    """Places the row's municipality owes under IBT, by where they come from."""

    origin_code: str  # whose verdeelbesluit place this was
    proposal_id: str | None = None  # None: its own verdeelbesluit places
    places: Number


class LedgerRow(_Frozen):
    cbs_code: str
    name: str
    province: str
    category: Category
    verdeelbesluit: int
    amended_in: Number = 0
    amended_out: Number = 0
    amended: Number
    relief: Number = 0
    ibt_task: Number
    backs_relief: Number = 0
    entries: tuple[LedgerEntry, ...] = ()
    owes: tuple[Obligation, ...] = ()

    @model_validator(mode="after")
    def _arithmetic(self) -> LedgerRow:
        if not _adds_up(self.amended, self.verdeelbesluit, self.amended_in, -self.amended_out):
            raise ValueError(f"{self.cbs_code}/{self.category}: amended does not add up")
        if not _adds_up(self.ibt_task, self.amended, -self.relief):
            raise ValueError(f"{self.cbs_code}/{self.category}: IBT task does not add up")
        if not _adds_up(self.ibt_task, *(o.places for o in self.owes)):
            raise ValueError(f"{self.cbs_code}/{self.category}: obligations do not add up to the IBT task")
        return self

    @property
    def changed(self) -> bool:
        return bool(self.entries)

    def accountable_text(self) -> str:
        parts = []
        for o in self.owes:
            if o.proposal_id is None:
                parts.append(f"own {_n(o.places)}")
            else:
                parts.append(f"{o.proposal_id} from {o.origin_code} {_n(o.places)}")
        return "; ".join(parts)


BOOKED_WIDTH = 100  # the header wraps the booked ids at this many characters
_KIND_LABEL = {"surplus_swap": "surplus swaps", "merger": "mergers", "uitruil": "uitruil"}

CSV_COLUMNS = ["cbs_code", "name", "province", "category", "verdeelbesluit", "amended_in", "amended_out",
               "amended", "relief", "ibt_task", "backs_relief", "accountable_for", "proposals"]


class Ledger(_Frozen):
    scenario: str
    applied: tuple[str, ...] = ()  # ids of the proposals booked
    rows: tuple[LedgerRow, ...]

    @cached_property
    def _index(self) -> dict[tuple[str, str], LedgerRow]:
        return {(r.cbs_code, r.category): r for r in self.rows}

    def row(self, cbs_code: str, category: Category) -> LedgerRow:
        return self._index[(cbs_code, category)]

    def province_totals(self, province: str, category: Category) -> dict[str, Number]:
        rows = [r for r in self.rows if r.province == province and r.category == category]
        return {f: _n(sum(getattr(r, f) for r in rows))
                for f in ("verdeelbesluit", "amended", "relief", "ibt_task", "backs_relief")}

    def changed_rows(self) -> tuple[LedgerRow, ...]:
        return tuple(r for r in self.rows if r.changed)

    def to_csv(self, *, only_changed: bool = False) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        for r in self.changed_rows() if only_changed else self.rows:
            w.writerow([r.cbs_code, r.name, r.province, r.category, r.verdeelbesluit,
                        _n(r.amended_in), _n(r.amended_out), _n(r.amended), _n(r.relief), _n(r.ibt_task),
                        _n(r.backs_relief), r.accountable_text(),
                        " ".join(dict.fromkeys(e.proposal_id for e in r.entries))])
        return buf.getvalue()

    def _booked_lines(self, width: int = BOOKED_WIDTH) -> list[str]:
        """The booked ids grouped by kind and wrapped under each other: a hundred ids stay readable."""
        if not self.applied:
            return [f"IBT ledger, scenario {self.scenario}; proposals booked: none"]
        kind_of = {e.proposal_id: e.kind for r in self.rows for e in r.entries}
        groups: dict[str, list[str]] = {}
        for pid in self.applied:  # booking order; a proposal without transfers has no kind to show
            groups.setdefault(_KIND_LABEL.get(kind_of.get(pid, ""), "other"), []).append(pid)
        labels = {k: f"{k} ({len(ids)}):" for k, ids in groups.items()}
        indent = 2 + max(len(v) for v in labels.values()) + 1
        lines = [f"IBT ledger, scenario {self.scenario}; {len(self.applied)} proposal(s) booked:"]
        for k, ids in groups.items():
            wrapped = textwrap.wrap(", ".join(ids), width=width, break_long_words=False,
                                    break_on_hyphens=False, initial_indent=" " * indent,
                                    subsequent_indent=" " * indent)
            lines.append("  " + labels[k].ljust(indent - 2) + wrapped[0][indent:])
            lines += wrapped[1:]
        return lines

    def render(self, *, all_rows: bool = False) -> str:
        """A readable table: the rows that changed (or all) and per-province totals."""
        head = ["gemeente", "prov", "cat", "vb", "+in", "-out", "amended", "-relief", "ibt", "backs",
                "accountable for"]
        rows = self.rows if all_rows else self.changed_rows()
        body = [[f"{r.name} ({r.cbs_code})", r.province, r.category, str(r.verdeelbesluit),
                 str(_n(r.amended_in)), str(_n(r.amended_out)), str(_n(r.amended)), str(_n(r.relief)),
                 str(_n(r.ibt_task)), str(_n(r.backs_relief)), r.accountable_text()] for r in rows]
        lines = [*self._booked_lines(), ""]
        lines += _table(head, body) if body else ["(no municipality's task changes)"]
        lines += ["", "Per province (amended = verdeelbesluit per category; ibt = amended - relief):"]
        provinces = list(dict.fromkeys(r.province for r in self.rows))
        ptab = []
        for prov in provinces:
            for cat in CATEGORIES:
                t = self.province_totals(prov, cat)
                ptab.append([prov, cat, *(str(t[k]) for k in ("verdeelbesluit", "amended", "relief",
                                                              "ibt_task", "backs_relief"))])
        lines += _table(["prov", "cat", "vb", "amended", "relief", "ibt", "backs"], ptab)
        return "\n".join(lines)


def _table(head: list[str], body: list[list[str]]) -> list[str]:
    widths = [max(len(x[i]) for x in [head, *body]) for i in range(len(head))]
    fmt = [" ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() for line in [head, *body]]
    return [fmt[0], " ".join("-" * w for w in widths), *fmt[1:]]


def build_ledger(
    scenario: Scenario, proposals: ProposalSet | Iterable[AnyProposal]
) -> Ledger:
    """Book the proposals onto the verdeelbesluit.

    Book only proposals that passed the check (`report.passed(id)`): the invariants (no negative IBT
    task, every place owed once) hold for those; other proposals are booked as given, for display.
    Unknown codes and non-numbers are refused with a ProposalInputError.
    """
    items = tuple(proposals.proposals if isinstance(proposals, ProposalSet) else proposals)
    entries: dict[tuple[str, str], list[LedgerEntry]] = defaultdict(list)
    owed_in: dict[tuple[str, str], list[Obligation]] = defaultdict(list)
    for p in items:
        for t in p.transfers:
            for code in (t.from_code, t.to_code):
                if not scenario.has_municipality(code):
                    raise ProposalInputError(f"proposal {p.id}: unknown municipality {code!r}; run "
                                             "`herverdeling check` first")
            if not math.isfinite(t.places):
                raise ProposalInputError(f"proposal {p.id}: {t.places} places is not a number (rule G1); "
                                         "run `herverdeling check` first")
            if t.places == int(t.places):  # whole: exact integer arithmetic from here on
                t = t.model_copy(update={"places": int(t.places)})
            key_from, key_to = (t.from_code, t.category), (t.to_code, t.category)
            if isinstance(p, SurplusSwap):
                entries[key_from].append(LedgerEntry(proposal_id=p.id, kind=p.kind, effect="relief",
                                                     counterpart=t.to_code, places=t.places))
                entries[key_to].append(LedgerEntry(proposal_id=p.id, kind=p.kind, effect="backs",
                                                   counterpart=t.from_code, places=t.places))
            else:
                entries[key_from].append(LedgerEntry(proposal_id=p.id, kind=p.kind, effect="out",
                                                     counterpart=t.to_code, places=t.places))
                entries[key_to].append(LedgerEntry(proposal_id=p.id, kind=p.kind, effect="in",
                                                   counterpart=t.from_code, places=t.places))
                owed_in[key_to].append(Obligation(origin_code=t.from_code, proposal_id=p.id,
                                                  places=t.places))
    rows = []
    for m in scenario.municipalities:
        for cat in CATEGORIES:
            es = tuple(entries.get((m.cbs_code, cat), ()))
            by: dict[str, Fraction] = defaultdict(Fraction)  # exact: floats of any size add up
            for e in es:
                by[e.effect] += Fraction(e.places)
            vb = m.verdeelbesluit.get(cat)
            amended = vb + by["in"] - by["out"]
            ibt = amended - by["relief"]
            own = vb - by["out"] - by["relief"]
            owes = (Obligation(origin_code=m.cbs_code, places=_booked(own, m.cbs_code, cat)),
                    *owed_in.get((m.cbs_code, cat), ()))
            sums = {"amended_in": by["in"], "amended_out": by["out"], "amended": amended,
                    "relief": by["relief"], "ibt_task": ibt, "backs_relief": by["backs"]}
            rows.append(LedgerRow(
                cbs_code=m.cbs_code, name=m.name, province=m.province, category=cat, verdeelbesluit=vb,
                entries=es, owes=owes, **{k: _booked(v, m.cbs_code, cat) for k, v in sums.items()},
            ))
    return Ledger(scenario=scenario.name, applied=tuple(p.id for p in items), rows=tuple(rows))
