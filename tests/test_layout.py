"""tests/ mirrors src/herverdeling/: one folder per subpackage, and no test module of a subpackage
sits elsewhere (the house habit of issue 13, point 7)."""

from __future__ import annotations

from tests.paths import ROOT, SRC

TESTS = ROOT / "tests"


def test_every_subpackage_with_tests_has_its_folder_and_no_stray_folders():
    packages = {p.parent.name for p in SRC.glob("*/__init__.py")}
    folders = {p.name for p in TESTS.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders <= packages, f"test folders with no subpackage: {sorted(folders - packages)}"
    # every top-level test module is named after a top-level module or a cross-cutting concern
    for path in TESTS.glob("test_*.py"):
        stem = path.stem.removeprefix("test_")
        assert stem not in packages, f"{path.name} belongs in tests/{stem}/"
