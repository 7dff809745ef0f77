"""The frontier's files (issue 14, point 4): frontier.csv, frontier.json and frontier.png.

One row per point with the issue's columns (point, relief, agreements, parties, max_parties,
fairness, place_km) and how it was made and checked; the JSON adds every level's status, bound and
gap. No wall-clock figure is written here (manifest.json has the seconds), so the same frontier
gives the same bytes; the PNG carries no software version or date.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no screen on servers and in CI
import matplotlib.pyplot as plt

from herverdeling.cpsat import worst_status
from herverdeling.surplus.deals.frontier import Frontier, FrontierPoint

COLUMNS = ("point", "relief", "agreements", "parties", "max_parties", "fairness", "place_km",
           "share", "order", "worst_status", "worst_gap", "proposals", "passed", "failed")


def point_status(p: FrontierPoint) -> str:
    """The worst status of the point's solves, by the one order in `herverdeling.cpsat`."""
    return worst_status(i.status for i in p.solve_info)


def row(p: FrontierPoint) -> dict[str, Any]:
    return {"point": p.point, "relief": p.relief, "agreements": p.agreements, "parties": p.parties,
            "max_parties": p.max_parties, "fairness": p.fairness, "place_km": p.place_km,
            "share": p.share, "order": p.order, "worst_status": point_status(p),
            "worst_gap": None if p.worst_gap is None else round(p.worst_gap, 4),
            "proposals": p.proposals, "passed": p.passed, "failed": p.failed}


def frontier_csv(f: Frontier) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for p in f.points:
        w.writerow({k: "" if v is None else v for k, v in row(p).items()})
    return buf.getvalue()


def frontier_json(f: Frontier) -> str:
    """The rows plus, per point, every level's status, objective, bound and gap (no seconds)."""
    points = []
    for p in f.points:
        levels = [{"category": i.scope, "level": i.model.split("/")[-1], "status": i.status,
                   "objective": i.objective, "bound": i.best_bound, "gap": i.gap}
                  for i in p.solve_info]
        points.append({**row(p), "levels": levels})
    doc = {"scenario": f.scenario, "scenario_hash": f.scenario_hash, "settings": f.settings,
           "deals": f.deals, "max_relief": f.max_relief, "candidates": f.candidates,
           "most_relief_point": f.points[0].point if f.points else None,
           "fewest_parties_point": f.fewest_parties.point if f.points else None,
           "points": points}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def frontier_png(f: Frontier, path: Path) -> Path:
    """Two panels: relief against parties (colour: agreements) and against fairness, points
    numbered as in frontier.csv. Byte-identical for the same frontier (no metadata stamps)."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), dpi=100, sharey=True)
    xs: dict[str, list[float]] = {"parties": [float(p.parties) for p in f.points],
                                  "fairness": [p.fairness for p in f.points]}
    ys = [p.relief for p in f.points]
    colours = [p.agreements for p in f.points]
    labels = {"parties": "partijen (opgeteld over de overeenkomsten)",
              "fairness": "afwijking van het evenredige aandeel (plaatsen)"}
    sc = None
    for ax, key in zip(list(axes), ("parties", "fairness"), strict=True):
        sc = ax.scatter(xs[key], ys, c=colours, cmap="viridis", s=40, zorder=3)
        for p, x, y in zip(f.points, xs[key], ys, strict=True):
            # odd numbers above right, even below right: neighbours on the same floor stay readable
            ax.annotate(str(p.point), (x, y), textcoords="offset points",
                        xytext=(5, 4) if p.point % 2 else (5, -11), fontsize=8)
        ax.set_xlabel(labels[key])
        ax.margins(0.08)
    axes[0].set_ylabel("ontlaste plaatsen")
    for ax in axes:
        ax.grid(True, color="#ddd", zorder=0)
    if sc is not None:
        fig.colorbar(sc, ax=list(axes), label="aantal overeenkomsten")
    fig.suptitle(f"Afwegingsgrens surplus-uitruil {f.scenario}: ontlasting, partijen, "
                 f"overeenkomsten en afwijking van evenredig ({len(f.points)} punten)", fontsize=10)
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
    return path


def write_frontier(folder: Path, f: Frontier) -> None:
    """The three files into `folder` (the caller's temporary folder, moved into place whole)."""
    (folder / "frontier.csv").write_text(frontier_csv(f), encoding="utf-8")
    (folder / "frontier.json").write_text(frontier_json(f), encoding="utf-8")
    frontier_png(f, folder / "frontier.png")


__all__ = ["COLUMNS", "frontier_csv", "frontier_json", "frontier_png", "write_frontier"]
