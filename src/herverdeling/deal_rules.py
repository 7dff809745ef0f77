"""The settings of the deal-quality rules D1-D4, read by the checker and met by the deal model.

They sit below the checker (which imports no solver) and the proposals: a ProposalSet records
the rules it was made under, so `check` on a written proposals.json judges as the run did.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from herverdeling.scenario.model import Category


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class MinRelief(_Frozen):
    """D2: a relief that does not clear the task is at least this many places, per category."""

    regulier: int = Field(10, ge=1)
    amv: int = Field(10, ge=1)

    def get(self, category: Category) -> int:
        return self.regulier if category == "regulier" else self.amv


class DealRules(_Frozen):
    """D1-D4 switched on or off as a whole (`enforce`), and D2's minimum relief.

    `enforce: false` is for proposal sets judged only by the note's own rules (G, U, S, P): D1-D4
    are this project's model choices, not the law.
    """

    enforce: bool = True
    min_relief: MinRelief = MinRelief()
    max_parties: int = Field(25, ge=3)
    max_partners: int = Field(2, ge=1)


NOTE_ONLY = DealRules(enforce=False)
