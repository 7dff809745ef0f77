"""The typed contract between solvers, checker and writers.

Solvers produce these models; the checker judges them without importing a solver; writers only
render proposals the checker passed. Everything serialises to JSON and back unchanged.

Numbers of places are typed `int | float` on purpose: a hand-edited proposals file with 2.5 or -3
places must reach the checker and be reported under rule G1, not die as a parse error. Solvers
always produce whole numbers.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from herverdeling.deal_rules import DealRules
from herverdeling.scenario.model import Category

Places = int | float
ProposalKind = Literal["surplus_swap", "merger", "uitruil"]
SolveStatus = Literal["OPTIMAL", "FEASIBLE", "INFEASIBLE", "MODEL_INVALID", "UNKNOWN"]


class Contract(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Transfer(Contract):
    """Places of one category that move from one municipality's task to another's.

    - uitruil: `from_code` hands over, `to_code` realises;
    - merger: `from_code` is a member, `to_code` the host;
    - surplus swap: `from_code` is the relieved municipality (sink province), `to_code` the
      plusprovincie municipality whose extra places back the relief.
    """

    from_code: str
    to_code: str
    category: Category
    places: Places
    distance_km: float | None = None


class Party(Contract):
    """A party to (or coordinator of) an agreement."""

    kind: Literal["gemeente", "provincie", "ministerie", "prt"]
    code: str  # GM#### for a gemeente, the two-letter code for a province, "AenM" for the ministry
    name: str
    role: str = ""
    # who signs for it: the commissaris van de Koning for Gedeputeerde Staten (art. 176
    # Provinciewet), the burgemeester for the college (art. 171 Gemeentewet); empty in old files
    represented_by: str = ""


class CounterPerformance(Contract):
    """What stands against the places (U8, P10): an explicit 'none' is also an answer (G5)."""

    kind: Literal["none", "statushouders", "oekrainers", "spuk", "other", "to_agree"]
    description: str = ""
    by_code: str | None = None  # who delivers it
    to_code: str | None = None  # who benefits
    amount: Places | None = None


class ProcessState(Contract):
    """Where the agreement stands in the process (U2-U4, P4, P7); judged against the round."""

    status: Literal["draft", "signed"] = "draft"
    signed_on: date | None = None
    prt_informed_on: date | None = None
    ministry_informed_on: date | None = None


class _Proposal(Contract):
    id: str
    transfers: tuple[Transfer, ...]
    parties: tuple[Party, ...] = ()
    counter_performance: tuple[CounterPerformance, ...] = ()
    failure_clause: str | None = None  # G6: what happens if the realiser fails (in time)
    process: ProcessState = ProcessState()

    def places(self, category: Category) -> Places:
        return sum(t.places for t in self.transfers if t.category == category)


class SurplusSwap(_Proposal):
    """Section 3: a plusprovincie's surplus relieves municipalities in a restopgave province."""

    kind: Literal["surplus_swap"] = "surplus_swap"
    source_province: str
    sink_province: str
    coordinators: tuple[Party, ...] = ()  # the commissarissen van de Koning (P6)

    def relieved(self) -> dict[tuple[str, Category], Places]:
        """P5: each relieved municipality and exactly how many places, per category."""
        out: dict[tuple[str, Category], Places] = {}
        for t in self.transfers:
            out[(t.from_code, t.category)] = out.get((t.from_code, t.category), 0) + t.places
        return dict(sorted(out.items()))


class Merger(_Proposal):
    """Section 2: small tasks of one category merged at a host in the same province."""

    kind: Literal["merger"] = "merger"
    province: str
    category: Category
    host_code: str
    host_own_places: Places
    location_size: Places  # host's own task plus what it takes in (S4)

    @property
    def member_codes(self) -> tuple[str, ...]:
        return tuple(t.from_code for t in self.transfers)


class Uitruil(_Proposal):
    """Section 1: a municipality realises (part of) another's task within one province."""

    kind: Literal["uitruil"] = "uitruil"
    province: str


AnyProposal = SurplusSwap | Merger | Uitruil  # the union, named once
Proposal = Annotated[AnyProposal, Field(discriminator="kind")]


class SolveInfo(Contract):
    """What a solver run states about itself; FEASIBLE is never reported as OPTIMAL."""

    model: str
    scope: str = ""  # e.g. "NB/regulier"
    status: SolveStatus
    objective: float | None = None
    best_bound: float | None = None
    gap: float | None = None
    # wall-clock time: recorded in manifest.json only, so proposals.json is reproducible (issue 18,
    # point 5); 0 when read back from a proposals.json
    seconds: float = Field(default=0, ge=0)
    parameters: dict[str, str | int | float | bool] = {}


class ProposalSet(Contract):
    """All proposals of one run, bound to the scenario they were made for."""

    scenario: str
    scenario_hash: str
    as_of: date
    proposals: tuple[Proposal, ...] = ()
    solve_info: tuple[SolveInfo, ...] = ()
    notes: tuple[str, ...] = ()
    # D1-D4: the deal-quality settings the set was made under (absent: every rule, defaults)
    deal_rules: DealRules = DealRules()

    def of_kind(self, kind: ProposalKind) -> tuple[AnyProposal, ...]:
        return tuple(p for p in self.proposals if p.kind == kind)
