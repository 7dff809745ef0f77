"""Typed errors: each carries what a user needs to fix the input; the CLI maps them to exit codes."""

from __future__ import annotations

from pathlib import Path


class HerverdelingError(Exception):
    """Base of every error the tool raises on purpose (never a bug)."""

    exit_code: int = 2


class ScenarioError(HerverdelingError):
    """Bad scenario input: names the file, the row (as a spreadsheet shows it) and the field."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.row = row
        self.field = field
        self.reason = message
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field '{self.field}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.reason}" if prefix else self.reason


class SettingsError(ScenarioError):
    """A file in models/ (norms, policies, weights) is missing or invalid."""


class ProposalInputError(HerverdelingError):
    """A proposals file cannot be read: truncated, wrong types, or for another scenario."""


class InfeasibleError(HerverdelingError):
    """A model has no solution under the settings; the message says which task and why."""

    exit_code = 1


class OutputExistsError(HerverdelingError):
    """The output folder exists and --force was not given."""


class OutputError(HerverdelingError):
    """The output cannot be written where the user asked (not a folder, not writable, disk full)."""


def output_error(target: str | Path, exc: OSError) -> OutputError:
    """One line naming the path the user gave (not our temporary file) and the system's reason."""
    reason = exc.strerror or str(exc)
    culprit = str(exc.filename or "")
    if culprit and culprit != str(target) and not Path(culprit).name.startswith("."):
        reason += f" ({culprit})"  # e.g. a parent that is a file, not a folder
    return OutputError(f"{target}: cannot write here: {reason}")


class RegisterError(HerverdelingError):
    """A step the agreement register refuses (a skip, a date out of order) or cannot reach."""


class FrontierPointError(HerverdelingError):
    """`--frontier-point K` names no point of the frontier (bad input: exit 2)."""
