"""The explorer's view of the agreement register: list the states, set one step (issue 17, point 5).

GET /api/register lists every agreement of the chain's proposals (default settings) with its
state and dates; POST /api/register records one step, judged by the same rules as the command
line (`herverdeling register set`): a refused step answers 422 with the one-line Dutch reason.
The Guard (guard.py) already limits the Host and the body; a POST from a foreign Origin is refused
too, and the JSON body (FastAPI refuses a non-JSON content type) needs a CORS preflight we never
grant, so a web page elsewhere cannot set a state.
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from fastapi import Body, FastAPI, Request
from fastapi.responses import JSONResponse

from herverdeling.app.guard import local_host
from herverdeling.errors import HerverdelingError
from herverdeling.proposals import ProposalSet
from herverdeling.scenario.model import Scenario

NO_REGISTER = "geen afsprakenregister ingesteld: start de verkenner met --register URL"


def add_register_routes(app: FastAPI, scenario: Scenario, url: str | None) -> None:
    """Mount the two routes on `app`; `url` None: both say that no register is set."""
    from herverdeling.register import (
        KIND_NL,
        STEP_NL,
        STEPS,
        Register,
        agreements_from,
        overview,
        parse_step,
    )
    from herverdeling.register.model import FINAL

    lock = threading.Lock()
    cache: dict[str, ProposalSet] = {}

    def proposals() -> ProposalSet:
        with lock:
            if "ps" not in cache:
                from herverdeling.pipeline import run_chain
                from herverdeling.run import RunSettings

                cache["ps"] = run_chain(scenario, RunSettings(scenario=scenario.name)).proposals
            return cache["ps"]

    def following(kind: str | None, state: str) -> list[dict[str, str]]:
        """The steps the page offers: the next one of the kind's order, and withdrawing."""
        if kind is None or state in FINAL:
            return []
        order = STEPS[kind]  # type: ignore[index]
        at = order.index(state) if state in order else len(order) - 1
        steps = [*order[at + 1:at + 2], "withdrawn"]
        return [{"id": s, "label": STEP_NL[s]} for s in steps]

    def rows(reg: Register) -> list[dict[str, Any]]:
        snap = reg.snapshot(scenario.name, scenario.content_hash())
        return [{**r.model_dump(mode="json"), "kind_nl": KIND_NL[r.kind] if r.kind else "",
                 "state_nl": STEP_NL[r.entry.state], "next": following(r.kind, r.entry.state)}
                for r in overview(proposals(), snap)]

    @app.get("/api/register")
    def api_register_list() -> JSONResponse:
        if url is None:
            return JSONResponse({"ok": False, "error": NO_REGISTER}, status_code=404)
        try:
            return JSONResponse({"ok": True, "rows": rows(Register(url))})
        except HerverdelingError as exc:
            return JSONResponse({"ok": False, "error": str(exc)}, status_code=422)

    @app.post("/api/register")
    def api_register_set(request: Request, body: dict[str, Any] = Body(...)) -> JSONResponse:  # noqa: B008
        origin = request.headers.get("origin")
        if origin is not None and not local_host(origin.split("://", 1)[-1]):
            return JSONResponse({"ok": False, "error": "verzoek van een andere site geweigerd"},
                                status_code=403)
        if url is None:
            return JSONResponse({"ok": False, "error": NO_REGISTER}, status_code=404)
        try:
            agreement_id, state, on = (str(body.get(k, "")) for k in ("id", "status", "datum"))
            try:
                when = date.fromisoformat(on)
            except ValueError:
                return JSONResponse({"ok": False, "error": f"datum {on!r}: schrijf JJJJ-MM-DD"},
                                    status_code=422)
            step = parse_step(state)
            agreements = agreements_from(proposals())
            if agreement_id not in agreements:
                return JSONResponse({"ok": False, "error": f"onbekende afspraak {agreement_id!r}"},
                                    status_code=404)
            text = {k: (str(body[k]) if body.get(k) else None) for k in ("wijziging", "door", "opmerking")}
            entry = Register(url).record(scenario.name, scenario.content_hash(),
                                         agreements[agreement_id], step, when,
                                         amendment=text["wijziging"], who=text["door"],
                                         comment=text["opmerking"])
        except HerverdelingError as exc:
            return JSONResponse({"ok": False, "error": str(exc)}, status_code=422)
        return JSONResponse({"ok": True, "entry": entry.model_dump(mode="json"),
                             "state_nl": STEP_NL[entry.state]})
