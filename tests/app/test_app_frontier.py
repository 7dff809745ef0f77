"""The deal frontier on the page (issue 16, point 4): computed in the background over HTTP, shown
as a chart, and a picked point shows exactly the proposals `propose --frontier-point K` writes."""

from __future__ import annotations

import time

from herverdeling.app.explore import _touches
from herverdeling.app.server import create_app
from herverdeling.checker import read_proposals
from herverdeling.pipeline import frontier, propose
from tests.app.test_app_http import Served
from tests.surplus.test_deals import random_tiny


def _poll(client, key: str) -> dict:
    deadline = time.monotonic() + 60
    while True:
        s = client.get(f"/api/frontier/{key}").json()
        assert s["ok"], s
        if s["state"] in ("done", "error"):
            return s
        assert time.monotonic() < deadline, s
        time.sleep(0.1)


def test_a_picked_frontier_point_shows_what_propose_writes(tmp_path):
    world = random_tiny(3)  # two frontier points: most relief, and fewer parties
    truth = frontier(world)
    assert len(truth.points) >= 2
    with Served(create_app(world, work_dir=tmp_path / "runs")) as client:
        base = {"province": world.provinces[0].code, "category": "regulier"}
        started = client.post("/api/frontier", json={"settings": base}).json()
        assert started["ok"], started
        done = _poll(client, started["key"])
        assert done["state"] == "done", done
        # the chart: one marker per point, relief against parties, bundled config (no cloud)
        trace = done["figure"]["data"][0]
        assert trace["customdata"] == [p.point for p in truth.points]
        assert trace["y"] == [p.relief for p in truth.points]
        assert trace["x"] == [p.parties for p in truth.points]
        assert "punt 2" in trace["hovertext"][1]
        assert "partijen" in trace["hovertext"][1]
        config = done["figure"]["config"]
        assert config["displaylogo"] is False
        assert config["showSendToCloud"] is False
        # the same settings again: the cached frontier, not a second run
        again = client.post("/api/frontier", json={"settings": base}).json()
        assert again["key"] == started["key"]
        assert again["state"] == "done"
        shown: dict[int, dict[str, set[str]]] = {}
        for k in (1, 2):
            out = propose(world, tmp_path / f"p{k}", frontier_point=k)
            written = read_proposals(out / "proposals.json").proposals
            shown[k] = {}
            for prov in world.provinces:
                want = {p.id for p in written if _touches(world, p, prov.code, "regulier")}
                side = {**base, "province": prov.code, "frontier_point": k}
                answer = client.post("/api/explore", json={"a": side}).json()["a"]
                assert answer["ok"], answer
                assert set(answer["proposal_ids"]) == want, (k, prov.code)
                shown[k][prov.code] = want
        assert shown[1] != shown[2], "the two points are different proposal sets"
        # a point that does not exist: a Dutch message, not a trace
        bad = client.post("/api/explore", json={"a": {**base, "frontier_point": 9}}).json()["a"]
        assert bad["ok"] is False
        assert "afweging 9 bestaat niet" in bad["error"]
