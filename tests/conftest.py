from __future__ import annotations

from pathlib import Path

import pytest

from herverdeling.scenario.io import load_scenario
from herverdeling.scenario.model import Scenario

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


@pytest.fixture(scope="session")
def nl2025() -> Scenario:
    return load_scenario("nl-2025")


@pytest.fixture(scope="session")
def public_data() -> Path:
    """The public facts the builder reads: data/ in the repository (sources in data/README.md)."""
    if not DATA.is_dir():
        pytest.fail(f"public data not found at {DATA}")
    return DATA
