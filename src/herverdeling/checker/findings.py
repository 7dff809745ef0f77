"""What the checker says: typed findings and the report the pipeline reads.

Severities, from blocking to informative:

- ``error``: the proposal breaks a rule; no agreement may be written for it (issue 5, point 3).
- ``warning``: advisable but not required (G6, the failure clause); the agreement may be written.
- ``open``: a process step still to do before a date (sign, inform the PRT, notify the ministry, agree
  the counter-performance). It does not block writing the *draft*; the writer lists it so that the
  parties know what remains. When its date has passed the same rule reports an ``error`` instead.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Severity = Literal["error", "warning", "open"]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "open": 2}


class Finding(BaseModel):
    """One rule's verdict on one proposal, in Dutch and English, with the numbers behind it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule_id: str
    severity: Severity
    proposal_id: str
    message_nl: str
    message_en: str
    section: str  # the section of the informatiebericht the rule rests on
    municipalities: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    numbers: dict[str, int | float | str] = {}

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def message(self, lang: Literal["nl", "en"] = "en") -> str:
        return self.message_nl if lang == "nl" else self.message_en


class CheckReport(BaseModel):
    """All findings of one check run; `passed(proposal_id)` says whether its agreement may be written."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scenario: str
    scenario_hash: str
    as_of: str
    proposal_ids: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()

    def findings_for(self, proposal_id: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.proposal_id == proposal_id)

    def errors_for(self, proposal_id: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings_for(proposal_id) if f.is_error)

    def open_steps_for(self, proposal_id: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings_for(proposal_id) if f.severity == "open")

    def passed(self, proposal_id: str) -> bool:
        """True when the proposal has no error: its agreement may be written (warnings/open steps listed)."""
        if proposal_id not in self.proposal_ids:
            raise KeyError(f"no proposal {proposal_id!r} in this report")
        return not self.errors_for(proposal_id)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.is_error)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    @property
    def open_steps(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "open")

    @property
    def has_errors(self) -> bool:
        return any(f.is_error for f in self.findings)

    def passed_ids(self) -> tuple[str, ...]:
        return tuple(pid for pid in self.proposal_ids if not self.errors_for(pid))

    def failed_ids(self) -> tuple[str, ...]:
        return tuple(pid for pid in self.proposal_ids if self.errors_for(pid))

    def rule_ids(self, proposal_id: str | None = None, *, severity: Severity | None = None) -> set[str]:
        pool = self.findings if proposal_id is None else self.findings_for(proposal_id)
        return {f.rule_id for f in pool if severity is None or f.severity == severity}
