"""The web app: FastAPI with server-rendered pages (Jinja2) and a little JavaScript of our own.

Everything the browser loads comes from this server (templates, static/, and plotly.js from the
plotly package's own bundled file), so it works without internet. It binds to 127.0.0.1 only,
answers only to a local Host header, refuses large bodies and sends security headers (guard.py).
Bad settings come back as a message for the page (never a trace); an unexpected error is logged
here and answered with one line, and the server keeps running.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import plotly
from fastapi import Body, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape

from herverdeling import __version__
from herverdeling.app.compare import Comparison, compare
from herverdeling.app.downloads import (
    FILES,
    BusyError,
    DownloadError,
    Downloads,
    agreements_zip,
    make_work_dir,
)
from herverdeling.app.explore import KIND_NL, Explorer, View
from herverdeling.app.frontier import Frontiers, frontier_point_nl
from herverdeling.app.glossary import glossary
from herverdeling.app.guard import Guard
from herverdeling.app.register_api import add_register_routes
from herverdeling.app.table import municipality_xlsx
from herverdeling.app.whatif import (
    CATEGORY_NL,
    DEFAULT_CHOICE,
    FLOW,
    PARTNER_NL,
    RELIEF_NL,
    WhatIfError,
    defaults,
    parse_whatif,
)
from herverdeling.dutch import getal
from herverdeling.errors import FrontierPointError, HerverdelingError
from herverdeling.limits import limits
from herverdeling.scenario.model import CATEGORIES, Scenario
from herverdeling.scenario.realisation import Realisation
from herverdeling.surplus.deals.settings import available_deal_settings, load_deal_settings
from herverdeling.surplus.policies import available_policies, load_policy

log = logging.getLogger(__name__)
HOST = "127.0.0.1"
STATIC = Path(__file__).parent / "static"
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _nl(x: object) -> object:
    """Dutch number: 1.234 and 12,5 (one decimal only where there is one)."""
    return getal(x) if isinstance(x, int | float) else x


def environment() -> Environment:
    env = Environment(loader=PackageLoader("herverdeling.app", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["nl"] = _nl
    env.filters["signed"] = lambda x: ("+" if x > 0 else "") + str(_nl(x))
    return env


def _page_data(scenario: Scenario) -> dict[str, Any]:
    """What the page's script needs to build its forms (no request needed for a province)."""
    first = defaults(scenario)
    policies = []
    for name in available_deal_settings():  # the deal model first: it is the default (propose's)
        try:
            deal = load_deal_settings(name)
            policies.append({"id": name, "label": deal.label_nl or name,
                             "description": deal.description_nl or deal.description})
        except HerverdelingError:
            continue
    for name in available_policies():
        try:
            policy = load_policy(name)
            policies.append({"id": FLOW + name, "label": f"netwerkmodel: {policy.label_nl or name}",
                             "description": policy.description_nl or policy.description})
        except HerverdelingError:
            continue
    return {
        "scenario": scenario.name,
        "provinces": [{"code": p.code, "name": p.name} for p in scenario.provinces],
        "categories": list(CATEGORIES),
        "policies": policies,
        "default_policy": DEFAULT_CHOICE,
        "norms": {c: n.model_dump() for c, n in first.norms.items()},
        "municipalities": [{"code": m.cbs_code, "name": m.name, "province": m.province,
                            "may_host": scenario.may_take_on(m),
                            "relief": scenario.preferences.relief(m.cbs_code)}
                           for m in sorted(scenario.municipalities, key=lambda m: m.name)],
        "relief_nl": RELIEF_NL,
        "plus": list(scenario.plusprovincies()),
        "sinks": list(scenario.restopgave_provinces()),
        "partners": {f"{q}-{p}": scenario.preferences.partner(q, p)
                     for q in scenario.restopgave_provinces() for p in scenario.plusprovincies()},
        "partner_nl": PARTNER_NL,
        "default_province": max(scenario.provinces,
                                key=lambda p: len(scenario.small_tasks("regulier", p.code))).code,
    }


def create_app(scenario: Scenario, *, work_dir: Path | None = None,
               register_url: str | None = None, realisation: Realisation | None = None) -> FastAPI:
    """The app for one scenario; `work_dir` holds the download runs (default: a temporary folder);
    `register_url` the agreement register the page lists and sets (register_api.py);
    `realisation` the monitor's figures (the scenario folder's realisation.csv; the page may
    upload others)."""
    explorer = Explorer(scenario, register_url=register_url)
    env = environment()
    # our own folder (marker, removed on stop, stale ones removed here), unless one is given
    downloads = Downloads(work_dir or make_work_dir(), remove_root=work_dir is None)
    names = {m.cbs_code: m.name for m in scenario.municipalities}
    frontiers = Frontiers()
    figures = {"realisation": realisation or Realisation()}  # the page may upload another

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        frontiers.shutdown()
        downloads.shutdown()

    app = FastAPI(title="herverdeling explorer", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(Guard, max_body=limits().request_max_bytes)
    app.state.downloads = downloads

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return JSONResponse({"ok": False, "error": f"interne fout ({type(exc).__name__}); de server "
                             "draait door, probeer andere instellingen"}, status_code=500)

    @app.get("/", response_class=HTMLResponse)
    def index() -> HTMLResponse:
        html = env.get_template("index.html.j2").render(
            scenario=scenario, data=_page_data(scenario), version=__version__,
            glossary=glossary().terms)
        return HTMLResponse(html)

    @app.get("/vendor/plotly.min.js")
    def plotly_js() -> FileResponse:
        return FileResponse(PLOTLY_JS, media_type="text/javascript",
                            headers={"Cache-Control": "max-age=86400"})

    @app.get("/favicon.ico")
    def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/api/health")
    def health() -> dict[str, str]:
        return {"status": "ok", "scenario": scenario.name}

    def side(data: Any) -> tuple[View | None, dict[str, Any]]:
        try:
            view = explorer.view(parse_whatif(data))
        except WhatIfError as exc:  # the page says where; the reason is enough
            return None, {"ok": False, "error": exc.reason}
        except FrontierPointError as exc:
            return None, {"ok": False, "error": frontier_point_nl(exc)}
        except HerverdelingError as exc:
            return None, {"ok": False, "error": str(exc)}
        ctx = {"v": view, "kind_nl": KIND_NL, "cat_nl": CATEGORY_NL, "relief_nl": RELIEF_NL}
        return view, {"ok": True, "html": env.get_template("panel.html.j2").render(**ctx),
                      "detail": env.get_template("detail.html.j2").render(**ctx),
                      "table": env.get_template("table.html.j2").render(**ctx),
                      "figure": view.figure, "seconds": view.seconds,
                      "open_steps": [{"rule_id": f.rule_id, "proposal_id": f.proposal_id}
                                     for f in view.findings if f.severity == "open"],
                      "scenario": view.scenario_name, "proposal_ids": [r.id for r in view.rows],
                      "hosts": sorted({r.realiser_code for r in view.rows if r.kind == "merger"})}

    @app.post("/api/explore")
    def api_explore(body: dict[str, Any] = Body(...)) -> JSONResponse:  # noqa: B008
        """Both columns at once, and what changes between them."""
        va, a = side(body.get("a"))
        out: dict[str, Any] = {"a": a}
        if "b" in body:
            vb, b = side(body.get("b"))
            out["b"] = b
            if va is not None and vb is not None:
                cmp: Comparison = compare(va, vb, names)
                out["diff_html"] = env.get_template("diff.html.j2").render(c=cmp)
        return JSONResponse(out)

    # ---- the municipality table as Excel (issue 16, point 3) ----
    @app.post("/api/gemeenten.xlsx")
    def api_municipality_xlsx(body: dict[str, Any] = Body(...)) -> Response:  # noqa: B008
        """The current view's table: this province and category, in the page's sort and filter."""
        try:
            view = explorer.view(parse_whatif(body.get("settings")))
        except HerverdelingError as exc:
            return JSONResponse({"ok": False, "error": getattr(exc, "reason", str(exc))},
                                status_code=422)
        codes = body.get("codes")
        if codes is not None and not (isinstance(codes, list) and all(isinstance(c, str) for c in codes)):
            return JSONResponse({"ok": False, "error": "codes: een lijst van CBS-codes"}, status_code=422)
        prov = scenario.province(view.settings.province)
        data = municipality_xlsx(view, prov.name, codes)
        name = f"gemeenten-{prov.code}-{view.settings.category}.xlsx"
        return Response(data, media_type="application/vnd.openxmlformats-officedocument."
                        "spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @app.post("/api/downloads")
    def api_downloads(body: dict[str, Any] = Body(...)) -> JSONResponse:  # noqa: B008
        try:
            settings = parse_whatif(body.get("settings"))
            status = downloads.start(explorer.scenario(settings), settings.policy,
                                     settings.frontier_point)
        except BusyError as exc:
            return JSONResponse({"ok": False, "error": str(exc)}, status_code=503,
                                headers={"Retry-After": "30"})
        except HerverdelingError as exc:
            return JSONResponse({"ok": False, "error": str(exc)}, status_code=422)
        return JSONResponse({"ok": True, **status.model_dump()})

    @app.get("/api/downloads/{key}")
    def api_download_status(key: str) -> JSONResponse:
        status = downloads.status(key)
        if status is None:
            return JSONResponse({"ok": False, "error": "onbekende download; maak de bestanden opnieuw"},
                                status_code=404)
        return JSONResponse({"ok": True, **status.model_dump()})

    @app.get("/downloads/{key}/{name}")
    def download(key: str, name: str, province: str | None = None) -> Response:
        """A file of a finished run, read whole while the run is pinned (never deleted meanwhile)."""
        with downloads.serving(key) as done:
            if done is None:
                return JSONResponse({"ok": False, "error": "de bestanden zijn (nog) niet klaar"},
                                    status_code=404)
            folder, run_scenario = done
            if name == "overeenkomsten.zip":
                if province is not None and not run_scenario.has_province(province):
                    return JSONResponse({"ok": False, "error": f"onbekende provincie {province!r}"},
                                        status_code=404)
                suffix = f"-{province}" if province else ""
                try:
                    data = agreements_zip(folder, run_scenario, province)
                except DownloadError as exc:
                    return JSONResponse({"ok": False, "error": str(exc)}, status_code=500)
                return Response(data, media_type="application/zip",
                                headers={"Content-Disposition":
                                         f'attachment; filename="overeenkomsten{suffix}.zip"'})
            if name not in FILES:
                return JSONResponse({"ok": False, "error": f"geen bestand {name!r}"}, status_code=404)
            try:
                data = (folder / name).read_bytes()
            except OSError:
                return JSONResponse({"ok": False, "error": "het bestand is er niet meer; maak de "
                                     "bestanden opnieuw"}, status_code=500)
            media = ("application/json" if name.endswith(".json") else
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            return Response(data, media_type=media,
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})

    # ---- the deal frontier as a chart (issue 16, point 4) ----
    @app.post("/api/frontier")
    def api_frontier(body: dict[str, Any] = Body(...)) -> JSONResponse:  # noqa: B008
        """Start (or find) the frontier of the what-if scenario of the given settings."""
        try:
            settings = parse_whatif(body.get("settings"))
            status = frontiers.start(explorer.scenario(settings))
        except WhatIfError as exc:
            return JSONResponse({"ok": False, "error": exc.reason}, status_code=422)
        except HerverdelingError as exc:
            return JSONResponse({"ok": False, "error": str(exc)}, status_code=422)
        return JSONResponse({"ok": True, **status.model_dump()})

    @app.get("/api/frontier/{key}")
    def api_frontier_status(key: str) -> JSONResponse:
        status = frontiers.status(key)
        if status is None:
            return JSONResponse({"ok": False, "error": "onbekende berekening; bereken de afwegingen "
                                 "opnieuw"}, status_code=404)
        return JSONResponse({"ok": True, **status.model_dump()})

    # ---- the IBT monitor (issue 17, point 3) ----
    @app.post("/api/monitor")
    def api_monitor(body: dict[str, Any] = Body(...)) -> JSONResponse:  # noqa: B008
        """The monitor rows of the option's province and category, and the shortfall map."""
        from herverdeling.app.monitor_view import monitor_figure_json, monitor_of, shown_rows
        from herverdeling.defaults import DEFAULT_MONITOR

        try:
            settings = parse_whatif(body.get("settings"))
            s, result = explorer.chain(settings)
            assert result.report is not None  # run_chain always checks
            passed = tuple(p for p in result.proposals.proposals if result.report.passed(p.id))
            m = monitor_of(s, passed, figures["realisation"], DEFAULT_MONITOR)
        except WhatIfError as exc:
            return JSONResponse({"ok": False, "error": exc.reason}, status_code=422)
        except FrontierPointError as exc:
            return JSONResponse({"ok": False, "error": frontier_point_nl(exc)}, status_code=422)
        except HerverdelingError as exc:
            return JSONResponse({"ok": False, "error": str(exc)}, status_code=422)
        rows = shown_rows(m, settings.province, settings.category)
        html = env.get_template("monitor.html.j2").render(m=m, rows=rows)
        return JSONResponse({"ok": True, "rows": [r.model_dump(mode="json") for r in rows],
                             "html": html,
                             "figure": monitor_figure_json(m, s) if body.get("map", True) else None})

    @app.post("/api/monitor/realisatie")
    async def api_monitor_upload(request: Request, naam: str = "realisatie.csv") -> JSONResponse:
        """Upload a realisation.csv or monitor export (raw body): the monitor holds the agreements
        against it from now on (for this explorer, until it stops)."""
        from herverdeling.app.monitor_view import read_upload

        try:
            real = read_upload(await request.body(), naam, scenario)
        except HerverdelingError as exc:
            return JSONResponse({"ok": False, "error": str(exc)}, status_code=422)
        figures["realisation"] = real
        return JSONResponse({"ok": True, "file": real.file, "rows": len(real.rows)})

    add_register_routes(app, scenario, register_url)
    return app


def serve(scenario: Scenario, port: int, *, log_level: str = "warning",
          register_url: str | None = None, realisation: Realisation | None = None) -> None:
    """Run the app on 127.0.0.1:port until interrupted."""
    import uvicorn

    uvicorn.run(create_app(scenario, register_url=register_url, realisation=realisation),
                host=HOST, port=port, log_level=log_level)
