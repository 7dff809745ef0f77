"""Declarative model settings from models/: norms, policies, objective weights.

Each file is YAML, loaded safely and validated by a pydantic model; every default cites a source.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from herverdeling.datafile import read_yaml, validation_message
from herverdeling.defaults import DEFAULT_NORMS
from herverdeling.errors import SettingsError
from herverdeling.resources import bundled_dir
from herverdeling.scenario.model import Norms

__all__ = [
    "available", "load_model", "load_norms", "read_yaml", "settings_file", "validation_message",
]

M = TypeVar("M", bound=BaseModel)


def load_model(path: Path, model: type[M]) -> M:
    data = read_yaml(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        loc, msg = validation_message(exc)
        raise SettingsError(msg, file=path, field=loc or None) from None


def settings_file(kind: str, name_or_path: str) -> Path:
    """A bundled name under models/<kind>/ (without .yaml) or a path to a YAML file."""
    candidate = Path(name_or_path)
    if candidate.suffix in {".yaml", ".yml"} or candidate.is_file():
        return candidate
    path = bundled_dir("models") / kind / f"{name_or_path}.yaml"
    if not path.is_file():
        known = ", ".join(available(kind)) or "none"
        raise SettingsError(f"unknown {kind[:-1] if kind.endswith('s') else kind} "
                            f"{name_or_path!r} (bundled: {known})")
    return path


def available(kind: str) -> list[str]:
    folder = bundled_dir("models") / kind
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def load_norms(name_or_path: str = DEFAULT_NORMS) -> Norms:
    return load_model(settings_file("norms", name_or_path), Norms)
