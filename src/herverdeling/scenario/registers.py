"""Municipal registers (models/registers/): which CBS codes exist in a year, and where the country lies.

A scenario about real municipalities declares its register (`register: cbs-2024`); a well-formed
but unknown code such as GM9999, or a point with lat and lon swapped, is then an error at load.
A synthetic scenario declares none and may use any GM#### code and any point.
"""

from __future__ import annotations

from functools import cache

from pydantic import BaseModel, ConfigDict, Field

from herverdeling.errors import ScenarioError
from herverdeling.resources import bundled_dir


class Box(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    lat_min: float = Field(ge=-90, le=90)
    lat_max: float = Field(ge=-90, le=90)
    lon_min: float = Field(ge=-180, le=180)
    lon_max: float = Field(ge=-180, le=180)

    def contains(self, lat: float, lon: float) -> bool:
        return self.lat_min <= lat <= self.lat_max and self.lon_min <= lon <= self.lon_max


class Register(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title: str
    source: str
    box: Box
    box_source: str
    codes: frozenset[str]


def available_registers() -> list[str]:
    folder = bundled_dir("models") / "registers"
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


@cache
def load_register(name: str) -> Register:
    """A bundled register by id; an unknown id is a ScenarioError listing the known ones."""
    from herverdeling.settings import load_model

    path = bundled_dir("models") / "registers" / f"{name}.yaml"
    if not name.replace("-", "").isalnum() or not path.is_file():
        raise ScenarioError(f"unknown register {name!r} (bundled: "
                            f"{', '.join(available_registers()) or 'none'})", field="register")
    return load_model(path, Register)
