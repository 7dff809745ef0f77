"""The deal frontier on the page (issue 16, point 4): computed in the background, shown as a chart.

`pipeline.frontier` takes minutes on nl-2025 (one deal solve per relief floor, then the whole chain
per point), so it runs on one worker thread while the page polls, as the downloads do. A frontier
is kept per what-if scenario (its content hash): the same settings are never solved twice, and the
pipeline's own frontier cache makes a picked point (`frontier_point` in the page's settings) cost
one chain run, with exactly the swaps `propose --frontier-point K` drafts.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

import plotly.graph_objects as go
from pydantic import BaseModel, ConfigDict

from herverdeling.app.downloads import JobStatus, StoppingError
from herverdeling.defaults import DEFAULT_FRONTIER
from herverdeling.dutch import getal
from herverdeling.errors import FrontierPointError, HerverdelingError
from herverdeling.maps import PLOTLY_CONFIG
from herverdeling.scenario.model import Scenario

log = logging.getLogger(__name__)


def frontier_point_nl(exc: FrontierPointError) -> str:
    """The pipeline's frontier-point message in the page's words."""
    import re

    text = str(exc)
    k = re.search(r"frontier point (\d+)", text)
    n = re.search(r"points 1 to (\d+)", text)
    if k and n:
        return f"afweging {k[1]} bestaat niet: de afwegingen zijn genummerd van 1 tot en met {n[1]}"
    if k:
        return f"afweging {k[1]} bestaat niet: de afwegingen zijn genummerd vanaf 1"
    return text


class FrontierRow(BaseModel):
    """One point as the page lists it (the figures of `herverdeling frontier`'s table)."""

    model_config = ConfigDict(frozen=True)

    point: int
    relief: int
    agreements: int
    parties: int
    max_parties: int
    fairness: float
    passed: int | None
    failed: int | None


class FrontierStatus(JobStatus):
    points: tuple[FrontierRow, ...] = ()
    figure: dict[str, Any] | None = None


def frontier_figure(rows: tuple[FrontierRow, ...]) -> dict[str, Any]:
    """Relief against parties, one marker per point; hover names the point and its figures."""
    hover = [f"<b>punt {r.point}</b><br>ontlasting: {getal(r.relief)} plekken<br>overeenkomsten: "
             f"{r.agreements}<br>partijen: {r.parties} (hoogstens {r.max_parties} per overeenkomst)"
             f"<br>afwijking van evenredig: {getal(round(r.fairness, 1))} plekken"
             for r in rows]
    fig = go.Figure(go.Scatter(
        x=[r.parties for r in rows], y=[r.relief for r in rows], mode="markers+lines+text",
        text=[str(r.point) for r in rows], textposition="top center",
        customdata=[r.point for r in rows], hovertext=hover, hoverinfo="text",
        marker={"size": 13, "color": "#1f5fa8"}, line={"color": "#9bb7d9", "dash": "dot"},
        name="afwegingen"))
    fig.update_layout(
        xaxis_title="partijen (opgeteld over de overeenkomsten)",
        yaxis_title="ontlasting (plekken)", margin={"l": 60, "r": 20, "t": 30, "b": 50},
        height=320, showlegend=False, separators=",.", clickmode="event")
    out = fig.to_plotly_json()
    config = {**PLOTLY_CONFIG, "toImageButtonOptions": {"filename": "afwegingen", "format": "png"},
              "locale": "nl"}
    return {"data": out["data"], "layout": out["layout"], "config": config}


class _Job:
    def __init__(self, key: str) -> None:
        self.key = key
        self.state: Literal["queued", "running", "done", "error"] = "queued"
        self.lines: list[str] = []
        self.error: str | None = None
        self.rows: tuple[FrontierRow, ...] = ()

    def status(self) -> FrontierStatus:
        done = self.state == "done"
        return FrontierStatus(key=self.key, state=self.state, progress=tuple(self.lines[-6:]),
                              error=self.error, points=self.rows,
                              figure=frontier_figure(self.rows) if done else None)


class Frontiers:
    """The frontiers computed for the page, per what-if scenario, and the one worker."""

    def __init__(self, keep: int = 4) -> None:
        self.keep = keep
        self.jobs: OrderedDict[str, _Job] = OrderedDict()
        self.lock = threading.Lock()
        self.stopping = False
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="frontier")

    @staticmethod
    def key(scenario: Scenario) -> str:
        return f"{scenario.content_hash()[:16]}-{DEFAULT_FRONTIER}"

    def start(self, scenario: Scenario) -> FrontierStatus:
        """Queue the frontier of `scenario` (or return the one already made or underway)."""
        key = self.key(scenario)
        with self.lock:
            job = self.jobs.get(key)
            if job is not None and job.state != "error":
                self.jobs.move_to_end(key)
                return job.status()
            job = _Job(key)
            self.jobs[key] = job
            while len(self.jobs) > self.keep:
                self.jobs.popitem(last=False)
        self.pool.submit(self._run, job, scenario)
        return job.status()

    def _run(self, job: _Job, scenario: Scenario) -> None:
        from herverdeling.pipeline import frontier

        def progress(line: str) -> None:
            if self.stopping:
                raise StoppingError
            job.lines.append(line.strip())  # Dutch at the source (pipeline.frontier)

        job.state = "running"
        try:
            f = frontier(scenario, DEFAULT_FRONTIER, progress=progress)
            job.rows = tuple(FrontierRow(point=p.point, relief=p.relief, agreements=p.agreements,
                                         parties=p.parties, max_parties=p.max_parties,
                                         fairness=p.fairness, passed=p.passed, failed=p.failed)
                             for p in f.points)
            job.state = "done"
        except StoppingError:
            job.error, job.state = "de verkenner is gestopt", "error"
        except HerverdelingError as exc:
            job.error, job.state = str(exc), "error"
        except Exception as exc:  # the page gets a line; the log gets the trace
            log.exception("frontier failed for %s", job.key)
            job.error, job.state = f"interne fout bij het berekenen van de afwegingen " \
                                   f"({type(exc).__name__})", "error"

    def status(self, key: str) -> FrontierStatus | None:
        job = self.jobs.get(key)
        return None if job is None else job.status()

    def shutdown(self) -> None:
        self.stopping = True
        self.pool.shutdown(wait=True, cancel_futures=True)

