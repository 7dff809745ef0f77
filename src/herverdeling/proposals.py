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


# The agreement register's states (issue 17, point 5), in the order an agreement goes through them;
# "withdrawn" may follow any state but "processed". Kept here because the checker reads them.
RegisterStep = Literal["concept", "signed", "prt_informed", "ministry_informed", "processed", "withdrawn"]
REGISTER_STEPS: tuple[RegisterStep, ...] = ("concept", "signed", "prt_informed", "ministry_informed",
                                            "processed")


class RegisterEntry(Contract):
    """One agreement's current state as the register derives it from its events, with the dates."""

    agreement_id: str
    state: RegisterStep = "concept"
    signed_on: date | None = None
    prt_informed_on: date | None = None
    ministry_informed_on: date | None = None
    processed_on: date | None = None
    amendment: str | None = None  # the amendment of the verdeelbesluit that took it in (U5)
    withdrawn_on: date | None = None

    def process(self) -> ProcessState:
        """The process state the checker judges: signed with its dates, or still a draft."""
        return ProcessState(status="draft" if self.signed_on is None else "signed",
                            signed_on=self.signed_on, prt_informed_on=self.prt_informed_on,
                            ministry_informed_on=self.ministry_informed_on)

    def latest(self) -> date | None:
        """The date of the last step recorded (None for a concept)."""
        days = [d for d in (self.signed_on, self.prt_informed_on, self.ministry_informed_on,
                            self.processed_on, self.withdrawn_on) if d is not None]
        return max(days) if days else None


class RegisterState(Contract):
    """A snapshot of the register for one scenario (name and content hash): what the checker reads.

    The checker never opens a database: the front end reads the register and passes this in.
    """

    scenario: str
    scenario_hash: str
    entries: tuple[RegisterEntry, ...] = ()

    def entry(self, agreement_id: str) -> RegisterEntry | None:
        for e in self.entries:
            if e.agreement_id == agreement_id:
                return e
        return None

    def latest(self) -> date | None:
        """The latest step date in the register: the round stands at least there."""
        days = [d for e in self.entries if (d := e.latest()) is not None]
        return max(days) if days else None


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
