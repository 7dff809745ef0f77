"""What each municipality already gives, receives, hosts and is relieved of, per category.

The stages run one after another (surplus swaps, mergers, uitruil); each must see what the earlier
ones committed, so that no place is promised twice (G3) and no municipality takes two roles that
contradict each other in one category (D3). `commitments_of(proposals)` is the one fold of a
proposal set into that picture; the stages read it, nobody builds the maps by hand.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field

from herverdeling.proposals import AnyProposal, Merger, SurplusSwap, Uitruil
from herverdeling.scenario.model import CATEGORIES, Category, Scenario

_FIELDS = ("relieved", "backs", "merged_away", "hosts", "host_own", "handed_over", "realises")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Commitment(_Frozen):
    """One municipality and category: its places in each role across the proposal set."""

    code: str
    category: Category
    relieved: int = Field(0, ge=0)  # relieved by surplus swaps (sink side, P5)
    backs: int = Field(0, ge=0)  # extra places that back a surplus swap (source side, P2)
    merged_away: int = Field(0, ge=0)  # a merger member's places, now with the host (S4)
    hosts: int = Field(0, ge=0)  # places a merger host takes in (S4)
    host_own: int = Field(0, ge=0)  # a merger host's own places, part of the new location
    handed_over: int = Field(0, ge=0)  # uitruil: handed over to a realiser
    realises: int = Field(0, ge=0)  # uitruil: realised for another municipality

    @property
    def committed(self) -> int:
        """Places of its own task no longer free to hand over: relieved, merged, hosted or handed."""
        return self.relieved + self.merged_away + self.host_own + self.handed_over

    @property
    def takes_on(self) -> bool:
        """It realises places for others in this category (merger host or uitruil realiser)."""
        return self.hosts > 0 or self.realises > 0


class SwappedOut(_Frozen):
    """Places a plusprovincie's surplus already backs, per category (P2)."""

    province: str
    category: Category
    places: int = Field(ge=0)


_NONE = {c: Commitment(code="", category=c) for c in CATEGORIES}


class Commitments(_Frozen):
    """All commitments of a proposal set; `of(code, category)` is zero for the uncommitted."""

    entries: tuple[Commitment, ...] = ()
    swapped_out: tuple[SwappedOut, ...] = ()
    # D3: a relieved municipality may not host or realise in that category (the deal chain)
    exclusive_roles: bool = False

    @cached_property
    def _index(self) -> dict[tuple[str, Category], Commitment]:
        return {(e.code, e.category): e for e in self.entries}

    @cached_property
    def _out(self) -> dict[tuple[str, Category], int]:
        return {(o.province, o.category): o.places for o in self.swapped_out}

    def of(self, code: str, category: Category) -> Commitment:
        return self._index.get((code, category)) or _NONE[category].model_copy(update={"code": code})

    def relieved(self, code: str, category: Category) -> int:
        return self.of(code, category).relieved

    def may_take_on(self, code: str, category: Category) -> bool:
        """D3 where roles are exclusive: a municipality relieved in a category takes on none."""
        return not (self.exclusive_roles and self.relieved(code, category) > 0)

    def surplus_left(self, scenario: Scenario, province: str, category: Category) -> int:
        """A plusprovincie's surplus minus what the swaps already promised (P2)."""
        return scenario.surplus(province).get(category) - self._out.get((province, category), 0)

    def extra_left(self, scenario: Scenario, code: str, category: Category) -> int:
        """A municipality's extra places not yet backing a swap (G3: nothing promised twice)."""
        return scenario.municipality(code).extra.get(category) - self.of(code, category).backs

    def relieved_total(self, category: Category, codes: Iterable[str] | None = None) -> int:
        wanted = None if codes is None else set(codes)
        return sum(e.relieved for e in self.entries
                   if e.category == category and (wanted is None or e.code in wanted))


def commitments_of(proposals: Iterable[AnyProposal], *, exclusive_roles: bool = False) -> Commitments:
    """Fold proposals into commitments: the only place the stages' roles are added up."""
    acc: dict[tuple[str, Category], dict[str, int]] = defaultdict(lambda: dict.fromkeys(_FIELDS, 0))
    out: dict[tuple[str, Category], int] = defaultdict(int)
    for p in proposals:
        for t in p.transfers:
            places = int(t.places)
            if isinstance(p, SurplusSwap):
                acc[(t.from_code, t.category)]["relieved"] += places
                acc[(t.to_code, t.category)]["backs"] += places
                out[(p.source_province, t.category)] += places
            elif isinstance(p, Merger):
                acc[(t.from_code, t.category)]["merged_away"] += places
                acc[(t.to_code, t.category)]["hosts"] += places
            elif isinstance(p, Uitruil):
                acc[(t.from_code, t.category)]["handed_over"] += places
                acc[(t.to_code, t.category)]["realises"] += places
        if isinstance(p, Merger):
            acc[(p.host_code, p.category)]["host_own"] += int(p.host_own_places)
    return Commitments(
        exclusive_roles=exclusive_roles,
        entries=tuple(Commitment(code=code, category=cat, **acc[(code, cat)])
                      for code, cat in sorted(acc, key=_key)),
        swapped_out=tuple(SwappedOut(province=prov, category=cat, places=out[(prov, cat)])
                          for prov, cat in sorted(out, key=_key)),
    )


def _key(k: tuple[str, Category]) -> tuple[str, int]:
    return k[0], CATEGORIES.index(k[1])
