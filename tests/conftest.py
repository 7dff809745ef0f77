from __future__ import annotations

from pathlib import Path

import pytest

from herverdeling.scenario.io import load_scenario
from herverdeling.scenario.model import Scenario

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def nl2025() -> Scenario:
    return load_scenario("nl-2025")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The public facts; the builder tests need them (CI has shared/ beside the clone)."""
    path = SHARED / "data"
    if not path.is_dir():
        pytest.fail(f"shared data not found at {path}")
    return path
