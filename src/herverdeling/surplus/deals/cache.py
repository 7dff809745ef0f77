"""Solved deal results and deal frontiers kept on disk between runs, keyed by what the model
sees (`deal_key`; for a frontier, `pipeline._frontier_key`).

The deal model is deterministic (1 worker, deterministic limits), so a result solved once for the
same instances, settings, pins, deal-model source and software versions is the result a new solve
would give. Taking it from disk turns the tens of seconds of a second `propose`, or of the
explorer's first page, into a file read; and so the ten minutes of a frontier that `propose
--frontier-point K` numbers again after `frontier` (a new-user check: 611 s solved twice). The
folder is the user's cache folder (platformdirs), or HERVERDELING_CACHE_DIR; an empty
HERVERDELING_CACHE_DIR turns the cache off. A file that cannot be read is ignored (solved again),
and a file is written whole or not at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import TypeVar

import platformdirs
from pydantic import BaseModel, ValidationError

from herverdeling import __version__
from herverdeling.surplus.deals.result import DealResult

ENV = "HERVERDELING_CACHE_DIR"
M = TypeVar("M", bound=BaseModel)


def folder() -> Path | None:
    """The cache folder, or None when the cache is off."""
    value = os.environ.get(ENV)
    if value is None:
        return Path(platformdirs.user_cache_dir("herverdeling")) / "deals"
    return Path(value) / "deals" if value else None


@cache
def _code() -> str:
    """The deal model's own source (this package): a changed model never reads an old result,
    even under the same version number (a checkout between releases)."""
    h = hashlib.sha256()
    here = Path(__file__).parent
    # this package, and the solver helpers and flow graph it builds on
    for path in [*sorted(here.glob("*.py")), here.parents[1] / "cpsat.py", here.parent / "network.py"]:
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()


def _path(key: str, kind: type[BaseModel]) -> Path | None:
    base = folder()
    if base is None:
        return None
    # the software that solved it is part of the key: another version may solve differently
    stamp = hashlib.sha256(f"{kind.__name__}|{key}|{__version__}|{_code()}|ortools {version('ortools')}"
                           .encode()).hexdigest()
    return base / f"{stamp[:32]}.json"


def load(key: str, kind: type[M] = DealResult) -> M | None:  # type: ignore[assignment]
    """The `kind` (a DealResult, or a Frontier) saved under `key`, or None."""
    path = _path(key, kind)
    if path is None or not path.is_file():
        return None
    try:
        return kind.model_validate_json(path.read_bytes())
    except (OSError, ValueError, ValidationError):
        return None


def save(key: str, result: BaseModel) -> None:
    """Write the result atomically; a folder that cannot be written only costs the next solve."""
    path = _path(key, type(result))
    if path is None:
        return
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(result.model_dump_json().encode())
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


__all__ = ["ENV", "folder", "load", "save"]
