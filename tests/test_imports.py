"""Imports run one way: the CLI imports the stages, documents is not the chain, the checker solves
nothing; and every module imports on its own (no import cycle hides behind an import order)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import herverdeling

PACKAGE = Path(herverdeling.__file__).resolve().parent
SOLVERS = ("herverdeling.surplus", "herverdeling.mergers", "herverdeling.uitruil", "ortools")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str, *, top_level_only: bool = False) -> set[str]:
    """Every module a module names in an import statement, also inside functions (lazy imports).

    `from a.b import c` counts as importing a.b and a.b.c, since c may be a module.
    """
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    nodes = tree.body if top_level_only else ast.walk(tree)
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def offenders(source: str, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    """Modules of package `source` that import anything in `forbidden`, with what they import."""
    found = {}
    for name in MODULES:
        if within(name, source):
            bad = sorted(i for i in imports(name) if any(within(i, f) for f in forbidden))
            if bad:
                found[name] = bad
    return found


def test_the_package_is_found():
    assert {"herverdeling.cli", "herverdeling.checker.check", "herverdeling.documents"} <= set(MODULES)


def test_only_the_cli_imports_the_cli():
    # __main__ is the `python -m herverdeling` entry point: it runs the CLI, as the console script does
    users = {name: sorted(i for i in imports(name) if within(i, "herverdeling.cli")) for name in MODULES}
    outside = {k: v for k, v in users.items()
               if v and not within(k, "herverdeling.cli") and k != "herverdeling.__main__"}
    assert outside == {}


def test_documents_does_not_import_the_chain():
    assert offenders("herverdeling.documents", ("herverdeling.pipeline",)) == {}


def test_checker_imports_no_solver():
    assert offenders("herverdeling.checker", SOLVERS) == {}


def test_checker_never_opens_the_register():
    """The checker takes the register's snapshot as data (proposals.RegisterState), no database."""
    assert offenders("herverdeling.checker", ("herverdeling.register", "sqlalchemy")) == {}


@pytest.mark.parametrize(("package", "forbidden"), [
    ("herverdeling.checker", (*SOLVERS, "herverdeling.register", "sqlalchemy")),
    ("herverdeling.documents", ("herverdeling.pipeline", "herverdeling.cli")),
])
def test_nor_through_another_module(package, forbidden):
    """What the ast tests see per module, at run time through every module they import in turn."""
    names = [n for n in MODULES if within(n, package)]
    code = (f"import sys\nfor n in {names!r}: __import__(n)\n"
            f"print(sorted(m for m in sys.modules if m.startswith({forbidden!r})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(
                              [str(PACKAGE.parent), os.environ.get("PYTHONPATH", "")])})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"


def test_no_stage_keeps_a_commands_module():
    assert [n for n in MODULES if n.rpartition(".")[2] in ("commands", "sweep_commands")] == []


# One interpreter starts, loads the third-party libraries the package names at module level (never
# herverdeling itself), then forks one child per module: each child imports its module with no
# herverdeling module loaded, as `python -c "import X"` would, for a fraction of the start-up cost.
IMPORT_EACH = textwrap.dedent("""
    import importlib, os, sys, traceback
    third_party, modules = sys.argv[1].split(","), sys.argv[2].split(",")
    for name in third_party:
        try:
            importlib.import_module(name)
        except Exception:  # an optional extra (dask, ...): the child tries it again and says why
            pass
    assert not [m for m in sys.modules if m.split(".")[0] == "herverdeling"]
    running, failed = {}, []
    def reap():
        pid, status = os.wait()
        if os.waitstatus_to_exitcode(status) != 0:
            failed.append(running[pid])
        del running[pid]
    for name in modules:
        if len(running) >= max(2, os.cpu_count() or 1):
            reap()
        pid = os.fork()
        if pid == 0:
            try:
                importlib.import_module(name)
            except BaseException:
                sys.stderr.write(f"--- import {name} failed:\\n{traceback.format_exc()}")
                sys.stderr.flush()
                os._exit(1)
            os._exit(0)
        running[pid] = name
    while running:
        reap()
    print(",".join(sorted(failed)))
""")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork (Linux, macOS)")
def test_every_module_imports_on_its_own():
    third_party = sorted({i for name in MODULES for i in imports(name, top_level_only=True)
                          if not within(i, "herverdeling") and i != "__future__"})
    # __main__ runs the CLI when imported; it is covered by `python -m herverdeling` in test_cli
    names = sorted(n for n in MODULES if n != "herverdeling.__main__")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PACKAGE.parent),
                                                        os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", IMPORT_EACH, ",".join(third_party), ",".join(names)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    failed = done.stdout.strip()
    assert failed == "", f"do not import on their own: {failed}\n{done.stderr[-4000:]}"
