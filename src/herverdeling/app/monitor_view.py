"""The IBT monitor on the page (issue 17, point 3): the same rows `herverdeling monitor` prints.

The agreements are the view's proposals that pass the check (what `propose` books onto the
ledger); the realisation is the scenario folder's realisation.csv (given to `create_app`) or a
monitor export the page uploads. The rows shown are the province's in the category; the map is
`monitor_figure`, coloured by shortfall.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from herverdeling.maps import PLOTLY_CONFIG
from herverdeling.monitor import Monitor, MonitorRow, load_monitor_settings, monitor
from herverdeling.proposals import AnyProposal
from herverdeling.scenario.model import Category, Scenario
from herverdeling.scenario.realisation import Realisation, read_realisation

SUFFIXES = (".csv", ".xlsx")


def monitor_of(scenario: Scenario, agreements: tuple[AnyProposal, ...], realisation: Realisation,
               settings: str) -> Monitor:
    """`herverdeling monitor` for these agreements and figures, with the settings' default variant."""
    return monitor(scenario, agreements, realisation, load_monitor_settings(settings))


def shown_rows(m: Monitor, province: str, category: Category) -> list[MonitorRow]:
    """The province's rows in the category, in the monitor's order."""
    return [r for r in m.rows if r.province == province and r.category == category]


def monitor_figure_json(m: Monitor, scenario: Scenario) -> dict[str, Any]:
    """The shortfall map as the page's plotly call wants it (bundled plotly, our toolbar)."""
    from herverdeling.monitor.writers import monitor_figure

    out = monitor_figure(m, scenario).to_plotly_json()
    layout = {**out["layout"], "height": 560}
    config = {**PLOTLY_CONFIG, "toImageButtonOptions": {"filename": "kaart-tekort", "format": "png"},
              "locale": "nl"}
    return {"data": out["data"], "layout": layout, "config": config}


def read_upload(data: bytes, filename: str, scenario: Scenario) -> Realisation:
    """An uploaded realisation.csv or monitor export, checked as `monitor --realisatie` checks it
    (a ScenarioError names the file, row and field)."""
    from herverdeling.errors import ScenarioError

    name = Path(filename).name or "realisatie.csv"
    if Path(name).suffix.lower() not in SUFFIXES:
        raise ScenarioError(f"{name}: kies een realisation.csv of een monitorexport (.csv of .xlsx)")
    with tempfile.TemporaryDirectory(prefix="herverdeling-upload-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        real = read_realisation(path, scenario)
    return real.model_copy(update={"file": name})
