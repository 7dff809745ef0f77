"""Allocation policies for surplus swaps: data in models/policies/*.yaml, validated here.

A policy only decides arc costs and network shape; the flow model itself is the same for all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from herverdeling.defaults import DEFAULT_POLICY
from herverdeling.errors import SettingsError
from herverdeling.settings import available, load_model, settings_file

Allocation = Literal["proportional", "nearest", "small-first"]
_PARAMETERS = ("allocation", "distance_unit_m", "complete_arcs_up_to", "k_nearest", "candidate_provinces")


class Policy(BaseModel):
    """How surplus is allocated; every parameter names its rationale in `sources`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    allocation: Allocation
    description: str = ""
    label_nl: str = ""  # the name a civil servant reads (the explorer's choice of policy)
    description_nl: str = ""
    distance_unit_m: int = Field(100, ge=1, le=100_000)
    complete_arcs_up_to: int = Field(250_000, ge=0)
    k_nearest: int = Field(8, ge=1)
    candidate_provinces: int = Field(3, ge=1)
    sources: dict[str, str]

    @model_validator(mode="after")
    def _sourced(self) -> Policy:
        missing = [p for p in _PARAMETERS if not self.sources.get(p, "").strip()]
        if missing:
            raise ValueError(f"no source or rationale given for {', '.join(missing)}")
        return self


def load_policy(name_or_path: str | Path = DEFAULT_POLICY) -> Policy:
    """A bundled policy name (`proportional`, `nearest`, `small-first`) or a path to a YAML file."""
    name = str(name_or_path)
    path = Path(name)
    if path.suffix not in {".yaml", ".yml"} and not path.is_file() and name not in available_policies():
        raise SettingsError(f"unknown policy {name!r} (bundled: {', '.join(available_policies())}; "
                            "or give a path to a policy YAML file)")
    return load_model(settings_file("policies", name), Policy)


def available_policies() -> list[str]:
    return available("policies")
