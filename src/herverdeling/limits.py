"""Input limits (models/limits/default.yaml): every input is measured before it is parsed.

Hitting a limit is one line naming the file and the limit, in under a second, so that a zip bomb,
a billion-laughs YAML or a 200k-row table is refused before it costs minutes and gigabytes.
"""

from __future__ import annotations

import zipfile
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from herverdeling.errors import ScenarioError


class Limits(BaseModel):
    """The limits; `sources` says why each value is what it is."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    version: int = 1
    yaml_max_bytes: int = Field(gt=0)
    yaml_max_aliases: int = Field(ge=0)
    yaml_max_nodes: int = Field(gt=0)
    yaml_max_depth: int = Field(gt=0)
    table_max_bytes: int = Field(gt=0)
    table_max_rows: int = Field(gt=0)
    xlsx_max_uncompressed_bytes: int = Field(gt=0)
    json_max_bytes: int = Field(gt=0)
    json_max_depth: int = Field(gt=0)
    text_max_chars: int = Field(gt=0)
    long_text_max_chars: int = Field(gt=0)
    request_max_bytes: int = Field(gt=0)
    whatif_max_places: int = Field(gt=0)
    whatif_max_distance_km: float = Field(gt=0)
    download_queue_max: int = Field(gt=0)
    sources: dict[str, str]


# Used only to read the limits file itself (our own, small file).
_BOOTSTRAP = {"yaml_max_bytes": 100_000, "yaml_max_aliases": 0, "yaml_max_nodes": 1_000, "yaml_max_depth": 5}


@cache
def limits() -> Limits:
    """The bundled limits (read once per process)."""
    from herverdeling.resources import bundled_dir
    from herverdeling.yamlload import load_yaml_text

    path = bundled_dir("models") / "limits" / "default.yaml"
    text = path.read_text(encoding="utf-8")
    data = load_yaml_text(text, file=path, max_bytes=_BOOTSTRAP["yaml_max_bytes"],
                          max_aliases=_BOOTSTRAP["yaml_max_aliases"],
                          max_nodes=_BOOTSTRAP["yaml_max_nodes"],
                          max_depth=_BOOTSTRAP["yaml_max_depth"])
    return Limits.model_validate(data)


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1_000_000 else f"{n / 1e3:.0f} kB" if n >= 1000 else f"{n} bytes"


def check_file_size(path: Path, max_bytes: int, *, setting: str,
                    file: str | Path | None = None) -> int:
    """Refuse a file above `max_bytes` before reading it; returns its size. `file`: its name in messages."""
    file = file or path
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ScenarioError("file not found", file=file) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read file: {exc.strerror or exc}", file=file) from None
    if size > max_bytes:
        raise ScenarioError(f"file too large: {_size(size)}, the limit is {_size(max_bytes)} "
                            f"({setting} in models/limits/default.yaml)", file=file)
    return size


def check_xlsx_uncompressed(path: Path, *, file: str | Path | None = None) -> None:
    """Refuse a workbook whose parts unpack to more than the limit (a zip bomb), before opening it."""
    limit = limits().xlsx_max_uncompressed_bytes
    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(info.file_size for info in zf.infolist())
    except zipfile.BadZipFile:
        raise ScenarioError("cannot read file: not a valid Excel workbook (.xlsx is a zip file)",
                            file=file or path) from None
    if total > limit:
        raise ScenarioError(f"workbook too large: it unpacks to {_size(total)}, the limit is "
                            f"{_size(limit)} (xlsx_max_uncompressed_bytes in "
                            "models/limits/default.yaml)", file=file or path)
