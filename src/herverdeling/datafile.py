"""Reading a data file safely: YAML as data only, and pydantic errors as one (field, message) pair.

Below both `settings` (models/) and `scenario.io` (scenario folders), which each need these two and
would otherwise import each other (settings -> scenario.model -> scenario.io -> settings).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from herverdeling.errors import ScenarioError, SettingsError


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
