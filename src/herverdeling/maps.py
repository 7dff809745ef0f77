"""One map style for the explorer, kaart.html and kaart.png: roles, colours, config, swap totals.

Colours are the Okabe-Ito palette (safe for the common colour-vision deficiencies); each role is
one categorical colour, so the legend explains every area. Surplus swaps are one arrow per pair
of provinces with its total; merger links are lines drawn above the areas.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from herverdeling.boundaries import geometry, province_geometry
from herverdeling.commitments import Commitments
from herverdeling.proposals import AnyProposal, Merger, SurplusSwap, Uitruil
from herverdeling.scenario.model import CATEGORIES, Category, Scenario

SWAP = "#D55E00"  # vermillion: surplus swaps between provinces
LINK = "#1a1a1a"  # merger links, above the areas
UITRUIL = "#882255"  # uitruil links (dashed)
EDGE = "#555555"  # municipal borders
OUTLINE = "#222222"  # provincial borders
ROLES: dict[str, tuple[str, str]] = {  # role -> (Dutch label, colour), in order of precedence
    "host": ("gastgemeente", "#0072B2"),
    "member": ("deelnemer samenvoeging", "#56B4E9"),
    "small": ("kleine taak, niet samengevoegd", "#E69F00"),
    "relieved": ("ontlast (surplus-uitruil)", "#009E73"),
    "realiser": ("realiseert voor anderen", "#CC79A7"),
    "other": ("overige gemeenten", "#E8E8E8"),
}
# no button that uploads or leaves the machine; the image button saves a PNG locally
# (plotly.js 3 dropped showLink and showEditInChartStudio: plotly warns on them, so not set)
PLOTLY_CONFIG: dict[str, Any] = {
    "displaylogo": False, "showSendToCloud": False, "responsive": True,
    "modeBarButtonsToRemove": ["sendDataToCloud", "editInChartStudio", "lasso2d", "select2d"],
    "toImageButtonOptions": {"filename": "kaart", "format": "png"},
}


def first_trace() -> dict[str, Any]:
    """An empty lon/lat trace to put first in every geo figure.

    plotly.js decides from the first trace alone whether to fetch its world map from
    cdn.plot.ly (it does for a choropleth first); with this trace first it never does.
    """
    return {"type": "scattergeo", "lon": [], "lat": [], "mode": "lines", "hoverinfo": "skip",
            "showlegend": False, "name": "basis"}


def roles_in_view(scenario: Scenario, codes: Iterable[str], category: Category,
                  proposals: list[AnyProposal], done: Commitments) -> dict[str, str]:
    """Each municipality's role in one category (the explorer's view of one province)."""
    role: dict[str, str] = {}
    for p in proposals:
        if isinstance(p, Merger) and p.category == category:
            role[p.host_code] = "host"
            for t in p.transfers:
                role.setdefault(t.from_code, "member")
    min_size = scenario.norms.get(category).min_size
    for code in codes:
        if code in role:
            continue
        c = done.of(code, category)
        net = scenario.municipality(code).verdeelbesluit.get(category) - c.relieved
        if 0 < net < min_size:
            role[code] = "small"
        elif c.relieved > 0:
            role[code] = "relieved"
        elif c.backs > 0 or c.realises > 0:
            role[code] = "realiser"
        else:
            role[code] = "other"
    return role


def roles_national(scenario: Scenario, done: Commitments) -> dict[str, str]:
    """Each municipality's role over both categories (the run's national map)."""
    out = {}
    for m in scenario.municipalities:
        cs = [done.of(m.cbs_code, c) for c in CATEGORIES]
        if any(c.hosts for c in cs):
            out[m.cbs_code] = "host"
        elif any(c.merged_away for c in cs):
            out[m.cbs_code] = "member"
        elif any(c.relieved for c in cs):
            out[m.cbs_code] = "relieved"
        elif any(c.backs or c.realises for c in cs):
            out[m.cbs_code] = "realiser"
        else:
            out[m.cbs_code] = "other"
    return out


def anchor(scenario: Scenario, code: str) -> tuple[float, float]:
    """(lon, lat) for a municipality's marker, label and links: inside its shape when known."""
    geom = geometry(code)
    if geom is not None:
        p = geom.representative_point()
        return round(p.x, 4), round(p.y, 4)
    m = scenario.municipality(code)
    return m.point.lon, m.point.lat


def province_anchor(scenario: Scenario, province: str) -> tuple[float, float]:
    """(lon, lat) where a province's swap arrows start and end."""
    geom = province_geometry(scenario.province(province).name)
    if geom is not None:
        p = geom.representative_point()
        return round(p.x, 4), round(p.y, 4)
    ms = scenario.municipalities_in(province)
    w = [max(m.population, 1) for m in ms]
    return (sum(m.point.lon * x for m, x in zip(ms, w, strict=True)) / sum(w),
            sum(m.point.lat * x for m, x in zip(ms, w, strict=True)) / sum(w))


def swap_pairs(proposals: Iterable[AnyProposal],
               categories: Iterable[Category] = CATEGORIES) -> dict[tuple[str, str], int]:
    """Places per (plusprovincie, relieved province) over all their surplus swaps."""
    cats = tuple(categories)
    out: dict[tuple[str, str], int] = {}
    for p in proposals:
        if isinstance(p, SurplusSwap):
            n = sum(int(p.places(c)) for c in cats)
            if n:
                key = (p.source_province, p.sink_province)
                out[key] = out.get(key, 0) + n
    return out


def links(scenario: Scenario, proposals: Iterable[AnyProposal], kind: type,
          category: Category | None = None) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """(from, to) anchor pairs of the transfers of every proposal of `kind` (Merger or Uitruil)."""
    assert kind in (Merger, Uitruil)
    out = []
    for p in proposals:
        if isinstance(p, kind):
            for t in p.transfers:
                if category is None or t.category == category:
                    out.append((anchor(scenario, t.from_code), anchor(scenario, t.to_code)))
    return out


def nl(n: int) -> str:
    """1.234 (Dutch thousands separator)."""
    return f"{n:,}".replace(",", ".")


# The monitor's map (issue 17, point 3): municipalities by shortfall over both categories, from
# "no figure" to a large shortfall; Okabe-Ito colours, light to dark as the shortfall grows.
SHORTFALL_CLASSES: dict[str, tuple[str, str]] = {  # class -> (Dutch label, colour)
    "unknown": ("geen realisatiemelding", "#E8E8E8"),
    "none": ("geen tekort", "#56B4E9"),
    "small": ("tekort 1 tot 25 plaatsen", "#F0E442"),
    "medium": ("tekort 25 tot 100 plaatsen", "#E69F00"),
    "large": ("tekort 100 plaatsen of meer", "#D55E00"),
}


def shortfall_class(shortfall: int | None) -> str:
    """The map class of a municipality's shortfall (None: no realisation figure)."""
    if shortfall is None:
        return "unknown"
    if shortfall <= 0:
        return "none"
    return "small" if shortfall < 25 else "medium" if shortfall < 100 else "large"
