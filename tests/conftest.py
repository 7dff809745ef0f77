from __future__ import annotations

from pathlib import Path

import pytest

from herverdeling.scenario.io import load_scenario
from herverdeling.scenario.model import Scenario

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def pytest_configure(config: pytest.Config) -> None:
    """The deal results' disk cache in a folder of this test session, never the user's: shared by
    the session's own subprocesses (the explorer, the CLI), gone with it."""
    import atexit
    import os
    import shutil
    import tempfile

    from herverdeling.surplus.deals import cache

    folder = tempfile.mkdtemp(prefix="herverdeling-test-cache-")
    os.environ[cache.ENV] = folder
    atexit.register(shutil.rmtree, folder, ignore_errors=True)


@pytest.fixture(scope="session")
def nl2025_deals(nl2025: Scenario) -> None:
    """The default deal model solved once for nl-2025 (into the session's cache), before a test
    starts a subprocess (the explorer) that would otherwise solve it within a page's time-out."""
    from herverdeling.pipeline import RunSettings, run_chain

    run_chain(nl2025, RunSettings(scenario=nl2025.name))


@pytest.fixture(scope="session")
def nl2025() -> Scenario:
    return load_scenario("nl-2025")


@pytest.fixture(scope="session")
def public_data() -> Path:
    """The public facts the builder reads: data/ in the repository (sources in data/README.md)."""
    if not DATA.is_dir():
        pytest.fail(f"public data not found at {DATA}")
    return DATA
