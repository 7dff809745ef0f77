"""Reading a data file safely: YAML as data only, and pydantic errors as one (field, message) pair.

Below both `settings` (models/) and `scenario.io` (scenario folders), which each need these two and
would otherwise import each other (settings -> scenario.model -> scenario.io -> settings).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from herverdeling.errors import SettingsError


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
