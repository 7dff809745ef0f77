"""What the deal model decided, per category: reliefs grouped into agreements, and per level how
the solve went. The drafting module turns this into SurplusSwap proposals; this module does not."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from herverdeling.proposals import SolveInfo
from herverdeling.scenario.model import Category


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Relief(_Frozen):
    """P5: `code` realises `places` fewer places of `category`, backed by extra places of the named
    municipalities of `source_province` (D1: one plusprovincie)."""

    code: str
    category: Category
    places: int = Field(ge=1)
    source_province: str
    backing: tuple[tuple[str, int], ...]


class Agreement(_Frozen):
    """One uitruilovereenkomst (P4): one plusprovincie, one sink province, one category.
    `parties`: the two provinces, then the relieved and the backing municipalities (codes)."""

    id: str
    source_province: str
    sink_province: str
    category: Category
    reliefs: tuple[Relief, ...]
    parties: tuple[str, ...]

    @property
    def places(self) -> int:
        return sum(r.places for r in self.reliefs)

    @property
    def backers(self) -> tuple[str, ...]:
        return tuple(sorted({s for r in self.reliefs for s, _ in r.backing}))


class CategoryDeals(_Frozen):
    """One category: the proven maximum relief, the floor the later levels kept, and the deals."""

    category: Category
    surplus_max: int = 0  # the P-rules maximum (all the surplus that can flow): relief_base surplus
    max_relief: int  # the proven maximum under the hard rules (D1-D3, max_parties, max_partners)
    relief_floor: int
    relief: int
    agreements: tuple[Agreement, ...]
    fairness: float  # places: sum over sink provinces of |relief - proportional share|
    place_km: float
    solve_info: tuple[SolveInfo, ...]


class DealResult(_Frozen):
    scenario: str
    scenario_hash: str
    settings: str
    categories: tuple[CategoryDeals, ...]

    @property
    def agreements(self) -> tuple[Agreement, ...]:
        return tuple(a for c in self.categories for a in c.agreements)

    @property
    def reliefs(self) -> tuple[Relief, ...]:
        return tuple(r for a in self.agreements for r in a.reliefs)

    @property
    def solve_info(self) -> tuple[SolveInfo, ...]:
        return tuple(i for c in self.categories for i in c.solve_info)

    @property
    def relief(self) -> int:
        return sum(c.relief for c in self.categories)

    def category(self, category: Category) -> CategoryDeals:
        return next(c for c in self.categories if c.category == category)
