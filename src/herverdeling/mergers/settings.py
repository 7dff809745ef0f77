"""Settings of the merger model: the lexicographic objective (models/objectives) and CP-SAT
parameters (models/solver), validated on load."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from herverdeling.cpsat import SolverParams, load_solver_params
from herverdeling.settings import load_model, settings_file

Term = Literal["nonviable_places", "locations", "place_km"]


class Level(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    terms: dict[Term, int]
    source: str = ""

    @field_validator("terms")
    @classmethod
    def _positive(cls, v: dict[Term, int]) -> dict[Term, int]:
        if not v or any(w <= 0 for w in v.values()):
            raise ValueError("a level needs at least one term, each with a positive integer weight")
        return v


class MergerObjective(BaseModel):
    """The lexicographic order and weights; see models/objectives/mergers.yaml."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    version: int = 1
    method: Literal["sequential"] = "sequential"
    place_km_unit: float = Field(0.1, gt=0)
    capacity_rule: Literal["location", "taken_in"] = "location"
    levels: tuple[Level, ...]

    @field_validator("levels")
    @classmethod
    def _distinct(cls, v: tuple[Level, ...]) -> tuple[Level, ...]:
        if not v:
            raise ValueError("at least one level is needed")
        names = [lv.name for lv in v]
        if len(set(names)) != len(names):
            raise ValueError(f"level names repeat: {names}")
        return v


class MergerSettings(BaseModel):
    """Everything the merger stage reads from models/ plus its options."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    objective: MergerObjective
    solver: SolverParams
    # Point 2: hosts in a plusprovincie may absorb small tasks of a neighbouring restopgave
    # province, within the surplus left after the surplus swaps (SurplusSwap proposals).
    cross_border: bool = False
    # When True every small task must end in a viable location; an impossible one is explained.
    require_viable: bool = False


def load_merger_settings(
    objective: str = "mergers", solver: str = "cpsat-deterministic", *, cross_border: bool = False,
    require_viable: bool = False,
) -> MergerSettings:
    return MergerSettings(
        objective=load_model(settings_file("objectives", objective), MergerObjective),
        solver=load_solver_params(solver),
        cross_border=cross_border,
        require_viable=require_viable,
    )
