"""Monitor settings from models/monitor/<name>.yaml: allocation, failure-clause variants, what-if."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from herverdeling.proposals import ProposalKind
from herverdeling.settings import load_model, settings_file

Effect = Literal["lapse", "stays"]
Role = Literal["swap_source", "merger_host", "uitruil_realiser"]
ROLE_OF: dict[ProposalKind, Role] = {"surplus_swap": "swap_source", "merger": "merger_host",
                                     "uitruil": "uitruil_realiser"}
KINDS: tuple[ProposalKind, ...] = ("surplus_swap", "merger", "uitruil")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ClauseVariant(_Frozen):
    """What one failure-clause variant does with an agreement's unrealised places, per kind."""

    label: str = Field(min_length=1)
    effect: dict[ProposalKind, Effect]
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _every_kind(self) -> ClauseVariant:
        missing = [k for k in KINDS if k not in self.effect]
        if missing:
            raise ValueError(f"effect is missing for {', '.join(missing)}")
        return self


class Outcome(_Frozen):
    fraction: float = Field(ge=0, le=1)  # share of its agreement places a party realises
    probability: float = Field(gt=0, le=1)

    @property
    def exact_fraction(self) -> Fraction:
        return Fraction(str(self.fraction))


class WhatIfSettings(_Frozen):
    seed: int = 20250115
    draws: int = Field(20000, ge=100, le=1_000_000)
    exact_max_work: int = Field(20_000_000, ge=0)
    # per role, or `default` for every role not named
    distributions: dict[Literal["default", "swap_source", "merger_host", "uitruil_realiser"],
                        tuple[Outcome, ...]]

    @model_validator(mode="after")
    def _distributions(self) -> WhatIfSettings:
        if "default" not in self.distributions:
            raise ValueError("distributions needs a `default`")
        for role, outcomes in self.distributions.items():
            if not outcomes:
                raise ValueError(f"distributions.{role} is empty")
            if not math.isclose(sum(o.probability for o in outcomes), 1.0, abs_tol=1e-9):
                raise ValueError(f"distributions.{role}: probabilities add up to "
                                 f"{sum(o.probability for o in outcomes):g}, not 1")
            fractions = [o.fraction for o in outcomes]
            if len(set(fractions)) != len(fractions):
                raise ValueError(f"distributions.{role}: a fraction is listed twice")
        return self

    def distribution(self, role: Role) -> tuple[Outcome, ...]:
        return self.distributions.get(role) or self.distributions["default"]


class MonitorSettings(_Frozen):
    id: str = "custom"
    version: int = 1
    allocation: Literal["pro_rata"] = "pro_rata"
    default_variant: str
    variants: dict[str, ClauseVariant]
    whatif: WhatIfSettings
    sources: dict[str, str] = {}

    @model_validator(mode="after")
    def _default_known(self) -> MonitorSettings:
        if self.default_variant not in self.variants:
            raise ValueError(f"default_variant {self.default_variant!r} is not one of the variants "
                             f"({', '.join(self.variants)})")
        return self

    def variant(self, name: str | None = None) -> tuple[str, ClauseVariant]:
        """The named variant (default: `default_variant`); an unknown name lists the known ones."""
        from herverdeling.errors import SettingsError

        key = name or self.default_variant
        if key not in self.variants:
            raise SettingsError(f"unknown failure-clause variant {key!r} (known: "
                                f"{', '.join(self.variants)})")
        return key, self.variants[key]


def load_monitor_settings(name_or_path: str = "default") -> MonitorSettings:
    return load_model(settings_file("monitor", name_or_path), MonitorSettings)
