"""What the uitruil stage hands on: proposals, how each solve went, and what found no partner."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from herverdeling.proposals import Contract, SolveInfo, Uitruil
from herverdeling.scenario.model import Category

UnmatchedReason = Literal[
    "above_task",  # asked to hand over more than its verdeelbesluit task
    "committed_elsewhere",  # part of the task is already relieved (surplus swap) or merged
    "no_counter_performance",  # offers nothing in return
    "no_offer",  # nobody else in the province offers places of this category
    "beyond_distance",  # every offer of this category is beyond the distance limit
    "counter_performance_not_wanted",  # no realiser within reach has a task of the kind offered
    "capacity",  # willing partners exist, but their offers, room or the limits are used up
    "not_proven",  # the solver stopped before proving no more could be matched
]


class Unmatched(Contract):
    """A requested number of places that no willing partner takes, with the reason."""

    cbs_code: str
    name: str
    province: str
    category: Category
    places: int = Field(ge=1)
    reason_code: UnmatchedReason
    reason: str


class UitruilResult(Contract):
    """All uitruil proposals of one run; `solve_info` has one entry per province solved."""

    scenario: str
    settings_id: str
    provinces: tuple[str, ...]
    proposals: tuple[Uitruil, ...] = ()
    solve_info: tuple[SolveInfo, ...] = ()
    unmatched: tuple[Unmatched, ...] = ()

    def places_handed_over(self, category: Category | None = None) -> int:
        return int(sum(t.places for p in self.proposals for t in p.transfers
                       if category is None or t.category == category))

    def places_unmatched(self, category: Category | None = None) -> int:
        return sum(u.places for u in self.unmatched if category is None or u.category == category)

    def summary(self) -> str:
        """A plain-text report for the command line."""
        lines = [f"Uitruil, scenario {self.scenario} (settings {self.settings_id}): "
                 f"{len(self.proposals)} proposals, {self.places_handed_over()} places handed over, "
                 f"{self.places_unmatched()} requested places unmatched."]
        for p in self.proposals:
            lines.append("")
            names = {party.code: party.name for party in p.parties}
            lines.append(f"{p.id}  ({p.province})")
            for t in p.transfers:
                lines.append(f"  {names.get(t.from_code, t.from_code)} ({t.from_code}) -> "
                             f"{names.get(t.to_code, t.to_code)} ({t.to_code}): {t.places} {t.category}"
                             f", {t.distance_km} km")
            for cp in p.counter_performance:
                lines.append(f"  tegenprestatie: {cp.description}")
        if self.unmatched:
            lines.append("")
            lines.append("Unmatched requests:")
            for u in self.unmatched:
                lines.append(f"  {u.name} ({u.cbs_code}, {u.province}) {u.places} {u.category}: "
                             f"{u.reason}")
        if self.solve_info:
            lines.append("")
            lines.append("Solver (CP-SAT), per province: status, places, bound, gap, seconds")
            for s in self.solve_info:
                lines.append(f"  {s.scope}: {s.status}, {s.objective}, {s.best_bound}, "
                             f"{s.gap if s.gap is None else round(s.gap, 4)}, {s.seconds}")
        return "\n".join(lines)
