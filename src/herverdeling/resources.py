"""Where bundled data lives: inside the installed wheel, or at the source tree's root."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def bundled_dir(kind: str) -> Path:
    """`scenarios`, `models` or `data`: the wheel carries them under herverdeling/_bundled.

    In a source tree they sit at the repository root, so a clone and an installed wheel read
    the same files (and nothing outside the repository).
    """
    packaged = Path(str(files("herverdeling"))) / "_bundled" / kind
    if packaged.is_dir():
        return packaged
    source_tree = Path(__file__).resolve().parents[2] / kind
    if source_tree.is_dir():
        return source_tree
    raise FileNotFoundError(f"bundled {kind} not found (looked in {packaged} and {source_tree})")
