"""A clone is self-contained: no code, test or build file reads the sibling `shared/` folder.

A fresh clone has no `../shared`; everything it reads is in `data/` (see data/README.md). `.ci/run`
proves it end to end by running `make test` from a copy of the clone with no `shared/` beside it;
this test names the offending line before CI does.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.paths import ROOT

PATTERNS = (
    re.compile(r"\.\./shared\b"),  # ../shared, ../shared/data
    re.compile(r"""(["'])shared\1"""),  # "shared" as a path component: ROOT.parent / "shared"
    re.compile(r"\bshared/(data|sources|bench)\b"),  # shared/data/..., shared/bench/...
)
SCANNED_DIRS = ("src", "tests", "benchmarks")
SCANNED_FILES = ("Makefile", "pyproject.toml", ".ci/run")
SUFFIXES = {".py", ".yaml", ".yml", ".toml", ".txt", ".md", ".j2", ".html", ".js", ""}


def _files() -> list[Path]:
    """Code, templates and build files; not this file (it spells the patterns), not reports."""
    found = [p for top in SCANNED_DIRS for p in sorted((ROOT / top).rglob("*"))
             if p.is_file() and p.suffix in SUFFIXES and p != Path(__file__).resolve()
             and "__pycache__" not in p.parts and "reports" not in p.parts]
    return found + [ROOT / name for name in SCANNED_FILES if (ROOT / name).is_file()]


def test_patterns_catch_what_they_should():
    hits = ['ROOT.parent / "shared" / "data"', "Path('../shared/data')", "shared/bench/pmedcap",
            "--shared ../shared/data"]
    misses = ["from docx.shared import Pt", "P2 caps are shared by all provinces",
              "data/bench/pmedcap", "the shared core"]
    assert all(any(p.search(s) for p in PATTERNS) for s in hits)
    assert not any(p.search(s) for p in PATTERNS for s in misses)


def test_no_file_reads_the_sibling_shared_folder():
    files = _files()
    assert len(files) > 50  # the scan sees the tree
    bad = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}" for path in files
           for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
           if any(p.search(line) for p in PATTERNS)]
    assert not bad, "reads ../shared (copy the file into data/ instead):\n" + "\n".join(bad)
