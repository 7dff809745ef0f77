"""The register joined with a proposal set: every agreement, with its current state.

An agreement without events is a concept (the draft). A register entry whose id is not in the
proposal set (made with other settings) is listed too, marked as such, so nothing recorded hides.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from herverdeling.proposals import ProposalKind, ProposalSet, RegisterEntry, RegisterState
from herverdeling.register.model import Agreement


class RegisterRow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    agreement_id: str
    kind: ProposalKind | None
    drafted_on: date | None
    entry: RegisterEntry
    in_proposals: bool


def agreements_from(proposals: ProposalSet) -> dict[str, Agreement]:
    """The agreements a proposal set drafts, by id; their own date is the set's as_of."""
    return {p.id: Agreement(id=p.id, kind=p.kind, drafted_on=proposals.as_of)
            for p in proposals.proposals}


def overview(proposals: ProposalSet, snapshot: RegisterState) -> tuple[RegisterRow, ...]:
    """One row per agreement of the set (in its order), then the register's other entries."""
    rows = []
    for p in proposals.proposals:
        entry = snapshot.entry(p.id) or RegisterEntry(agreement_id=p.id)
        rows.append(RegisterRow(agreement_id=p.id, kind=p.kind, drafted_on=proposals.as_of,
                                entry=entry, in_proposals=True))
    known = {p.id for p in proposals.proposals}
    rows += [RegisterRow(agreement_id=e.agreement_id, kind=None, drafted_on=None, entry=e,
                         in_proposals=False) for e in snapshot.entries if e.agreement_id not in known]
    return tuple(rows)
