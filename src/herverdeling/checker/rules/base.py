"""The rule catalogue's machinery: a rule is one small function, registered once with its metadata.

A rule function takes the check context and one proposal and yields `Hit`s; the catalogue turns
each hit into a `Finding` with the rule's id, severity, section and message templates filled in.
Adding a rule touches one place: the decorated function.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from herverdeling.checker.findings import Finding, Severity
from herverdeling.deal_rules import DealRules
from herverdeling.dutch import datum
from herverdeling.proposals import (
    AnyProposal,
    Merger,
    ProposalKind,
    ProposalSet,
    RegisterState,
    SurplusSwap,
    Uitruil,
)
from herverdeling.scenario.model import Category, Municipality, Scenario

ALL_KINDS: tuple[ProposalKind, ...] = ("surplus_swap", "merger", "uitruil")

# Sections of the informatiebericht (data/sources/informatiebericht-uitruil-samenvoegen.txt).
SEC_VB = "De verdeelbesluiten"
SEC_1 = "1. Het maken van uitruilafspraken binnen een provincie"
SEC_2 = "2. Het samenvoegen van opgaven"
SEC_3 = "3. Afspraken waarbij het provinciale surplus wordt ingezet"
SEC_K = "Kortom"
# D1-D4 are this project's model choices, not the note's: they cite their settings instead.
SEC_D = "modelkeuze (deal-quality rules D1-D4, models/deals/)"


@dataclass(frozen=True)
class Hit:
    """One violation (or open step) found by a rule function; `variant` picks the message template."""

    variant: str = "default"
    values: Mapping[str, object] = field(default_factory=dict)
    municipalities: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    severity: Severity | None = None  # None: the rule's own severity; process rules may say "open"


RuleFunc = Callable[["Context", AnyProposal], Iterator[Hit]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    section: str
    title_nl: str
    title_en: str
    kinds: tuple[ProposalKind, ...]
    messages: dict[str, tuple[str, str]]  # variant -> (Dutch template, English template)
    func: RuleFunc

    def applies_to(self, proposal: AnyProposal) -> bool:
        return proposal.kind in self.kinds

    def findings(self, ctx: Context, proposal: AnyProposal) -> list[Finding]:
        out = []
        for hit in self.func(ctx, proposal):
            nl, en = self.messages[hit.variant]
            values = {k: ctx.fmt(v) for k, v in hit.values.items()}
            values_nl = {k: ctx.fmt(v, "nl") for k, v in hit.values.items()}
            numbers = {k: v for k, v in hit.values.items()
                       if isinstance(v, int | float | str) and not isinstance(v, bool)}
            out.append(Finding(
                rule_id=self.id, severity=hit.severity or self.severity, proposal_id=proposal.id,
                message_nl=nl.format(**values_nl), message_en=en.format(**values),
                section=self.section, municipalities=tuple(dict.fromkeys(hit.municipalities)),
                provinces=tuple(dict.fromkeys(hit.provinces)), numbers=numbers,
            ))
        return out


CATALOGUE: dict[str, Rule] = {}


def rule(
    rule_id: str,
    *,
    section: str,
    title_nl: str,
    title_en: str,
    messages: dict[str, tuple[str, str]],
    kinds: tuple[ProposalKind, ...] = ALL_KINDS,
    severity: Severity = "error",
) -> Callable[[RuleFunc], RuleFunc]:
    """Register a rule function in the one catalogue."""

    def deco(func: RuleFunc) -> RuleFunc:
        if rule_id in CATALOGUE:
            raise ValueError(f"rule {rule_id} registered twice")
        CATALOGUE[rule_id] = Rule(rule_id, severity, section, title_nl, title_en, kinds, messages,
                                  func)
        return func

    return deco


class Muni(str):
    """A CBS code that formats as 'Name (GM0000)' in messages."""


class Prov(str):
    """A province code that formats as 'Name (XX)' in messages."""


@dataclass(frozen=True)
class Contribution:
    proposal_id: str
    places: float


class Context:
    """The scenario, the whole proposal set and the aggregates the set-level rules (G3, P2, P11) need."""

    def __init__(self, scenario: Scenario, proposals: ProposalSet,
                 deal_rules: DealRules | None = None, register: RegisterState | None = None) -> None:
        self.scenario = scenario
        self.proposals = proposals
        self.deal_rules = deal_rules or DealRules()
        self.register = register
        # A step the register records on a date means the round stands at least there: the
        # peildatum moves to the register's latest date, so recorded steps are not "in the future".
        latest = register.latest() if register is not None else None
        self.as_of: date = max(scenario.round.as_of, latest) if latest else scenario.round.as_of
        self.deadline: date = scenario.round.notification_deadline

    def withdrawn_on(self, proposal: AnyProposal) -> date | None:
        """The date the register says the agreement was withdrawn, if it was."""
        entry = self.register.entry(proposal.id) if self.register is not None else None
        return entry.withdrawn_on if entry is not None else None

    # ---- lookups that never raise ----------------------------------------------------------
    def muni(self, code: str | None) -> Municipality | None:
        if code is None or not self.scenario.has_municipality(code):
            return None
        return self.scenario.municipality(code)

    def province_of(self, code: str) -> str | None:
        m = self.muni(code)
        return m.province if m else None

    def fmt(self, value: object, lang: str = "en") -> str:
        """A value as a message shows it; a Dutch message writes dates as '1 juni 2025'."""
        if isinstance(value, date) and lang == "nl":
            return datum(value)
        if isinstance(value, Muni):
            m = self.muni(value)
            return f"{m.name} ({value})" if m else str(value)
        if isinstance(value, Prov):
            if self.scenario.has_province(value):
                return f"{self.scenario.province(value).name} ({value})"
            return str(value)
        if isinstance(value, float) and math.isfinite(value) and value == int(value):
            return str(int(value))
        if isinstance(value, list | tuple):
            return ", ".join(self.fmt(v, lang) for v in value)
        return str(value)

    # ---- set-level aggregates (all proposals, every kind) -----------------------------------
    @cached_property
    def handed_over(self) -> dict[tuple[str, Category], list[Contribution]]:
        """Per (municipality, category): every place it hands over, is merged away or relieved of (G3)."""
        out: dict[tuple[str, Category], list[Contribution]] = defaultdict(list)
        for p in self.proposals.proposals:
            for t in p.transfers:
                out[(t.from_code, t.category)].append(Contribution(p.id, t.places))
        return out

    @cached_property
    def relief(self) -> dict[tuple[str, Category], list[Contribution]]:
        """Per (relieved municipality, category): relief by surplus swaps (P11)."""
        out: dict[tuple[str, Category], list[Contribution]] = defaultdict(list)
        for p in self.proposals.of_kind("surplus_swap"):
            for t in p.transfers:
                out[(t.from_code, t.category)].append(Contribution(p.id, t.places))
        return out

    @cached_property
    def relief_sources(self) -> dict[tuple[str, Category], list[str]]:
        """Per (relieved municipality, category): the distinct source provinces, in order (D1)."""
        out: dict[tuple[str, Category], list[str]] = defaultdict(list)
        for p in self.proposals.of_kind("surplus_swap"):
            assert isinstance(p, SurplusSwap)
            for t in p.transfers:
                if p.source_province not in out[(t.from_code, t.category)]:
                    out[(t.from_code, t.category)].append(p.source_province)
        return out

    @cached_property
    def takes_on(self) -> dict[tuple[str, Category], list[str]]:
        """Per (municipality, category): the roles in which it realises places for others (D3)."""
        out: dict[tuple[str, Category], list[str]] = defaultdict(list)
        for p in self.proposals.proposals:
            if isinstance(p, Merger | Uitruil):
                role = "gastgemeente" if isinstance(p, Merger) else "realiserende gemeente"
                for t in p.transfers:
                    if role not in out[(t.to_code, t.category)]:
                        out[(t.to_code, t.category)].append(role)
        return out

    @cached_property
    def backed(self) -> dict[tuple[str, Category], list[Contribution]]:
        """Per (plusprovincie municipality, category): extra places promised to back relief (G3)."""
        out: dict[tuple[str, Category], list[Contribution]] = defaultdict(list)
        for p in self.proposals.of_kind("surplus_swap"):
            for t in p.transfers:
                out[(t.to_code, t.category)].append(Contribution(p.id, t.places))
        return out

    @cached_property
    def swapped_out(self) -> dict[tuple[str, Category], list[Contribution]]:
        """Per (source province as the proposal names it, category): places promised (P2)."""
        out: dict[tuple[str, Category], list[Contribution]] = defaultdict(list)
        for p in self.proposals.of_kind("surplus_swap"):
            assert isinstance(p, SurplusSwap)
            for t in p.transfers:
                out[(p.source_province, t.category)].append(Contribution(p.id, t.places))
        return out


def total(contributions: list[Contribution]) -> float:
    return sum(c.places for c in contributions)


def proposal_ids(contributions: list[Contribution]) -> list[str]:
    return list(dict.fromkeys(c.proposal_id for c in contributions))


def is_whole(value: object) -> bool:
    """G1: a whole number >= 0 (bools and non-finite floats are not places)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if isinstance(value, float) and (not math.isfinite(value) or value != int(value)):
        return False
    return value >= 0


def involved_codes(p: AnyProposal) -> list[str]:
    """Every municipality the proposal moves places between (and a merger's host), in order."""
    codes: list[str] = []
    for t in p.transfers:
        codes += [t.from_code, t.to_code]
    if isinstance(p, Merger):
        codes.append(p.host_code)
    return list(dict.fromkeys(codes))


def party_codes(p: AnyProposal, kind: str) -> set[str]:
    return {party.code for party in p.parties if party.kind == kind}
