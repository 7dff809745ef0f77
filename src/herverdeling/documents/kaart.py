"""The map: an interactive, self-contained kaart.html (plotly.js embedded, works offline) and a
static kaart.png for summary.md. Both draw the same data: municipalities sized by task, surplus
swaps as arrows between provinces, merger groups linked to their host.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no screen on servers and in CI
import matplotlib.pyplot as plt
import plotly.graph_objects as go

from herverdeling.proposals import Merger, ProposalSet, SurplusSwap, Uitruil
from herverdeling.scenario.model import Scenario

_SWAP = "#c0392b"
_MERGER = "#2471a3"
_UITRUIL = "#7d3c98"


def _size(places: int) -> float:
    return 4 + 1.2 * math.sqrt(max(places, 0))


def _centroid(scenario: Scenario, province: str) -> tuple[float, float]:
    ms = scenario.municipalities_in(province)
    w = [max(m.population, 1) for m in ms]
    lon = sum(m.point.lon * x for m, x in zip(ms, w, strict=True)) / sum(w)
    lat = sum(m.point.lat * x for m, x in zip(ms, w, strict=True)) / sum(w)
    return lon, lat


def _links(scenario: Scenario, proposals: ProposalSet, kind: type) -> tuple[list, list]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for p in proposals.proposals:
        if not isinstance(p, kind):
            continue
        for t in p.transfers:
            a, b = scenario.municipality(t.from_code).point, scenario.municipality(t.to_code).point
            xs += [a.lon, b.lon, None]
            ys += [a.lat, b.lat, None]
    return xs, ys


def _swap_arrows(scenario: Scenario, proposals: ProposalSet) -> list[tuple[str, str, int, int]]:
    """(source province, sink province, regulier, amv) per surplus swap."""
    out = []
    for p in proposals.proposals:
        if isinstance(p, SurplusSwap):
            out.append((p.source_province, p.sink_province, int(p.places("regulier")),
                        int(p.places("amv"))))
    return out


def _hover(scenario: Scenario, tasks: dict[str, tuple[int, int]]) -> list[str]:
    texts = []
    for m in scenario.municipalities:
        reg, amv = tasks[m.cbs_code]
        texts.append(
            f"<b>{m.name}</b> ({m.cbs_code}, {m.province})<br>"
            f"verdeelbesluit: {m.verdeelbesluit.regulier} regulier, {m.verdeelbesluit.amv} amv<br>"
            f"IBT-taak na afspraken: {reg} regulier, {amv} amv"
        )
    return texts


def write_html(scenario: Scenario, proposals: ProposalSet, ibt_tasks: dict[str, tuple[int, int]],
               path: Path) -> Path:
    """`ibt_tasks`: per CBS code the (regulier, amv) task IBT holds it to, from the ledger."""
    fig = go.Figure()
    for kind, colour, label in ((Merger, _MERGER, "samenvoeging"), (Uitruil, _UITRUIL, "uitruil"),
                                (SurplusSwap, _SWAP, "surplus-uitruil (gemeenten)")):
        xs, ys = _links(scenario, proposals, kind)
        if xs:
            # municipality-level swap links are many: off until the reader switches them on
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=label, hoverinfo="skip",
                                     line={"color": colour, "width": 1.5 if kind is Merger else 1},
                                     visible="legendonly" if kind is SurplusSwap else True))
    ms = scenario.municipalities
    fig.add_trace(go.Scatter(
        x=[m.point.lon for m in ms], y=[m.point.lat for m in ms], mode="markers",
        name="gemeenten (grootte = taak)",
        marker={"size": [_size(m.verdeelbesluit.total) for m in ms], "color": "#7f8c8d",
                "opacity": 0.6, "line": {"width": 0.5, "color": "#2c3e50"}},
        text=_hover(scenario, ibt_tasks), hovertemplate="%{text}<extra></extra>",
    ))
    for src, sink, reg, amv in _swap_arrows(scenario, proposals):
        x0, y0 = _centroid(scenario, src)
        x1, y1 = _centroid(scenario, sink)
        fig.add_annotation(x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y",
                           showarrow=True, arrowhead=3, arrowsize=1.2,
                           arrowwidth=1 + math.log1p(reg + amv) / 2, arrowcolor=_SWAP,
                           hovertext=f"{src} → {sink}: {reg} regulier, {amv} amv", text="")
    fig.update_layout(
        title=f"Voorstellen {scenario.name}: surplus-uitruil (pijlen), samenvoegingen (lijnen)",
        xaxis={"title": "lengtegraad", "scaleanchor": "y", "scaleratio": 1.6},
        yaxis={"title": "breedtegraad"}, template="plotly_white", height=800,
        legend={"orientation": "h"},
    )
    fig.write_html(str(path), include_plotlyjs=True, full_html=True, div_id="kaart")  # no random id
    return path


def write_png(scenario: Scenario, proposals: ProposalSet, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(8, 9), dpi=110)
    for kind, colour in ((Merger, _MERGER), (Uitruil, _UITRUIL)):  # swaps: province arrows below
        xs, ys = _links(scenario, proposals, kind)
        if xs:
            ax.plot(xs, ys, color=colour, linewidth=1.4, alpha=0.9)
    ms = scenario.municipalities
    ax.scatter([m.point.lon for m in ms], [m.point.lat for m in ms],
               s=[_size(m.verdeelbesluit.total) ** 2 / 4 for m in ms], c="#7f8c8d", alpha=0.5,
               edgecolors="#2c3e50", linewidths=0.3)
    for src, sink, reg, amv in _swap_arrows(scenario, proposals):
        x0, y0 = _centroid(scenario, src)
        x1, y1 = _centroid(scenario, sink)
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                    arrowprops={"arrowstyle": "->", "color": _SWAP,
                                "lw": 1 + math.log1p(reg + amv) / 2})
        ax.text(x0 + 0.62 * (x1 - x0), y0 + 0.62 * (y1 - y0), f"{reg}+{amv}", fontsize=6,
                color=_SWAP, bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none",
                                   "alpha": 0.7})
    ax.set_aspect(1.6)
    ax.set_xlabel("lengtegraad")
    ax.set_ylabel("breedtegraad")
    ax.set_title(f"{scenario.name}: surplus-uitruil tussen provincies (rood, regulier+amv), "
                 "samenvoegingen (blauw), uitruil (paars)", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
