"""The map of a run: an interactive, self-contained kaart.html (plotly.js inlined, works offline,
no cloud buttons) and a static kaart.png for summary.md (matplotlib, the same GeoJSON polygons).

Both draw the explorer's style (herverdeling.maps): municipalities coloured by role over both
categories, merger links above the areas, one surplus-swap arrow per pair of provinces with its
total, the province outlines and the CBS / PDOK credit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no screen on servers and in CI
import matplotlib.pyplot as plt
import plotly.graph_objects as go
from matplotlib.artist import Artist
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from shapely.geometry import shape

from herverdeling.boundaries import CREDIT, collection, geometry, outline, province_features
from herverdeling.commitments import commitments_of
from herverdeling.maps import (
    EDGE,
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
    roles_national,
    swap_pairs,
)
from herverdeling.proposals import Merger, ProposalSet, Uitruil
from herverdeling.scenario.model import Scenario

_ASPECT = 1.64  # matplotlib only: 1 / cos(52.4 N), latitude degrees drawn longer than longitude


def _hover(scenario: Scenario, code: str, role: str, tasks: dict[str, tuple[int, int]]) -> str:
    m = scenario.municipality(code)
    reg, amv = tasks.get(code, (m.verdeelbesluit.regulier, m.verdeelbesluit.amv))
    return (f"<b>{m.name}</b> ({code}, {m.province})<br>{ROLES[role][0]}<br>"
            f"verdeelbesluit: {nl(m.verdeelbesluit.regulier)} regulier, "
            f"{nl(m.verdeelbesluit.amv)} AMV<br>IBT-taak na afspraken: {nl(reg)} regulier, "
            f"{nl(amv)} AMV")


def _pairs(proposals: ProposalSet) -> list[tuple[str, str, int, int]]:
    reg = swap_pairs(proposals.proposals, ("regulier",))
    amv = swap_pairs(proposals.proposals, ("amv",))
    return [(s, t, reg.get((s, t), 0), amv.get((s, t), 0)) for s, t in sorted(set(reg) | set(amv))]


def _pair_text(reg: int, amv: int) -> str:
    if not reg:
        return f"{nl(amv)} AMV"
    return f"{nl(reg)} + {nl(amv)} AMV" if amv else nl(reg)


def national_figure(scenario: Scenario, proposals: ProposalSet,
                    ibt_tasks: dict[str, tuple[int, int]]) -> go.Figure:
    """The national map as a plotly figure (kaart.html)."""
    role = roles_national(scenario, commitments_of(proposals.proposals))
    fig = go.Figure(data=[first_trace()])
    texts = {m.cbs_code: _hover(scenario, m.cbs_code, role[m.cbs_code], ibt_tasks)
             for m in scenario.municipalities}
    add_areas(fig, scenario, role, ROLES, texts)
    _add_province_outlines(fig)
    for kind, colour, label, dash in ((Merger, LINK, "samenvoeging (lijn naar gastgemeente)",
                                       "solid"), (Uitruil, UITRUIL, "uitruil", "dash")):
        pairs = links(scenario, proposals.proposals, kind)
        if pairs:
            lon: list[float | None] = []
            lat: list[float | None] = []
            for a, b in pairs:
                lon += [a[0], b[0], None]
                lat += [a[1], b[1], None]
            fig.add_trace(go.Scattergeo(lon=lon, lat=lat, mode="lines", name=label,
                                        hoverinfo="skip", line={"color": colour, "width": 1.5,
                                                                "dash": dash}))
    pairs4 = _pairs(proposals)
    if pairs4:
        lon = []
        lat = []
        hl: list[float] = []
        ht: list[float] = []
        tl: list[float] = []
        tt: list[float] = []
        labels: list[str] = []
        tips: list[str] = []
        for src, sink, reg, amv in pairs4:
            a, b = province_anchor(scenario, src), province_anchor(scenario, sink)
            lon += [a[0], b[0], None]
            lat += [a[1], b[1], None]
            hl += [a[0], b[0]]
            ht += [a[1], b[1]]
            tl.append(a[0] + 0.55 * (b[0] - a[0]))
            tt.append(a[1] + 0.55 * (b[1] - a[1]))
            labels.append(f"<b>{_pair_text(reg, amv)}</b>")
            tips.append(f"{scenario.province(src).name} realiseert voor "
                          f"{scenario.province(sink).name}: {nl(reg)} regulier, {nl(amv)} AMV")
        fig.add_trace(go.Scattergeo(lon=lon, lat=lat, mode="lines", hoverinfo="skip",
                                    legendgroup="swap", line={"color": SWAP, "width": 2.5},
                                    name="surplus-uitruil: pijl van plusprovincie naar ontlaste "
                                         "provincie, getal = plaatsen"))
        fig.add_trace(go.Scattergeo(lon=hl, lat=ht, mode="markers", hoverinfo="skip",
                                    showlegend=False, legendgroup="swap",
                                    marker={"symbol": ["circle", "arrow"] * len(pairs4),
                                            "angleref": "previous",
                                            "size": [5, 15] * len(pairs4), "color": SWAP}))
        fig.add_trace(go.Scattergeo(lon=tl, lat=tt, mode="text", text=labels, hovertext=tips,
                                    hoverinfo="text", showlegend=False, legendgroup="swap",
                                    textfont={"size": 11, "color": SWAP, "shadow": "0 0 3px white"}))
    _layout(fig, f"Voorstellen {scenario.human_name}: rol per gemeente, samenvoegingen (lijnen), "
                 "surplus-uitruil tussen provincies (pijlen)")
    return fig


def add_areas(fig: go.Figure, scenario: Scenario, klass: dict[str, str],
              palette: dict[str, tuple[str, str]], texts: dict[str, str], *,
              codes: list[str] | None = None, edge_width: float = 0.4,
              marker_size: int = 9) -> None:
    """One legend entry per class of `palette`: its municipalities' shapes (or markers).

    Shared by the paper maps (kaart, shortfall map) and the explorer's province map, so that
    screen and paper draw areas the same way. `codes`: the municipalities drawn (default all).
    """
    codes = [m.cbs_code for m in scenario.municipalities] if codes is None else codes
    for key, (label, colour) in palette.items():
        group = [c for c in codes if klass[c] == key]
        shaped = [c for c in group if geometry(c) is not None]
        loose = [c for c in group if geometry(c) is None]  # no boundary (a synthetic scenario)
        if shaped:
            fig.add_trace(go.Choropleth(
                geojson=collection(shaped), locations=shaped, featureidkey="id", z=[1] * len(shaped),
                colorscale=[[0, colour], [1, colour]], showscale=False, showlegend=True, name=label,
                legendgroup=key, customdata=shaped, text=[texts[c] for c in shaped],
                hovertemplate="%{text}<extra></extra>", marker={"line": {"color": EDGE,
                                                                         "width": edge_width}}))
        if loose:
            pts = [anchor(scenario, c) for c in loose]
            fig.add_trace(go.Scattergeo(
                lon=[p[0] for p in pts], lat=[p[1] for p in pts], mode="markers", name=label,
                legendgroup=key, showlegend=not shaped, customdata=loose,
                text=[texts[c] for c in loose], hovertemplate="%{text}<extra></extra>",
                marker={"size": marker_size, "color": colour, "line": {"width": 1, "color": EDGE}}))


def _add_province_outlines(fig: go.Figure) -> None:
    lons: list[float | None] = []
    lats: list[float | None] = []
    for f in province_features().values():
        xs, ys = outline(shape(f["geometry"]))
        lons += xs
        lats += ys
    if lons:
        fig.add_trace(go.Scattergeo(lon=lons, lat=lats, mode="lines", hoverinfo="skip",
                                    showlegend=False, name="provinciegrenzen",
                                    line={"color": OUTLINE, "width": 1.4}))


def _layout(fig: go.Figure, title: str) -> None:
    fig.update_layout(
        title={"text": title, "font": {"size": 14}},
        geo={"visible": False, "projection": {"type": "mercator"}, "fitbounds": "locations",
             "bgcolor": "white"},
        height=860, margin={"l": 0, "r": 0, "t": 40, "b": 0}, paper_bgcolor="white",
        legend={"orientation": "h", "y": 0, "yanchor": "top", "title": {"text": "Kleur: "}},
        annotations=[{"text": CREDIT, "xref": "paper", "yref": "paper", "x": 1, "y": 0,
                      "xanchor": "right", "yanchor": "bottom", "showarrow": False,
                      "font": {"size": 10, "color": "#555"}}],
    )


def classes_figure(scenario: Scenario, klass: dict[str, str], palette: dict[str, tuple[str, str]],
                   texts: dict[str, str], title: str) -> go.Figure:
    """Municipalities coloured by a class per CBS code (e.g. the monitor's shortfall), same style."""
    fig = go.Figure(data=[first_trace()])
    add_areas(fig, scenario, klass, palette, texts)
    _add_province_outlines(fig)
    _layout(fig, title)
    return fig


def write_classes_html(fig: go.Figure, path: Path) -> Path:
    fig.write_html(str(path), include_plotlyjs=True, full_html=True, config=PLOTLY_CONFIG,
                   div_id="kaart")  # a fixed id: the same bytes on every run
    return path


def write_html(scenario: Scenario, proposals: ProposalSet, ibt_tasks: dict[str, tuple[int, int]],
               path: Path) -> Path:
    """`ibt_tasks`: per CBS code the (regulier, amv) task IBT holds it to, from the ledger."""
    fig = national_figure(scenario, proposals, ibt_tasks)
    fig.write_html(str(path), include_plotlyjs=True, full_html=True, config=PLOTLY_CONFIG,
                   div_id="kaart")  # a fixed id: the same bytes on every run
    return path


def _polygon_path(geom: object) -> MplPath:
    """A matplotlib path of a (multi)polygon with its holes."""
    verts: list[tuple[float, float]] = []
    codes: list[Any] = []
    for poly in getattr(geom, "geoms", [geom]):
        for ring in (poly.exterior, *poly.interiors):
            pts = list(ring.coords)
            verts += pts
            codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(pts) - 2) + [MplPath.CLOSEPOLY]
    return MplPath(verts, codes)


def write_png(scenario: Scenario, proposals: ProposalSet, path: Path) -> Path:
    """The same map as kaart.html, drawn by matplotlib from the same GeoJSON polygons."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    role = roles_national(scenario, commitments_of(proposals.proposals))
    fig, ax = plt.subplots(figsize=(8, 9.5), dpi=120)
    _draw_areas(ax, scenario, {c: ROLES[r][1] for c, r in role.items()})
    for kind, colour, style in ((Merger, LINK, "-"), (Uitruil, UITRUIL, "--")):
        for a, b in links(scenario, proposals.proposals, kind):
            ax.plot([a[0], b[0]], [a[1], b[1]], style, color=colour, linewidth=1.0, zorder=4)
    for src, sink, reg, amv in _pairs(proposals):
        a, b = province_anchor(scenario, src), province_anchor(scenario, sink)
        ax.annotate("", xy=b, xytext=a, zorder=5,
                    arrowprops={"arrowstyle": "-|>", "color": SWAP, "lw": 2.0,
                                "mutation_scale": 14})
        ax.text(a[0] + 0.55 * (b[0] - a[0]), a[1] + 0.55 * (b[1] - a[1]), _pair_text(reg, amv),
                fontsize=7, color=SWAP, ha="center", va="center", zorder=6, fontweight="bold",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85})
    handles: list[Artist] = [Patch(facecolor=c, edgecolor=EDGE, label=label)
                             for label, c in ROLES.values()]
    handles += [Line2D([], [], color=LINK, label="samenvoeging (lijn naar gastgemeente)"),
                Line2D([], [], color=UITRUIL, linestyle="--", label="uitruil"),
                Line2D([], [], color=SWAP, lw=2, marker=">",
                       label="surplus-uitruil: plusprovincie → ontlaste provincie (plaatsen)")]
    return _finish_png(fig, ax, handles, f"Voorstellen {scenario.human_name}: rol per gemeente, "
                       "samenvoegingen, surplus-uitruil tussen provincies", path)


def _draw_areas(ax: Any, scenario: Scenario, colour: dict[str, str]) -> None:
    shaped = False
    for m in scenario.municipalities:
        geom = geometry(m.cbs_code)
        if geom is not None:
            shaped = True
            ax.add_patch(PathPatch(_polygon_path(geom), facecolor=colour[m.cbs_code],
                                   edgecolor=EDGE, linewidth=0.25))
        else:
            ax.scatter([m.point.lon], [m.point.lat], s=40, c=colour[m.cbs_code], edgecolors=EDGE,
                       linewidths=0.5, zorder=3)
    if shaped:
        for f in province_features().values():
            ax.add_patch(PathPatch(_polygon_path(shape(f["geometry"])), facecolor="none",
                                   edgecolor=OUTLINE, linewidth=0.9, zorder=2))


def _finish_png(fig: Any, ax: Any, handles: list[Artist], title: str, path: Path) -> Path:
    ax.autoscale_view()
    ax.set_aspect(_ASPECT)
    ax.set_axis_off()
    ax.legend(handles=handles, loc="upper left", fontsize=6.5, frameon=True, framealpha=0.9)
    ax.set_title(title, fontsize=9)
    fig.text(0.99, 0.01, CREDIT, ha="right", va="bottom", fontsize=6.5, color="#555")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def write_classes_png(scenario: Scenario, klass: dict[str, str],
                      palette: dict[str, tuple[str, str]], title: str, path: Path) -> Path:
    """The classes map as kaart.png draws the roles: the same polygons, outlines and credit."""
    from matplotlib.patches import Patch

    fig, ax = plt.subplots(figsize=(8, 9.5), dpi=120)
    _draw_areas(ax, scenario, {c: palette[k][1] for c, k in klass.items()})
    handles: list[Artist] = [Patch(facecolor=c, edgecolor=EDGE, label=label)
                             for label, c in palette.values()]
    return _finish_png(fig, ax, handles, title, path)
