"""The explorer's Monitor tab (issue 17, point 3): the rows it shows are `monitor(...)`'s for the
same agreements and figures, the figures can be uploaded, and bad figures get a clear message."""

from __future__ import annotations

import datetime as dt

from herverdeling.app.server import create_app
from herverdeling.monitor import load_monitor_settings, monitor
from herverdeling.pipeline import run_chain
from herverdeling.run import RunSettings
from herverdeling.scenario.realisation import Realisation, Realised, realisation_frame
from tests.app.test_app_http import Served
from tests.app.test_app_whatif import small_world


def test_the_monitor_tab_shows_what_monitor_computes(tmp_path):
    world = small_world()
    # every municipality of AA reports a figure below its verdeelbesluit task: shortfalls
    real = Realisation(rows=tuple(
        Realised(cbs_code=m.cbs_code, category="regulier", realised=m.verdeelbesluit.get("regulier") // 2,
                 date=dt.date(2026, 1, 1), source="test")
        for m in world.municipalities_in("AA")))
    csv = realisation_frame(real).to_csv(index=False).encode()
    with Served(create_app(world, work_dir=tmp_path / "runs")) as client:
        up = client.request("POST", "/api/monitor/realisatie?naam=realisation.csv", content=csv,
                            headers={"Content-Type": "application/octet-stream"})
        assert up.status_code == 200, up.text
        assert up.json()["rows"] == len(real.rows)
        answer = client.post("/api/monitor", json={"settings": {"province": "AA",
                                                                "category": "regulier"}}).json()
        assert answer["ok"], answer
        bad = client.request("POST", "/api/monitor/realisatie?naam=r.csv",
                             content=b"cbs_code,category,realised,date\nGM9999,regulier,x,2026-01-01\n",
                             headers={"Content-Type": "application/octet-stream"})
    # the independent computation: the national chain, its passed proposals, `monitor(...)`
    run = run_chain(world, RunSettings(scenario=world.name))
    assert run.report is not None
    passed = [p for p in run.proposals.proposals if run.report.passed(p.id)]
    truth = monitor(world, passed, real, load_monitor_settings())
    want = [r.model_dump(mode="json") for r in truth.rows
            if r.province == "AA" and r.category == "regulier"]
    assert answer["rows"] == want
    assert any(r["shortfall"] for r in want), "the figures leave a shortfall to show"
    assert any(r["agreements"] for r in want), "the small world's mergers are booked"
    for r in want:  # the table shows task, realised, shortfall, accountable and clause effect
        assert f'data-code="{r["cbs_code"]}"' in answer["html"]
        assert r["accountable"] in answer["html"]
    # the shortfall map: every municipality as a shape or (no boundary, as here) a marker
    on_map = {c for t in answer["figure"]["data"] for c in (t.get("customdata") or [])}
    assert on_map >= {r["cbs_code"] for r in want}
    assert "tekort" in answer["figure"]["layout"]["title"]["text"]
    assert answer["figure"]["config"]["showSendToCloud"] is False
    assert bad.status_code == 422
    assert "r.csv" in bad.json()["error"]
