"""The page's map of one province and category (plotly): municipalities sized by task, merger
groups linked to their host, surplus swaps as arrows toward (or away from) the other province.

The view is zoomed to the province; an arrow's tail points in the direction of the other
province's centroid, so relief from far away stays readable without shrinking the province.
Colours follow documents/kaart.py (the run's national map).
"""

from __future__ import annotations

import json
import math
from typing import Any

import plotly.graph_objects as go

from herverdeling.commitments import Commitments
from herverdeling.proposals import AnyProposal, Merger, SurplusSwap, Uitruil
from herverdeling.scenario.model import Category, Scenario

SWAP = "#c0392b"
MERGER = "#2471a3"
UITRUIL = "#7d3c98"
ROLES = {  # role -> (label, colour)
    "host": ("gastgemeente", MERGER),
    "member": ("deelnemer samenvoeging", "#5dade2"),
    "small": ("kleine taak, niet samengevoegd", "#e67e22"),
    "relieved": ("ontlast (surplus-uitruil)", SWAP),
    "other": ("overige gemeenten", "#95a5a6"),
}
_ASPECT = 1.6  # latitude degrees drawn 1.6x longitude degrees (about right at 52 N)


def _size(places: int) -> float:
    return 6 + 1.6 * math.sqrt(max(places, 0))


def _centroid(scenario: Scenario, province: str) -> tuple[float, float]:
    ms = scenario.municipalities_in(province)
    w = [max(m.population, 1) for m in ms]
    return (sum(m.point.lon * x for m, x in zip(ms, w, strict=True)) / sum(w),
            sum(m.point.lat * x for m, x in zip(ms, w, strict=True)) / sum(w))


def province_figure(scenario: Scenario, province: str, category: Category,
                    proposals: list[AnyProposal],
                    done: Commitments) -> dict[str, Any]:
    """The figure as plotly JSON (data + layout), ready for Plotly.react in the page."""
    ms = scenario.municipalities_in(province)
    norm = scenario.norms.get(category)
    role: dict[str, str] = {}
    for p in proposals:
        if isinstance(p, Merger):
            role[p.host_code] = "host"
            for t in p.transfers:
                role.setdefault(t.from_code, "member")
    for m in ms:
        net = m.verdeelbesluit.get(category) - done.relieved(m.cbs_code, category)
        if m.cbs_code not in role:
            if 0 < net < norm.min_size:
                role[m.cbs_code] = "small"
            elif done.relieved(m.cbs_code, category) > 0:
                role[m.cbs_code] = "relieved"
    fig = go.Figure()
    for kind, colour, label in ((Merger, MERGER, "samenvoeging"), (Uitruil, UITRUIL, "uitruil")):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for p in proposals:
            if not isinstance(p, kind):
                continue
            for t in p.transfers:
                if t.category != category:
                    continue
                a, b = scenario.municipality(t.from_code).point, scenario.municipality(t.to_code).point
                xs += [a.lon, b.lon, None]
                ys += [a.lat, b.lat, None]
        if xs:
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=label, hoverinfo="skip",
                                     line={"color": colour, "width": 2}))
    for key, (label, colour) in ROLES.items():
        group = [m for m in ms if role.get(m.cbs_code, "other") == key]
        if not group:
            continue
        fig.add_trace(go.Scatter(
            x=[m.point.lon for m in group], y=[m.point.lat for m in group], mode="markers",
            name=label, customdata=[m.cbs_code for m in group],
            marker={"size": [_size(m.verdeelbesluit.get(category)) for m in group], "color": colour,
                    "opacity": 0.85,
                    "symbol": ["circle" if m.may_host else "circle-x-open" for m in group],
                    "line": {"width": 1, "color": "#2c3e50"}},
            text=[_hover(m, category, done) for m in group],
            hovertemplate="%{text}<extra></extra>",
        ))
    annotations = _arrows(scenario, province, category, proposals)
    lon = [m.point.lon for m in ms]
    lat = [m.point.lat for m in ms]
    pad_x = max(0.05, (max(lon) - min(lon)) * 0.08)
    pad_y = max(0.03, (max(lat) - min(lat)) * 0.08)
    fig.update_layout(
        xaxis={"range": [min(lon) - pad_x, max(lon) + pad_x], "title": "lengtegraad",
               "scaleanchor": "y", "scaleratio": _ASPECT, "constrain": "domain"},
        yaxis={"range": [min(lat) - pad_y, max(lat) + pad_y], "title": "breedtegraad"},
        template="plotly_white", height=520, margin={"l": 50, "r": 10, "t": 30, "b": 40},
        legend={"orientation": "h", "y": -0.12}, annotations=annotations,
        title={"text": f"{scenario.province(province).name}, {category}: grootte = taak; "
                       "✕ = mag niet hosten", "font": {"size": 13}},
        uirevision=f"{province}",
    )
    return json.loads(fig.to_json())


def _hover(m: Any, category: Category, done: Commitments) -> str:
    task = m.verdeelbesluit.get(category)
    rel = done.relieved(m.cbs_code, category)
    host = "mag gastgemeente zijn" if m.may_host else "mag geen gastgemeente zijn"
    return (f"<b>{m.name}</b> ({m.cbs_code})<br>verdeelbesluit {category}: {task}<br>"
            f"ontlast: {rel}, taak daarna: {task - rel}<br>{host}")


def _arrows(scenario: Scenario, province: str, category: Category,
            proposals: list[AnyProposal]) -> list[dict[str, Any]]:
    """One arrow per (municipality in the province, other province): tail toward that province."""
    inbound: dict[tuple[str, str], int] = {}  # relieved here, realised there
    outbound: dict[tuple[str, str], int] = {}  # realised here, relieving there
    for p in proposals:
        if not isinstance(p, SurplusSwap):
            continue
        for t in p.transfers:
            if t.category != category:
                continue
            frm, to = scenario.municipality(t.from_code), scenario.municipality(t.to_code)
            if frm.province == province and to.province != province:
                inbound[(frm.cbs_code, to.province)] = inbound.get((frm.cbs_code, to.province), 0) \
                    + int(t.places)
            elif to.province == province and frm.province != province:
                outbound[(to.cbs_code, frm.province)] = outbound.get((to.cbs_code, frm.province), 0) \
                    + int(t.places)
    out = []
    for (code, other), places in sorted(inbound.items()):
        out.append(_arrow(scenario, code, other, places, inbound=True))
    for (code, other), places in sorted(outbound.items()):
        out.append(_arrow(scenario, code, other, places, inbound=False))
    return out


def _arrow(scenario: Scenario, code: str, other: str, places: int, *, inbound: bool) -> dict[str, Any]:
    m = scenario.municipality(code)
    cx, cy = _centroid(scenario, other)
    dx, dy = cx - m.point.lon, (cy - m.point.lat) * _ASPECT
    norm = math.hypot(dx, dy) or 1.0
    length = 45.0
    ux, uy = dx / norm * length, -dy / norm * length  # screen y grows downward
    width = 1 + math.log1p(places) / 2
    text = f"{places} via {other}" if inbound else f"{places} voor {other}"
    if inbound:  # head at the relieved municipality, tail toward the realising province
        return {"x": m.point.lon, "y": m.point.lat, "ax": ux, "ay": uy, "xref": "x", "yref": "y",
                "axref": "pixel", "ayref": "pixel", "showarrow": True, "arrowhead": 3,
                "arrowwidth": width, "arrowcolor": SWAP, "text": text, "font": {"size": 10,
                "color": SWAP}, "hovertext": f"{m.name}: {places} plekken ontlast door {other}"}
    return {"x": m.point.lon, "y": m.point.lat, "ax": ux, "ay": uy, "xref": "x", "yref": "y",
            "axref": "pixel", "ayref": "pixel", "showarrow": True, "arrowhead": 3,
            "arrowside": "start", "arrowwidth": width, "arrowcolor": SWAP, "text": text,
            "font": {"size": 10, "color": SWAP},
            "hovertext": f"{m.name} realiseert {places} plekken voor {other}"}
