"""Uitruil settings from models/uitruil/<name>.yaml: exchange rates, tolerance, limits, solver."""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from herverdeling.cpsat import SolverParams, load_solver_params
from herverdeling.scenario.model import CounterKind
from herverdeling.settings import load_model, settings_file


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# The uitruil model's CP-SAT defaults (deterministic: one worker, a fixed seed, a work limit; the
# YAML says why). A `solver:` block in models/uitruil/<name>.yaml overrides them key by key.
UITRUIL_SOLVER = SolverParams(id="uitruil", random_seed=20250115, max_deterministic_time=10.0,
                              max_time_in_seconds=60.0)


class ExchangeRates(_Frozen):
    """Counter-performance units per asylum place handed over."""

    statushouders: float = Field(1.0, gt=0)
    oekrainers: float = Field(1.0, gt=0)

    def get(self, kind: CounterKind) -> Fraction:
        """The rate as an exact fraction, so that balance rows stay integer."""
        value = self.statushouders if kind == "statushouders" else self.oekrainers
        return Fraction(str(value)).limit_denominator(1000)


class UitruilSettings(_Frozen):
    id: str = "custom"
    version: int = 1
    exchange_rates: ExchangeRates = ExchangeRates()
    tolerance: float = Field(0.05, ge=0, lt=1)
    max_distance_km: float | None = Field(100.0, gt=0)
    min_transfer_places: int = Field(1, ge=1)
    max_partners: int = Field(3, ge=1)
    max_cycle_length: Literal[2, 3] = 2
    solver: SolverParams = UITRUIL_SOLVER
    sources: dict[str, str] = {}

    @field_validator("solver", mode="before")
    @classmethod
    def _solver(cls, value: object) -> object:
        """A preset of models/solver/ by name, or a block of values over UITRUIL_SOLVER."""
        if isinstance(value, str):
            return load_solver_params(value)
        if isinstance(value, dict):
            return {**UITRUIL_SOLVER.model_dump(), **value}
        return value

    @property
    def tolerance_fraction(self) -> Fraction:
        return Fraction(str(self.tolerance)).limit_denominator(10_000)

    def balance_band(self, kind: CounterKind, places: int) -> tuple[int, int]:
        """The whole amounts of counter-performance that balance `places` (lowest, highest)."""
        rate, tol = self.exchange_rates.get(kind), self.tolerance_fraction
        lo = rate * places * (1 - tol)
        hi = rate * places * (1 + tol)
        return -((-lo.numerator) // lo.denominator), hi.numerator // hi.denominator


def load_uitruil_settings(name_or_path: str = "default") -> UitruilSettings:
    return load_model(settings_file("uitruil", name_or_path), UitruilSettings)
