"""The run types: what a chain run is given (RunSettings) and what it returns (RunResult).

They live below the chain (`herverdeling.pipeline`) and the writers (`herverdeling.documents`), so
both read them and neither imports the other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict

from herverdeling.checker.findings import CheckReport
from herverdeling.defaults import (
    DEFAULT_DEALS,
    DEFAULT_FRONTIER,
    DEFAULT_MERGER_OBJECTIVE,
    DEFAULT_POLICY,
    DEFAULT_SOLVER,
    DEFAULT_SURPLUS_MODEL,
    DEFAULT_UITRUIL_SETTINGS,
)
from herverdeling.proposals import ProposalSet

Progress = Callable[[str], None]


def quiet(_: str) -> None:
    """The progress callback that says nothing (library calls, tests)."""
    return None


class StageTiming(BaseModel):
    """Wall-clock seconds of one stage: written to manifest.json only (never to proposals)."""

    model_config = ConfigDict(frozen=True)

    stage: str
    seconds: float


class RunSettings(BaseModel):
    """Everything that decides the proposals; written to manifest.json so a run can be redone."""

    model_config = ConfigDict(frozen=True)

    scenario: str
    policy: str = DEFAULT_POLICY
    merger_objective: str = DEFAULT_MERGER_OBJECTIVE
    solver: str = DEFAULT_SOLVER
    uitruil_settings: str = DEFAULT_UITRUIL_SETTINGS
    cross_border: bool = True
    # the surplus swaps: "deals" (the default: the deal model, preset `deals` from models/deals/;
    # judged by D1-D4 too) or "flow" (min-cost flow, `policy` from models/policies/; judged by the
    # note's rules only)
    surplus_model: Literal["flow", "deals"] = DEFAULT_SURPLUS_MODEL
    deals: str = DEFAULT_DEALS
    # a point of the deal frontier (models/frontier/<frontier>.yaml, numbered as `herverdeling
    # frontier` numbers them) instead of the preset's lexicographic solve; needs surplus_model deals
    frontier: str = DEFAULT_FRONTIER
    frontier_point: int | None = None


class RunResult(BaseModel):
    """One chain run: the proposals, the checker's report on them, and how long each stage took."""

    model_config = ConfigDict(frozen=True)

    settings: RunSettings
    proposals: ProposalSet
    report: CheckReport | None = None
    province: str | None = None  # the filter the run was made with (None: the whole country)
    timings: tuple[StageTiming, ...] = ()
    notes: tuple[str, ...] = ()
