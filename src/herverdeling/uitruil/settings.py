"""Uitruil settings from models/uitruil/<name>.yaml: exchange rates, tolerance, limits, solver."""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from herverdeling.scenario.model import CounterKind
from herverdeling.settings import load_model, settings_file


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SolverSettings(_Frozen):
    """CP-SAT parameters; the defaults make a run deterministic (see the YAML for the reasons)."""

    num_workers: int = Field(1, ge=1)
    random_seed: int = 20250115
    max_deterministic_time: float | None = Field(10.0, gt=0)
    max_time_in_seconds: float | None = Field(60.0, gt=0)

    def as_info(self) -> dict[str, str | int | float | bool]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


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
    solver: SolverSettings = SolverSettings()
    sources: dict[str, str] = {}

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
