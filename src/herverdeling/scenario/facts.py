"""The dated public facts of the rounds (data/rounds-facts.csv), read once for the builders.

The file is copied unchanged from the project's shared folder, so its rows are recognised by
scope, unit and wording rather than by an id column it does not have; a row that cannot be
recognised, or a figure that is not a whole number, is an error naming the row, so that a fact
is never silently left out of a scenario.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from herverdeling.errors import ScenarioError
from herverdeling.scenario.model import Frozen
from herverdeling.scenario.text import LongText

FACTS_FILE = "rounds-facts.csv"
COLUMNS = ("round", "scope", "code", "figure", "unit", "statement", "source", "published")

# national rows with a figure: which one is which, by a phrase of their statement
NATIONAL_KINDS = {
    "total": "total reception capacity",
    "available": "available",
    "to_realise": "still have to be realised",
}
PROVINCE_UNIT = "places still to realise"


class Fact(Frozen):
    """One row: its round, scope, code, figure (if any), statement and source."""

    row: int
    round: str
    scope: str
    code: str
    figure: int | None
    unit: str
    statement: LongText
    source: LongText
    published: str


class RoundFacts(Frozen):
    """The facts of one round, the figures a builder must reproduce picked out by kind."""

    round: str
    facts: tuple[Fact, ...]

    def national(self, kind: str) -> Fact:
        """The national row of `kind` (a key of NATIONAL_KINDS); exactly one must exist."""
        phrase = NATIONAL_KINDS[kind]
        hits = [f for f in self.facts if f.scope == "national" and f.figure is not None
                and phrase in f.statement.casefold()]
        if len(hits) != 1:
            raise ScenarioError(f"round {self.round}: expected one national row whose statement "
                                f"says {phrase!r}, found {len(hits)}", file=FACTS_FILE,
                                field="statement")
        return hits[0]

    def still_to_realise(self) -> dict[str, Fact]:
        """Per province code: the row saying how many places it still has to realise."""
        return {f.code: f for f in self.facts if f.scope == "province" and f.unit == PROVINCE_UNIT}

    def of_scope(self, scope: str) -> tuple[Fact, ...]:
        return tuple(f for f in self.facts if f.scope == scope)

    def of_code(self, scope: str, code: str) -> Fact:
        hits = [f for f in self.facts if f.scope == scope and f.code == code]
        if len(hits) != 1:
            raise ScenarioError(f"round {self.round}: expected one {scope} row for {code}, found "
                                f"{len(hits)}", file=FACTS_FILE, field="code")
        return hits[0]

    def with_figure(self) -> tuple[Fact, ...]:
        return tuple(f for f in self.facts if f.figure is not None)


def read_round_facts(data_dir: Path, round_name: str) -> RoundFacts:
    """The rows of `round_name` in data/rounds-facts.csv, each checked (file, row, field)."""
    path = Path(data_dir) / FACTS_FILE
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise ScenarioError("file not found", file=path) from None
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ScenarioError(f"missing column(s) {', '.join(missing)}", file=FACTS_FILE,
                            field=missing[0])
    facts = []
    for i, r in enumerate(frame.to_dict("records")):
        row = i + 2
        if r["round"] != round_name:
            continue
        figure: int | None = None
        if r["figure"].strip():
            try:
                figure = int(r["figure"])
            except ValueError:
                raise ScenarioError(f"expected a whole number, got {r['figure']!r}",
                                    file=FACTS_FILE, row=row, field="figure") from None
        if not r["source"].strip():
            raise ScenarioError("every fact needs its source", file=FACTS_FILE, row=row,
                                field="source")
        facts.append(Fact(row=row, round=r["round"], scope=r["scope"], code=r["code"],
                          figure=figure, unit=r["unit"], statement=r["statement"],
                          source=r["source"], published=r["published"]))
    if not facts:
        raise ScenarioError(f"no rows for round {round_name!r}", file=FACTS_FILE, field="round")
    return RoundFacts(round=round_name, facts=tuple(facts))
