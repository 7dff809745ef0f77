"""The register's rules: which step may follow which, on what date, and the state its events add up to.

Pure functions over typed events, so the same rules hold on SQLite and PostgreSQL and can be
tested without a database. The steps per kind of agreement follow the note:

- uitruil and merger (U2-U5, S3): concept -> signed -> PRT informed -> ministry informed ->
  processed (the amendment of the verdeelbesluit that took it in, U5);
- surplus swap (P4, P7, P8): concept -> signed -> ministry informed; the note names no PRT step,
  and no verdeelbesluit is amended (P8), so "processed" does not exist for it.

Withdrawn may follow any state but processed (a processed agreement is part of an amended
verdeelbesluit; undoing it takes a new amendment) and withdrawn itself.
A step's date is never before the agreement's own date (the draft's peildatum, the proposal set's
`as_of`), never before the previous step's date, and never after today.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from herverdeling.dutch import datum
from herverdeling.errors import RegisterError
from herverdeling.proposals import ProposalKind, RegisterEntry, RegisterStep

# What a civil servant reads for each state (list, history, xlsx).
STEP_NL: dict[RegisterStep, str] = {
    "concept": "concept",
    "signed": "ondertekend",
    "prt_informed": "PRT geïnformeerd",
    "ministry_informed": "ministerie geïnformeerd",
    "processed": "verwerkt (wijziging verdeelbesluit)",
    "withdrawn": "ingetrokken",
}
# What the command line accepts for a state: the Dutch word or the internal id.
STEP_ALIASES: dict[str, RegisterStep] = {
    "ondertekend": "signed", "signed": "signed",
    "prt-geinformeerd": "prt_informed", "prt_informed": "prt_informed",
    "ministerie-geinformeerd": "ministry_informed", "ministry_informed": "ministry_informed",
    "verwerkt": "processed", "processed": "processed",
    "ingetrokken": "withdrawn", "withdrawn": "withdrawn",
}
KIND_NL: dict[ProposalKind, str] = {"surplus_swap": "surplusruil", "merger": "samenvoeging",
                                    "uitruil": "uitruil"}

STEPS: dict[ProposalKind, tuple[RegisterStep, ...]] = {
    "uitruil": ("concept", "signed", "prt_informed", "ministry_informed", "processed"),
    "merger": ("concept", "signed", "prt_informed", "ministry_informed", "processed"),
    "surplus_swap": ("concept", "signed", "ministry_informed"),
}
DATE_FIELD: dict[RegisterStep, str] = {"signed": "signed_on", "prt_informed": "prt_informed_on",
                                      "ministry_informed": "ministry_informed_on",
                                      "processed": "processed_on", "withdrawn": "withdrawn_on"}
FINAL: frozenset[RegisterStep] = frozenset({"processed", "withdrawn"})


class Agreement(BaseModel):
    """What the register needs to know of a proposal: its id, kind and own date."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=200)
    kind: ProposalKind
    drafted_on: date  # the proposal set's as_of: the date the draft speaks as of


class RegisterEvent(BaseModel):
    """One recorded step: kept for ever, never overwritten (the table is append-only)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scenario: str
    scenario_hash: str
    agreement_id: str
    seq: int = Field(ge=1)  # 1, 2, ... per agreement: unique, so two writers cannot both be step n
    kind: ProposalKind
    state: RegisterStep
    step_date: date
    agreement_date: date
    amendment: str | None = None
    recorded_at: datetime
    who: str | None = None
    comment: str | None = None


def parse_step(text: str) -> RegisterStep:
    """A state as typed on the command line or sent by the explorer."""
    step = STEP_ALIASES.get(text.strip().lower())
    if step is None:
        raise RegisterError(f"onbekende status {text!r}: kies uit {', '.join(sorted(STEP_ALIASES))}")
    return step


def derive(agreement_id: str, events: Iterable[RegisterEvent]) -> RegisterEntry:
    """The current state and dates, folded from the events in their order (no events: concept)."""
    entry = RegisterEntry(agreement_id=agreement_id)
    for e in sorted(events, key=lambda e: e.seq):
        update: dict[str, object] = {"state": e.state}
        if e.state in DATE_FIELD:
            update[DATE_FIELD[e.state]] = e.step_date
        if e.state == "processed":
            update["amendment"] = e.amendment
        entry = entry.model_copy(update=update)
    return entry


def _label(step: RegisterStep) -> str:
    return f"'{STEP_NL[step]}'"


def validate_step(agreement: Agreement, current: RegisterEntry, step: RegisterStep, on: date, *,
                  amendment: str | None = None, today: date | None = None) -> None:
    """Refuse, in one Dutch line, a step that skips one, comes after a final state, or is misdated."""
    where = f"afspraak {agreement.id}"
    if current.state in FINAL:
        raise RegisterError(f"{where} is al {_label(current.state)}: geen volgende stap mogelijk")
    steps = STEPS[agreement.kind]
    if step == "concept":
        raise RegisterError(f"{where}: 'concept' is de beginstatus, geen stap om vast te leggen")
    if step == current.state:
        raise RegisterError(f"{where} is al {_label(step)}")
    if step != "withdrawn":
        if step not in steps:
            why = ("een surplusruil kent geen PRT-stap (P7: het ministerie wordt geïnformeerd)"
                   if step == "prt_informed" else
                   "een surplusruil wijzigt geen verdeelbesluit (P8)")
            raise RegisterError(f"{where}: status {_label(step)} bestaat niet voor een "
                                f"{KIND_NL[agreement.kind]}: {why}")
        at = steps.index(current.state) if current.state in steps else len(steps)
        expected = steps[at + 1] if at + 1 < len(steps) else None
        if step != expected:
            raise RegisterError(
                f"{where}: van {_label(current.state)} kan alleen naar "
                f"{_label(expected) if expected else 'geen volgende stap'} of 'ingetrokken', "
                f"niet naar {_label(step)} (geen stap overslaan)")
    if step == "processed" and not (amendment and amendment.strip()):
        raise RegisterError(f"{where}: 'verwerkt' vraagt de wijziging van het verdeelbesluit "
                            "(--wijziging REF)")
    if step != "processed" and amendment:
        raise RegisterError(f"{where}: --wijziging hoort alleen bij 'verwerkt'")
    if on < agreement.drafted_on:
        raise RegisterError(f"{where}: datum {datum(on)} ligt vóór de datum van de afspraak zelf "
                            f"({datum(agreement.drafted_on)})")
    previous = current.latest()
    if previous is not None and on < previous:
        raise RegisterError(f"{where}: datum {datum(on)} ligt vóór de vorige stap "
                            f"({_label(current.state)} op {datum(previous)})")
    today = today or date.today()
    if on > today:
        raise RegisterError(f"{where}: datum {datum(on)} ligt in de toekomst (vandaag is "
                            f"{datum(today)})")


def agreements_of(ids_kinds: Sequence[tuple[str, ProposalKind]], drafted_on: date) -> dict[str, Agreement]:
    """The agreements of one proposal set, by id."""
    return {i: Agreement(id=i, kind=k, drafted_on=drafted_on) for i, k in ids_kinds}
