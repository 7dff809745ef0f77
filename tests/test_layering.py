"""Imports run one way between mergers and bench: bench may import mergers, never the reverse.

The p-median research code (herverdeling.bench.pmedian) measures the merger core; if mergers
imported it, the product would carry the benchmark. Checked on the source with `ast`, so a lazy
import inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import herverdeling.mergers

MERGERS = Path(herverdeling.mergers.__file__).resolve().parent


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module an import statement in `path` names (relative imports resolved)."""
    package = "herverdeling.mergers"
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            out += [(node.lineno, base)] + [(node.lineno, f"{base}.{a.name}") for a in node.names]
    return out


def _is_bench(module: str) -> bool:
    return module == "herverdeling.bench" or module.startswith("herverdeling.bench.")


def test_the_check_sees_every_form_of_import(tmp_path: Path):
    probe = tmp_path / "probe.py"
    probe.write_text("import herverdeling.bench.suite\n"
                     "def f():\n    from herverdeling.bench.pmedian import solve_pmedian\n"
                     "from .. import bench\nfrom herverdeling.cpsat import worst_status\n")
    assert sorted(n for n, m in _imported_modules(probe) if _is_bench(m)) == [1, 3, 3, 4]


def test_mergers_never_imports_bench():
    files = sorted(MERGERS.rglob("*.py"))
    assert files
    bad = [f"{p.relative_to(MERGERS.parent)}:{n} imports {m}" for p in files
           for n, m in _imported_modules(p) if _is_bench(m)]
    assert not bad, "\n".join(bad)


def test_the_pmedian_research_code_left_mergers():
    assert not any((MERGERS / f"{name}.py").exists() for name in ("pmedian", "bounds", "heuristics"))
