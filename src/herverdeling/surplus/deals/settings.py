"""Deal-model settings (models/deals/<name>.yaml) and the users' pins (DealPins).

Every value of a settings file names its source or reason in `sources`, every objective level its
reason, as in the other files under models/: the model's choices are data, not constants.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from herverdeling.cpsat import SolverParams
from herverdeling.deal_rules import MinRelief
from herverdeling.defaults import DEFAULT_DEALS
from herverdeling.settings import available, load_model, settings_file

Level = Literal["relief", "agreements", "preferred", "parties", "fairness", "place_km", "small_tasks",
                "most_relief"]
Backend = Literal["cp-sat", "highs", "scip"]
ReliefBase = Literal["category", "surplus"]
_SOURCED = ("min_relief", "max_parties", "max_partners", "relief_share", "objectives",
            "distance_unit_m", "solver")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Objective(_Frozen):
    """One lexicographic level; `reason` says why it sits where it does."""

    level: Level
    reason: str = Field(min_length=1)


class DealSolver(SolverParams):
    """The one CP-SAT parameter class, plus the backend (the same rows go to HiGHS or SCIP) and
    `deterministic`: with CP-SAT and more than one worker it turns on interleaved search, whose
    result does not depend on thread timing."""

    id: str = "deals"
    backend: Backend = "cp-sat"
    random_seed: int = 20250115
    deterministic: bool = True
    max_deterministic_time: float | None = Field(60.0, gt=0)
    max_time_in_seconds: float | None = Field(60.0, gt=0)
    # the place-km level's CP-SAT units (all its layout solves together): the one level CountModel
    # does not bound; None keeps max_deterministic_time
    place_km_deterministic_time: float | None = Field(None, gt=0)
    # then HiGHS on each agreement layout still open, the same rows: this many branch-and-bound
    # nodes shared evenly over those layouts (at least 1 each, besides each one's root work;
    # deterministic on 1 thread): its LP and branching close the last 0.1 % that CP-SAT's bound
    # does not (place_km.py); None: CP-SAT alone
    place_km_highs_nodes: int | None = Field(None, ge=1)
    # the categories solved side by side, each its own 1-worker deterministic search: they share
    # nothing (G4), so the deals are the same bytes at any count; the CP-SAT backend only
    # (solve._threads); the place-km proof's HiGHS solves run one at a time (place_km.HIGHS)
    category_threads: int = Field(2, ge=1)


class DealSettings(_Frozen):
    """Hard-rule limits, the objective order and the solver (issue 14, point 1)."""

    id: str = "custom"
    description: str = ""
    label_nl: str = ""  # the name a civil servant reads (the explorer's choice of surplus swaps)
    description_nl: str = ""
    min_relief: MinRelief = MinRelief()
    max_parties: int = Field(25, ge=3)
    max_partners: int = Field(2, ge=1)
    relief_share: float = Field(0.97, gt=0, le=1)
    # what relief_share is a share of. "category": each category's own maximum under the hard
    # rules, floor by floor. "surplus": the P-rules maximum (all the surplus that can flow, the flow
    # stage's relief: 5,608 on nl-2025), one floor for the categories together, split so that each
    # keeps the same share of its own maximum under the hard rules (solve.relief_floors)
    relief_base: ReliefBase = "category"
    objectives: tuple[Objective, ...] = (
        Objective(level="relief", reason="issue 14: most relief first"),
        Objective(level="agreements", reason="issue 14: fewest agreements"),
        Objective(level="parties", reason="issue 14: fewest parties"),
        Objective(level="fairness", reason="issue 14: fair across sink provinces"),
        Objective(level="place_km", reason="issue 14: least place-km last"),
    )
    distance_unit_m: int = Field(100, ge=1, le=100_000)
    solver: DealSolver = DealSolver()
    sources: dict[str, str] = {}

    @model_validator(mode="after")
    def _check(self) -> DealSettings:
        levels = [o.level for o in self.objectives]
        if not levels or levels[0] != "relief":
            raise ValueError("objectives: the first level must be relief (relief_share is a share of "
                             "its proven maximum)")
        if len(set(levels)) != len(levels):
            raise ValueError(f"objectives: a level appears twice in {levels}")
        if self.sources:
            missing = [k for k in _SOURCED if not self.sources.get(k, "").strip()]
            if missing:
                raise ValueError(f"no source or rationale given for {', '.join(missing)}")
        return self

    @property
    def levels(self) -> tuple[Level, ...]:
        return tuple(o.level for o in self.objectives)


def load_deal_settings(name_or_path: str | Path = DEFAULT_DEALS) -> DealSettings:
    """A bundled preset under models/deals/ (`default`, `proportional`, ...) or a YAML path."""
    return load_model(settings_file("deals", str(name_or_path)), DealSettings)


def available_deal_settings() -> list[str]:
    return available("deals")


ReliefWish = Literal["wanted", "refused", "any"]
PartnerWish = Literal["preferred", "allowed", "refused"]


class MunicipalityPin(_Frozen):
    """One row of preferences.csv. `back_surplus`: False excludes its extra places from backing;
    True or None (the scenario's default) allow it. `host` is for the merger stage, not used here."""

    cbs_code: str = Field(pattern=r"^GM\d{4,}$")
    relief: ReliefWish = "any"
    back_surplus: bool | None = None
    host: bool | None = None


class PartnerPin(_Frozen):
    """One row of partners.csv: may plusprovincie `source` relieve province `sink`."""

    sink: str = Field(pattern=r"^[A-Z]{2}$")
    source: str = Field(pattern=r"^[A-Z]{2}$")
    partner: PartnerWish = "allowed"


class DealPins(_Frozen):
    """The users' wishes (D4). Refused is hard; wanted must hold or the model says which pin
    fails; preferred partners are an objective level (`preferred`), never a hard rule."""

    municipalities: tuple[MunicipalityPin, ...] = ()
    partners: tuple[PartnerPin, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> DealPins:
        codes = [p.cbs_code for p in self.municipalities]
        if len(set(codes)) != len(codes):
            raise ValueError("a municipality is pinned twice")
        pairs = [(p.sink, p.source) for p in self.partners]
        if len(set(pairs)) != len(pairs):
            raise ValueError("a (sink, source) pair is pinned twice")
        return self

    def relief(self, code: str) -> ReliefWish:
        return self._muni.get(code, _ANY).relief

    def may_back(self, code: str) -> bool:
        return self._muni.get(code, _ANY).back_surplus is not False

    def partner(self, sink: str, source: str) -> PartnerWish:
        return self._pair.get((sink, source), "allowed")

    @cached_property
    def _muni(self) -> dict[str, MunicipalityPin]:
        return {p.cbs_code: p for p in self.municipalities}

    @cached_property
    def _pair(self) -> dict[tuple[str, str], PartnerWish]:
        return {(p.sink, p.source): p.partner for p in self.partners}


_ANY = MunicipalityPin(cbs_code="GM0000")
