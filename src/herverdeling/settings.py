"""Declarative model settings from models/: norms, policies, objective weights.

Each file is YAML, loaded safely and validated by a pydantic model; every default cites a source.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from herverdeling.errors import ScenarioError, SettingsError
from herverdeling.resources import bundled_dir
from herverdeling.scenario.model import Norms

M = TypeVar("M", bound=BaseModel)


def read_yaml(path: Path) -> object:
    """Safe YAML only, under the limits of models/limits/: scenario and settings files are data."""
    from herverdeling.limits import check_file_size, limits
    from herverdeling.yamlload import load_yaml_text

    lim = limits()
    try:
        check_file_size(path, lim.yaml_max_bytes, setting="yaml_max_bytes")
        text = path.read_text(encoding="utf-8")
    except ScenarioError as exc:
        raise SettingsError(exc.reason, file=path) from None
    except FileNotFoundError:
        raise SettingsError("file not found", file=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"cannot read file: {exc}", file=path) from None
    return load_yaml_text(text, file=path, max_bytes=lim.yaml_max_bytes,
                          max_aliases=lim.yaml_max_aliases, max_nodes=lim.yaml_max_nodes,
                          max_depth=lim.yaml_max_depth)


def validation_message(exc: ValidationError) -> tuple[str, str]:
    """The first error of a pydantic ValidationError as (field path, message)."""
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    msg = err["msg"].removeprefix("Value error, ")  # pydantic's wrapper of our own ValueError
    return loc, msg


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


def load_norms(name_or_path: str = "coa-2024") -> Norms:
    return load_model(settings_file("norms", name_or_path), Norms)
