"""The page's map of one province and category (plotly geo): the municipal boundaries coloured by
role (herverdeling.maps), merger links above the areas, surplus swaps as one arrow per pair of
provinces with its total, and the province outlines.

The view is the province's box; an arrow to a province outside it enters the box from that
province's direction and carries its label just inside the box, so labels never pile up on one
municipality. Only the province's municipalities are sent as GeoJSON (the rest are outlines).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
from shapely.geometry import shape

from herverdeling.boundaries import (
    CREDIT,
    geometry,
    outline,
    province_features,
    province_geometry,
)
from herverdeling.commitments import Commitments
from herverdeling.documents.kaart import add_areas
from herverdeling.maps import (
    LINK,
    OUTLINE,
    PLOTLY_CONFIG,
    ROLES,
    SWAP,
    UITRUIL,
    anchor,
    first_trace,
    links,
    nl,
    province_anchor,
    roles_in_view,
    swap_pairs,
)
from herverdeling.proposals import AnyProposal, Merger, Uitruil
from herverdeling.scenario.model import Category, Scenario

_CAT_NL = {"regulier": "regulier", "amv": "AMV"}


def _box(scenario: Scenario, province: str) -> tuple[float, float, float, float]:
    xs: list[float] = []
    ys: list[float] = []
    for m in scenario.municipalities_in(province):
        geom = geometry(m.cbs_code)
        if geom is not None:
            x0, y0, x1, y1 = geom.bounds
            xs += [x0, x1]
            ys += [y0, y1]
        else:
            xs.append(m.point.lon)
            ys.append(m.point.lat)
    px = max(0.05, (max(xs) - min(xs)) * 0.06)
    py = max(0.03, (max(ys) - min(ys)) * 0.06)
    return min(xs) - px, min(ys) - py, max(xs) + px, max(ys) + py


def _label_point(a: tuple[float, float], b: tuple[float, float],
                 box: tuple[float, float, float, float]) -> tuple[float, float]:
    """Where the segment a -> b (b inside the view) first is well inside the box."""
    x0, y0, x1, y1 = box
    ix, iy = (x1 - x0) * 0.12, (y1 - y0) * 0.12
    for i in range(0, 41):
        t = i / 40
        x, y = a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])
        if x0 + ix <= x <= x1 - ix and y0 + iy <= y <= y1 - iy:
            return (x, y) if t < 0.9 else (a[0] + 0.6 * (b[0] - a[0]), a[1] + 0.6 * (b[1] - a[1]))
    return a[0] + 0.6 * (b[0] - a[0]), a[1] + 0.6 * (b[1] - a[1])


def _hover(scenario: Scenario, code: str, category: Category, done: Commitments,
           role: str) -> str:
    m = scenario.municipality(code)
    c = done.of(code, category)
    task = m.verdeelbesluit.get(category)
    lines = [f"<b>{m.name}</b> ({code})", f"{ROLES[role][0]}",
             f"verdeelbesluit {_CAT_NL[category]}: {nl(task)}"]
    if c.relieved:
        lines.append(f"ontlast: {nl(c.relieved)}, taak daarna: {nl(task - c.relieved)}")
    if c.merged_away:
        lines.append(f"samengevoegd bij gastgemeente: {nl(c.merged_away)}")
    if c.hosts:
        lines.append(f"neemt op van anderen: {nl(c.hosts)}")
    if c.backs:
        lines.append(f"realiseert voor een andere provincie: {nl(c.backs)}")
    if c.realises:
        lines.append(f"realiseert via uitruil: {nl(c.realises)}")
    lines.append("mag gastgemeente zijn" if m.may_host else "mag geen gastgemeente zijn")
    return "<br>".join(lines)


def province_figure(scenario: Scenario, province: str, category: Category,
                    proposals: list[AnyProposal], done: Commitments) -> dict[str, Any]:
    """The figure as plotly JSON (data, layout, config), ready for Plotly.react in the page."""
    ms = scenario.municipalities_in(province)
    codes = [m.cbs_code for m in ms]
    role = roles_in_view(scenario, codes, category, proposals, done)
    fig = go.Figure(data=[first_trace()])
    # the other provinces' outlines first (context), then this province's areas
    _outlines(fig, scenario, province)
    add_areas(fig, scenario, role, ROLES, {c: _hover(scenario, c, category, done, role[c]) for c in codes},
              codes=codes, edge_width=0.6, marker_size=11)
    _province_border(fig, scenario, province)
    _no_host(fig, scenario, ms)
    _links(fig, scenario, proposals, category)
    box = _box(scenario, province)
    _swaps(fig, scenario, province, proposals, category, box)
    _names(fig, scenario, codes, role)
    x0, y0, x1, y1 = box
    name = scenario.province(province).name
    fig.update_layout(
        geo={"visible": False, "projection": {"type": "mercator"}, "bgcolor": "white",
             "lonaxis": {"range": [x0, x1]}, "lataxis": {"range": [y0, y1]}},
        height=560, margin={"l": 0, "r": 0, "t": 34, "b": 0}, paper_bgcolor="white",
        legend={"orientation": "h", "y": -0.02, "yanchor": "top", "font": {"size": 11},
                "title": {"text": "Kleur: "}},
        title={"text": f"{name}, {_CAT_NL[category]}: rol per gemeente; lijnen: samenvoegingen; "
                       "pijlen: surplus-uitruil", "font": {"size": 13}},
        annotations=[{"text": CREDIT, "xref": "paper", "yref": "paper", "x": 1, "y": 0,
                      "xanchor": "right", "yanchor": "bottom", "showarrow": False,
                      "font": {"size": 9, "color": "#555"}}],
        uirevision=province,
    )
    out = json.loads(fig.to_json())
    out["config"] = {**PLOTLY_CONFIG, "locale": "nl"}  # the toolbar in Dutch (app.js registers it)
    return out


def _outlines(fig: go.Figure, scenario: Scenario, province: str) -> None:
    lons: list[float | None] = []
    lats: list[float | None] = []
    own = scenario.province(province).name.lower()
    for name, f in province_features().items():
        if name == own:
            continue
        xs, ys = outline(shape(f["geometry"]))
        lons += xs
        lats += ys
    if lons:
        fig.add_trace(go.Scattergeo(lon=lons, lat=lats, mode="lines", hoverinfo="skip",
                                    line={"color": "#b0b0b0", "width": 0.8}, showlegend=False,
                                    name="provinciegrenzen"))


def _province_border(fig: go.Figure, scenario: Scenario, province: str) -> None:
    geom = province_geometry(scenario.province(province).name)
    if geom is None:
        return
    xs, ys = outline(geom)
    fig.add_trace(go.Scattergeo(lon=xs, lat=ys, mode="lines", hoverinfo="skip", showlegend=False,
                                name="provinciegrens", line={"color": OUTLINE, "width": 2}))


def _no_host(fig: go.Figure, scenario: Scenario, ms: Sequence[Any]) -> None:
    not_host = [m.cbs_code for m in ms if not m.may_host]
    if not_host:
        pts = [anchor(scenario, c) for c in not_host]
        fig.add_trace(go.Scattergeo(
            lon=[p[0] for p in pts], lat=[p[1] for p in pts], mode="markers",
            name="✕ mag geen gastgemeente zijn", hoverinfo="skip",
            marker={"symbol": "x-thin", "size": 7, "line": {"width": 1.5, "color": "#333"}}))


def _links(fig: go.Figure, scenario: Scenario, proposals: list[AnyProposal],
           category: Category) -> None:
    for kind, colour, label, dash in ((Merger, LINK, "samenvoeging (lijn naar gastgemeente)",
                                       "solid"), (Uitruil, UITRUIL, "uitruil", "dash")):
        pairs = links(scenario, proposals, kind, category)
        if not pairs:
            continue
        lon: list[float | None] = []
        lat: list[float | None] = []
        for a, b in pairs:
            lon += [a[0], b[0], None]
            lat += [a[1], b[1], None]
        fig.add_trace(go.Scattergeo(lon=lon, lat=lat, mode="lines", name=label, hoverinfo="skip",
                                    line={"color": colour, "width": 2, "dash": dash}))
        if kind is Merger:
            hosts = sorted({b for _, b in pairs})
            fig.add_trace(go.Scattergeo(
                lon=[h[0] for h in hosts], lat=[h[1] for h in hosts], mode="markers",
                name="● gastgemeente (locatie)", hoverinfo="skip", showlegend=False,
                marker={"size": 9, "color": "white", "line": {"width": 2.5, "color": LINK}}))


def _swaps(fig: go.Figure, scenario: Scenario, province: str, proposals: list[AnyProposal],
           category: Category, box: tuple[float, float, float, float]) -> None:
    pairs = {k: v for k, v in swap_pairs(proposals, (category,)).items() if province in k}
    if not pairs:
        return
    here = province_anchor(scenario, province)
    lon: list[float | None] = []
    lat: list[float | None] = []
    heads_lon: list[float] = []
    heads_lat: list[float] = []
    text_lon: list[float] = []
    text_lat: list[float] = []
    texts: list[str] = []
    hovers: list[str] = []
    for (src, sink), n in sorted(pairs.items()):
        a, b = province_anchor(scenario, src), province_anchor(scenario, sink)
        lon += [a[0], b[0], None]
        lat += [a[1], b[1], None]
        heads_lon += [a[0], b[0]]
        heads_lat += [a[1], b[1]]
        other = a if sink == province else b
        t = _label_point(other, here, box)
        step = (box[3] - box[1]) * 0.045
        while any(abs(t[0] - x) < (box[2] - box[0]) * 0.12 and abs(t[1] - y) < step
                  for x, y in zip(text_lon, text_lat, strict=True)):
            t = (t[0], t[1] - step)  # a label in the same direction as another: one line lower
        text_lon.append(t[0])
        text_lat.append(t[1])
        texts.append(f"<b>{src} → {sink}: {nl(n)}</b>")
        hovers.append(f"{scenario.province(src).name} realiseert {nl(n)} plaatsen "
                      f"({_CAT_NL[category]}) voor {scenario.province(sink).name}")
    fig.add_trace(go.Scattergeo(lon=lon, lat=lat, mode="lines", hoverinfo="skip",
                                name="surplus-uitruil: pijl van plusprovincie naar ontlaste "
                                     "provincie, getal = plaatsen",
                                line={"color": SWAP, "width": 3}, legendgroup="swap"))
    # the arrow heads: a marker at each sink, turned along its segment
    fig.add_trace(go.Scattergeo(lon=heads_lon, lat=heads_lat, mode="markers", hoverinfo="skip",
                                showlegend=False, legendgroup="swap",
                                marker={"symbol": ["circle", "arrow"] * len(pairs),
                                        "angleref": "previous", "size": [5, 16] * len(pairs),
                                        "color": SWAP}))
    fig.add_trace(go.Scattergeo(lon=text_lon, lat=text_lat, mode="text", text=texts,
                                hovertext=hovers, hoverinfo="text", showlegend=False,
                                legendgroup="swap",
                                textfont={"size": 12, "color": SWAP, "shadow": "0 0 3px white"}))


def _names(fig: go.Figure, scenario: Scenario, codes: list[str], role: dict[str, str]) -> None:
    """Names of the municipalities that play a role here (all names are on hover)."""
    named = [c for c in codes if role[c] in ("host", "member", "small", "relieved")]
    if not named:
        return
    pts = [anchor(scenario, c) for c in named]
    fig.add_trace(go.Scattergeo(
        lon=[p[0] for p in pts], lat=[p[1] for p in pts], mode="text", hoverinfo="skip",
        text=[scenario.municipality(c).name for c in named], textposition="top center",
        textfont={"size": 9, "color": "#111"}, showlegend=False, name="namen"))
