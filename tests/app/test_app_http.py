"""The explorer's security checks and downloads as HTTP tests (issue 18, points 2, 3, 8, 11, 12).

The app is served by uvicorn in a thread on a free port of 127.0.0.1 and spoken to with
http.client, so the Host header and chunked bodies are real (Starlette's TestClient needs httpx,
which is not installed); the SIGTERM test starts the real command. The download race uses a
prepared run copied by a
fake `propose`, so five runs cost one.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import pytest

from herverdeling.app import downloads as dl
from herverdeling.app.server import create_app
from herverdeling.limits import limits
from herverdeling.pipeline import propose
from herverdeling.scenario.io import write_scenario
from herverdeling.surplus.policies import available_policies
from tests.app.test_app_browser import free_port, get_json
from tests.app.test_app_whatif import small_world

EVIL = {"a": {"province": "AA", "category": "amv", "policy": "/etc/passwd"}}


class Answer:
    def __init__(self, status: int, headers: dict[str, str], content: bytes) -> None:
        self.status_code, self.headers, self.content = status, headers, content

    @property
    def text(self) -> str:
        return self.content.decode()

    def json(self):
        return json.loads(self.content)


class Served:
    """The app under uvicorn in a thread, for the length of a `with` block (lifespan included)."""

    def __init__(self, app) -> None:
        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(30)

    def request(self, method: str, path: str, *, json_body=None, content=None,
                headers: dict[str, str] | None = None) -> Answer:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if json_body is not None:
            content = json.dumps(json_body).encode()
            headers.setdefault("Content-Type", "application/json")
        try:
            if content is not None and not isinstance(content, bytes):  # chunked
                conn.putrequest(method, path, skip_host=True)
                for k, v in {**headers, "Transfer-Encoding": "chunked"}.items():
                    conn.putheader(k, v)
                conn.endheaders()
                try:
                    for chunk in content:
                        conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    conn.send(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # refused before the whole body was sent
            else:
                conn.request(method, path, body=content, headers=headers)
            r = conn.getresponse()
            return Answer(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        finally:
            conn.close()

    def get(self, path: str, **kw) -> Answer:
        return self.request("GET", path, **kw)

    def post(self, path: str, json=None, **kw) -> Answer:
        return self.request("POST", path, json_body=json, **kw)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = create_app(small_world(), work_dir=tmp_path_factory.mktemp("runs"))
    with Served(app) as c:
        yield c


def _no_leak(text: str) -> None:
    assert "onbekend verdeelbeleid" in text
    for leak in ("dictionary", "passwd:", "No such file", "not found", "root:"):
        assert leak not in text, text


# ---- point 2: policies by id, on every path ---------------------------------------------------
def test_a_path_as_policy_is_refused_on_a_miss_and_a_hit(client):
    miss = client.post("/api/explore", json=EVIL)
    assert miss.status_code == 200
    assert miss.json()["a"]["ok"] is False
    _no_leak(miss.json()["a"]["error"])
    # the same settings with a real policy fill the caches; then the path again: a cache hit
    good = {"a": {**EVIL["a"], "policy": available_policies()[0]}}
    assert client.post("/api/explore", json=good).json()["a"]["ok"] is True
    hit = client.post("/api/explore", json=EVIL)
    assert hit.json()["a"]["ok"] is False
    _no_leak(hit.json()["a"]["error"])
    assert hit.json()["a"]["error"] == miss.json()["a"]["error"]


def test_an_existing_and_a_missing_file_get_the_same_answer(client, tmp_path):
    real = tmp_path / "policy.yaml"
    real.write_text("id: x\n", encoding="utf-8")
    answers = set()
    for path in (str(real), str(tmp_path / "missing.yaml"), "/etc/passwd"):
        body = {"a": {**EVIL["a"], "policy": path}}
        error = client.post("/api/explore", json=body).json()["a"]["error"]
        answers.add(error.replace(repr(path), "P"))
        down = client.post("/api/downloads", json={"settings": body["a"]})
        assert down.status_code == 422
        _no_leak(down.json()["error"])
    assert len(answers) == 1, answers


def test_downloads_refuse_a_path_as_policy_also_after_a_hit(client):
    good = {**EVIL["a"], "policy": available_policies()[0]}
    client.post("/api/explore", json={"a": good})
    r = client.post("/api/downloads", json={"settings": EVIL["a"]})
    assert r.status_code == 422
    _no_leak(r.json()["error"])


# ---- point 2: Host header, headers, body limit ------------------------------------------------
@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:8765", "localhost", "LOCALHOST:1",
                                  "[::1]", "[::1]:8765"])
def test_a_local_host_is_answered(client, host):
    assert client.get("/api/health", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "127.0.0.1.evil.example",
                                  "localhost.evil.example", "192.168.1.5:8765", "", "127.0.0.1:x"])
def test_a_foreign_host_is_refused_with_400(client, host):
    r = client.post("/api/explore", json=EVIL, headers={"Host": host})
    assert r.status_code == 400
    assert "Host" in r.json()["error"]
    assert r.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", ["/", "/static/app.js", "/api/health", "/nope", "/vendor/plotly.min.js"])
def test_every_response_has_the_security_headers(client, path):
    r = client.get(path)
    csp = r.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert "unsafe" not in directives["script-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"


def test_the_page_has_no_inline_script(client):
    import re

    html = client.get("/").text
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag  # JSON data is not run
    assert not re.search(r"\son[a-z]+=", html)


def test_a_large_body_is_refused_with_413_before_parsing(client, monkeypatch):
    import json as json_module

    def no_parse(*a, **k):
        raise AssertionError("the body was parsed")

    big = b'{"a": "' + b"x" * (limits().request_max_bytes + 1) + b'"}'
    monkeypatch.setattr(json_module, "loads", no_parse)
    start = time.perf_counter()
    r = client.post("/api/explore", content=big, headers={"Content-Type": "application/json"})
    monkeypatch.undo()
    assert r.status_code == 413
    assert "te groot" in r.json()["error"]
    assert "request_max_bytes" in r.json()["error"]
    assert time.perf_counter() - start < 1


def test_a_large_chunked_body_is_refused_with_413(client):
    def chunks():
        for _ in range(limits().request_max_bytes // 10_000 + 2):
            yield b"x" * 10_000

    r = client.post("/api/explore", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413


# ---- point 8: a huge norm is a Dutch message, never HTTP 500 ----------------------------------
@pytest.mark.parametrize(("norm", "word"), [({"max_size": 10**30}, "maximum"),
                                             ({"min_size": 10**30}, "minimum"),
                                             ({"max_distance_km": 1e308}, "afstand")])
def test_a_huge_norm_is_a_clear_message(client, norm, word):
    base = {"min_size": 5, "max_size": 50, "max_distance_km": 30}
    side = {"province": "AA", "category": "regulier", "norms": {"regulier": {**base, **norm}}}
    r = client.post("/api/explore", json={"a": side})
    assert r.status_code == 200  # the page's contract: each column gets its own message
    assert r.json()["a"]["ok"] is False
    assert word in r.json()["a"]["error"]
    assert "hoogstens" in r.json()["a"]["error"]
    d = client.post("/api/downloads", json={"settings": side})
    assert d.status_code == 422
    assert "hoogstens" in d.json()["error"]


# ---- point 3: the download race and the bounded queue -----------------------------------------
@pytest.fixture(scope="module")
def prepared_run(tmp_path_factory) -> Path:
    return propose(small_world(), tmp_path_factory.mktemp("prepared") / "out")


def _fake_propose(prepared: Path, gate: threading.Event | None = None):
    def fake(scenario, out, **kw):
        if gate is not None:
            gate.wait(10)
        shutil.copytree(prepared, out)
        return out
    return fake


def _wait(downloads: dl.Downloads, key: str, state: str = "done") -> None:
    deadline = time.monotonic() + 20
    while downloads.status(key).state != state:
        assert time.monotonic() < deadline, downloads.status(key)
        time.sleep(0.02)


def test_a_run_being_served_is_not_deleted_by_a_fifth(prepared_run, tmp_path, monkeypatch):
    monkeypatch.setattr("herverdeling.pipeline.propose", _fake_propose(prepared_run))
    app = create_app(small_world(), work_dir=tmp_path / "runs")
    downloads: dl.Downloads = app.state.downloads
    scenario = small_world()
    keys = []
    for n in range(4):
        keys.append(downloads.start(scenario, f"policy-{n}").key)
        _wait(downloads, keys[-1])
    passed = json.loads((prepared_run / "manifest.json").read_text())["passed"]
    expected = len(list((prepared_run / "agreements").glob("*.docx")))
    assert expected == len(passed) > 0

    serving, fifth_done = threading.Event(), threading.Event()
    real_write = zipfile.ZipFile.write

    def slow_write(self, *a, **k):  # the oldest's zip is being built when the fifth run comes
        serving.set()
        fifth_done.wait(10)
        return real_write(self, *a, **k)

    monkeypatch.setattr(zipfile.ZipFile, "write", slow_write)
    with Served(app) as c:
        answer: dict = {}
        t = threading.Thread(target=lambda: answer.update(
            r=c.get(f"/downloads/{keys[0]}/overeenkomsten.zip")))
        t.start()
        assert serving.wait(10)
        fifth = downloads.start(scenario, "policy-4").key
        _wait(downloads, fifth)
        assert (tmp_path / "runs" / keys[0]).is_dir(), "the run being served was deleted"
        fifth_done.set()
        t.join(20)
    r = answer["r"]
    assert r.status_code == 200
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        assert len(zf.namelist()) == expected  # whole, not 22 of 105
        assert zf.testzip() is None
    # the next oldest run not in use made room instead; at most `keep` runs stay on disk
    on_disk = {p.name for p in (tmp_path / "runs").iterdir() if not p.name.startswith(".")}
    assert on_disk == set(downloads.jobs) == {keys[0], *keys[2:], fifth}


def test_an_incomplete_run_fails_with_a_clear_message(prepared_run, tmp_path, monkeypatch):
    monkeypatch.setattr("herverdeling.pipeline.propose", _fake_propose(prepared_run))
    app = create_app(small_world(), work_dir=tmp_path / "runs")
    downloads: dl.Downloads = app.state.downloads
    key = downloads.start(small_world(), "x").key
    _wait(downloads, key)
    next((tmp_path / "runs" / key / "agreements").glob("*.docx")).unlink()
    with Served(app) as c:
        r = c.get(f"/downloads/{key}/overeenkomsten.zip")
    assert r.status_code == 500
    assert "niet volledig" in r.json()["error"]


def test_the_download_queue_is_bounded(prepared_run, tmp_path, monkeypatch):
    gate = threading.Event()
    monkeypatch.setattr("herverdeling.pipeline.propose", _fake_propose(prepared_run, gate))
    app = create_app(small_world(), work_dir=tmp_path / "runs")
    downloads: dl.Downloads = app.state.downloads
    policies = available_policies()
    with Served(app) as c:
        side = {"province": "AA", "category": "regulier"}
        answers = []
        for n in range(limits().download_queue_max + 1):
            not_hosting = ["GM0002"] if n % 2 else []
            body = {"settings": {**side, "policy": policies[n // 2 % len(policies)],
                                 "not_hosting": not_hosting}}
            answers.append(c.post("/api/downloads", json=body))
        assert [a.status_code for a in answers[:-1]] == [200] * limits().download_queue_max
        assert answers[-1].status_code == 503
        assert "te druk, probeer het zo opnieuw" in answers[-1].json()["error"]
        assert answers[-1].headers["retry-after"]
        gate.set()
        for a in answers[:-1]:
            _wait(downloads, a.json()["key"])


# ---- point 11: our temporary folder goes when the app stops ----------------------------------
def test_the_temp_folder_is_removed_on_stop_and_stale_ones_at_start(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"{dl.PREFIX}stale"
    stale.mkdir()
    (stale / dl.MARKER).write_text(str(dead.pid))
    foreign = tmp_path / f"{dl.PREFIX}not-ours"
    foreign.mkdir()
    alive = tmp_path / f"{dl.PREFIX}alive"
    alive.mkdir()
    (alive / dl.MARKER).write_text(str(os.getppid()))
    app = create_app(small_world())
    assert not stale.exists()
    assert foreign.is_dir()
    assert alive.is_dir()
    root = app.state.downloads.root
    assert root.parent == tmp_path
    assert (root / dl.MARKER).read_text() == str(os.getpid())
    with Served(app):
        pass
    assert not root.exists()


def test_sigterm_during_a_download_leaves_no_temp_folder(tmp_path):
    scen = write_scenario(small_world(), tmp_path / "world")
    temp = tmp_path / "temp"
    temp.mkdir()
    port = free_port()
    log = (tmp_path / "app.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "herverdeling", "app", "--scenario", str(scen),
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "TMPDIR": str(temp)})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (tmp_path / "app.log").read_text()
            try:
                if get_json(f"{url}/api/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
            assert time.monotonic() < deadline
        assert len(list(temp.glob(f"{dl.PREFIX}*"))) == 1
        body = json.dumps({"settings": {"province": "AA", "category": "regulier"}}).encode()
        status, answer = get_json(f"{url}/api/downloads", body)
        assert status == 200, answer
        time.sleep(0.3)  # the run is under way
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0 or proc.returncode is not None
    finally:
        if proc.poll() is None:
            proc.kill()
    assert list(temp.glob(f"{dl.PREFIX}*")) == [], (tmp_path / "app.log").read_text()


# ---- issue 16, point 3: the municipality table as Excel -----------------------------------------
def test_the_table_endpoint_answers_xlsx_or_one_dutch_line(client):
    from openpyxl import load_workbook

    settings = {"province": "AA", "category": "amv"}
    ok = client.post("/api/gemeenten.xlsx", json={"settings": settings, "codes": ["GM0005", "GM0001"]})
    assert ok.status_code == 200
    assert 'filename="gemeenten-AA-amv.xlsx"' in ok.headers["content-disposition"]
    rows = list(load_workbook(io.BytesIO(ok.content))["gemeenten"].iter_rows(values_only=True))
    assert [(r[1], r[3]) for r in rows[1:]] == [("GM0005", "AMV"), ("GM0001", "AMV")]
    bad = client.post("/api/gemeenten.xlsx", json={"settings": {**settings, "province": "ZZ"}})
    assert bad.status_code == 422
    assert "onbekende provincie" in bad.json()["error"]
    codes = client.post("/api/gemeenten.xlsx", json={"settings": settings, "codes": "GM0001"})
    assert codes.status_code == 422
    assert "CBS-codes" in codes.json()["error"]
