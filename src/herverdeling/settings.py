"""Declarative model settings from models/: norms, policies, objective weights.

Each file is YAML, loaded safely and validated by a pydantic model; every default cites a source.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from herverdeling.defaults import DEFAULT_NORMS
from herverdeling.errors import SettingsError
from herverdeling.resources import bundled_dir
from herverdeling.scenario.model import Norms

M = TypeVar("M", bound=BaseModel)


def read_yaml(path: Path) -> object:
    """Safe YAML only: scenario and settings files are data, never code."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SettingsError("file not found", file=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"cannot read file: {exc}", file=path) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise SettingsError(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=path,
                            row=row) from None


def validation_message(exc: ValidationError) -> tuple[str, str]:
    """The first error of a pydantic ValidationError as (field path, message)."""
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    return loc, err["msg"]


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
