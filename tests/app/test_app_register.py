"""The explorer's register routes over real HTTP: list, set, refuse a skip, a foreign page, no register."""

from __future__ import annotations

from datetime import date

import pytest

from herverdeling.app.server import create_app
from herverdeling.register import Register
from tests.app.test_app_http import Served
from tests.app.test_app_whatif import small_world


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("reg")
    url = f"sqlite:///{root / 'register.sqlite'}"
    world = small_world()
    with Served(create_app(world, work_dir=root / "runs", register_url=url)) as c:
        yield c, url, world


def test_the_page_lists_and_sets_states_by_the_register_rules(served):
    client, url, world = served
    listed = client.get("/api/register").json()
    assert listed["ok"] is True
    assert {r["kind"] for r in listed["rows"]} - {"surplus_swap"}, "the small world merges"
    assert {r["state_nl"] for r in listed["rows"]} == {"concept"}
    pid = next(r["agreement_id"] for r in listed["rows"] if r["kind"] != "surplus_swap")
    ok = client.post("/api/register", json={"id": pid, "status": "ondertekend", "datum": "2025-02-01",
                                            "door": "regietafel"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["state_nl"] == "ondertekend"
    skip = client.post("/api/register", json={"id": pid, "status": "verwerkt", "datum": "2025-02-02",
                                              "wijziging": "W1"})
    assert skip.status_code == 422
    assert "geen stap overslaan" in skip.json()["error"]
    bad_date = client.post("/api/register", json={"id": pid, "status": "withdrawn", "datum": "gisteren"})
    assert bad_date.status_code == 422
    unknown = client.post("/api/register", json={"id": "nope", "status": "signed", "datum": "2025-02-01"})
    assert unknown.status_code == 404
    foreign = client.post("/api/register", json={"id": pid, "status": "ingetrokken",
                                                 "datum": "2025-02-03"},
                          headers={"Origin": "https://example.org"})
    assert foreign.status_code == 403
    # what the page set is in the database, once, with who set it
    events = Register(url).events(world.name, world.content_hash())
    assert [(e.agreement_id, e.state, e.step_date, e.who) for e in events] == [
        (pid, "signed", date(2025, 2, 1), "regietafel")]
    row = next(r for r in client.get("/api/register").json()["rows"] if r["agreement_id"] == pid)
    assert row["entry"]["signed_on"] == "2025-02-01"


def test_without_a_register_both_routes_say_so(tmp_path):
    with Served(create_app(small_world(), work_dir=tmp_path / "runs")) as client:
        assert client.get("/api/register").status_code == 404
        answer = client.post("/api/register", json={"id": "x", "status": "signed", "datum": "2025-02-01"})
        assert answer.status_code == 404
        assert "--register" in answer.json()["error"]


def test_a_signed_agreement_has_no_open_signing_step_on_the_page(tmp_path):
    """The explorer's findings follow the register (issue 17, point 5): set 'ondertekend' over the
    page's API, and the open step of signing (U2, S3, P4) of that agreement is gone."""
    world = small_world()
    url = f"sqlite:///{tmp_path / 'register.sqlite'}"
    side = {"province": "AA", "category": "regulier"}
    with Served(create_app(world, work_dir=tmp_path / "runs", register_url=url)) as client:
        before = client.post("/api/explore", json={"a": side}).json()["a"]
        signing = {"U2", "S3", "P4"}
        open_before = {(s["rule_id"], s["proposal_id"]) for s in before["open_steps"]}
        pid = next(p for r, p in sorted(open_before) if r in signing)
        rows = {r["agreement_id"]: r for r in client.get("/api/register").json()["rows"]}
        assert [n["id"] for n in rows[pid]["next"]] == ["signed", "withdrawn"]
        ok = client.post("/api/register", json={"id": pid, "status": "ondertekend",
                                                "datum": "2025-02-01"})
        assert ok.status_code == 200, ok.text
        after = client.post("/api/explore", json={"a": side}).json()["a"]
        open_after = {(s["rule_id"], s["proposal_id"]) for s in after["open_steps"]}
        assert not {(r, p) for r, p in open_after if p == pid and r in signing}
        # the other agreements are untouched, and the page offers the next step now
        assert {x for x in open_before if x[1] != pid} == {x for x in open_after if x[1] != pid}
        row = next(r for r in client.get("/api/register").json()["rows"] if r["agreement_id"] == pid)
        assert row["state_nl"] == "ondertekend"
        assert row["next"][0]["id"] in ("prt_informed", "ministry_informed")
