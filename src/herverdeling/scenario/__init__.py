"""Stage 1: the scenario (model, io, builders)."""

from herverdeling.scenario.io import load_scenario, write_scenario
from herverdeling.scenario.model import (
    CATEGORIES,
    Category,
    Municipality,
    Province,
    Scenario,
    Tasks,
)

__all__ = [
    "CATEGORIES", "Category", "Municipality", "Province", "Scenario", "Tasks",
    "load_scenario", "write_scenario",
]
