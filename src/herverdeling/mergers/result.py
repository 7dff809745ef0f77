"""Typed results of the merger stage: per scope the locations found and how the solver did."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from herverdeling.proposals import Merger, ProposalSet, SolveInfo, SolveStatus, SurplusSwap
from herverdeling.scenario.model import Category


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Member(_Frozen):
    code: str
    province: str
    places: int = Field(ge=0)
    distance_km: float = Field(ge=0)


class Location(_Frozen):
    """Where small-task places end up: a host (or a task staying home) and what it takes in.

    kind: "home" (a small task's own municipality), "host" (a host whose own task is not small),
    "absorb" (a plusprovincie host absorbing across the border, point 2: a surplus swap).
    """

    host_code: str
    province: str
    category: Category
    kind: str
    own_places: int = Field(ge=0)
    members: tuple[Member, ...] = ()
    viable: bool

    @property
    def taken_in(self) -> int:
        return sum(m.places for m in self.members)

    @property
    def size(self) -> int:
        return self.own_places + self.taken_in


class ScopeResult(_Frozen):
    """One model: one province (or a cross-border group of provinces) and one category."""

    scope: str  # e.g. "NB/regulier" or "GE+FL/amv"
    provinces: tuple[str, ...]
    category: Category
    small_tasks: int
    small_places: int
    status: SolveStatus  # OPTIMAL only if every lexicographic level was proven optimal
    objectives: dict[str, float]  # per level name, in the objective's units
    bounds: dict[str, float | None]
    locations: tuple[Location, ...]
    solve_info: tuple[SolveInfo, ...]
    seconds: float = Field(ge=0)


class MergerResult(_Frozen):
    scenario: str
    scenario_hash: str
    status: SolveStatus
    scopes: tuple[ScopeResult, ...]
    mergers: tuple[Merger, ...]
    surplus_swaps: tuple[SurplusSwap, ...] = ()
    seconds: float = Field(ge=0)
    notes: tuple[str, ...] = ()

    def solve_info(self) -> tuple[SolveInfo, ...]:
        return tuple(info for s in self.scopes for info in s.solve_info)

    def proposal_set(self, as_of: date) -> ProposalSet:
        return ProposalSet(scenario=self.scenario, scenario_hash=self.scenario_hash, as_of=as_of,
                           proposals=(*self.mergers, *self.surplus_swaps),
                           solve_info=self.solve_info(), notes=self.notes)

    def summary(self) -> str:
        lines = []
        for s in self.scopes:
            obj = ", ".join(f"{k}={v:g}" for k, v in s.objectives.items())
            lines.append(f"{s.scope}: {s.small_tasks} small tasks ({s.small_places} places) "
                         f"{s.status} [{obj}] {s.seconds:.2f}s")
        for m in self.mergers:
            members = ", ".join(f"{t.from_code} {t.places} ({t.distance_km:.1f} km)"
                                for t in m.transfers)
            lines.append(f"  {m.id}: host {m.host_code} own {m.host_own_places} + {members} "
                         f"-> {m.location_size}")
        for sw in self.surplus_swaps:
            rel = ", ".join(f"{t.from_code} {t.places}" for t in sw.transfers)
            lines.append(f"  {sw.id}: {sw.sink_province} -> {sw.source_province}: {rel}")
        lines.append(f"status {self.status}, {len(self.mergers)} mergers, "
                     f"{len(self.surplus_swaps)} surplus swaps, {self.seconds:.2f}s")
        return "\n".join(lines)
