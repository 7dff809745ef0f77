"""The explorer in a real browser: Debian's chromium, driven by Playwright, against a started app.

The app runs as `python -m herverdeling app` in a subprocess on a free port of 127.0.0.1. No
browser is downloaded: Playwright launches /usr/bin/chromium (`make test` installs it). A missing
chromium or playwright is a failure with the fix in the message, never a skip.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest

from herverdeling.scenario.io import write_scenario
from tests.app.test_app_whatif import small_world

CHROMIUM = os.environ.get("HERVERDELING_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WAIT_MS = 30_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str, data: bytes | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: pip install -e '.[test]' (make test does this)")
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        pytest.fail(f"no chromium at {CHROMIUM}: apt-get install -y chromium (make test does this); "
                    "no browser can be downloaded at test time")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def start_app(scenario: str, log: Path):
    port = free_port()
    out = log.open("w")
    proc = subprocess.Popen([sys.executable, "-m", "herverdeling", "app", "--scenario", scenario,
                             "--port", str(port)], stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the app stopped at start: {log.read_text()}")
        try:
            if get_json(f"{url}/api/health")[1]["status"] == "ok":
                return proc, url
        except (OSError, ValueError):
            time.sleep(0.3)
    proc.terminate()
    pytest.fail(f"the app did not answer within 60 s: {log.read_text()}")


def stop_app(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def nl_app(tmp_path_factory, nl2025_deals):
    proc, url = start_app("nl-2025", tmp_path_factory.mktemp("nl") / "app.log")
    yield url
    stop_app(proc)


@pytest.fixture(scope="module")
def world_app(tmp_path_factory):
    folder = write_scenario(small_world(), tmp_path_factory.mktemp("world") / "world")
    proc, url = start_app(str(folder), folder.parent / "app.log")
    yield url
    stop_app(proc)


def open_page(browser, url: str):
    page = browser.new_page(viewport={"width": 1500, "height": 1200}, accept_downloads=True)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # the Content-Security-Policy (issue 18, point 2) must block nothing the page needs
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text
            else None)
    page.goto(url)
    page.wait_for_function("() => document.body.dataset.seq === '1'", timeout=WAIT_MS)
    page.evaluate("document.querySelectorAll('details.hosts').forEach(d => { d.open = true; })")
    return page, errors


def changed(page, action) -> None:
    """Do `action` and wait until the page shows the answer to the request it triggers."""
    seq = int(page.get_attribute("body", "data-seq"))
    action()
    page.wait_for_function(f"() => Number(document.body.dataset.seq) > {seq}", timeout=WAIT_MS)


def map_data(page, side: str) -> str:
    return page.evaluate(f"JSON.stringify(document.getElementById('map-{side}').data)")


def host_trace(page, side: str) -> list[str]:
    return page.evaluate(f"""(document.getElementById('map-{side}').data
        .find(t => t.name === 'gastgemeente') || {{customdata: []}}).customdata""")


def merger_hosts(page, side: str) -> list[str]:
    return page.eval_on_selector_all(f"#detail-{side} tr[data-kind=merger]",
                                     "rows => rows.map(r => r.dataset.realiser)")


def test_unticking_a_host_changes_map_table_and_comparison(browser, nl_app):
    page, errors = open_page(browser, nl_app)
    assert page.get_attribute("body", "data-state") == "ready"
    hosts = merger_hosts(page, "b")
    assert hosts, "the default province should have mergers to explore"
    host = hosts[0]
    assert host in host_trace(page, "b")
    before = map_data(page, "b")
    changed(page, lambda: page.uncheck(f"#form-b input[name=host][value={host}]"))
    assert host not in merger_hosts(page, "b")
    assert host not in host_trace(page, "b")
    assert map_data(page, "b") != before
    assert host in merger_hosts(page, "a")  # option A is untouched
    item = page.locator(f"#diff-body li[data-host={host}]")
    assert item.get_attribute("data-change") == "only_a"
    # the host's tasks go elsewhere: how many mergers that makes follows the data, but some
    # metric of the comparison (mergers, locations, place-km ...) must show the change
    assert page.locator("#diff-body tr.changed").count() >= 1
    assert not errors


def test_amv_distance_changes_map_and_table(browser, nl_app):
    page, errors = open_page(browser, nl_app)
    changed(page, lambda: page.select_option("#category", "amv"))
    before_rows = merger_hosts(page, "b")
    before_map = map_data(page, "b")
    assert before_rows, "AMV mergers expected in the default province at the scenario's norms"
    # 0.5 km: no two municipal points are that close, so no merger can remain
    changed(page, lambda: page.fill("#form-b input[name=amv-max_distance_km]", "0.5"))
    assert merger_hosts(page, "b") == []
    assert map_data(page, "b") != before_map
    assert merger_hosts(page, "a") == before_rows
    assert not errors


def test_bad_setting_shows_a_message_and_the_server_keeps_running(browser, nl_app):
    page, errors = open_page(browser, nl_app)
    changed(page, lambda: page.fill("#form-b input[name=regulier-min_size]", "5000"))
    message = page.locator("#error-b")
    assert message.is_visible()
    assert "boven het maximum" in message.inner_text()
    assert "Traceback" not in page.content()
    assert page.get_attribute("#col-a", "data-state") == "ready"
    # no host left: untick every municipality of the province in B
    changed(page, lambda: page.fill("#form-b input[name=regulier-min_size]", "50"))
    assert not message.is_visible()
    boxes = page.locator("#form-b input[name=host]")
    page.evaluate("document.querySelectorAll('#form-b input[name=host]')"
                  ".forEach(b => { b.checked = false; })")
    changed(page, lambda: boxes.first.dispatch_event("input"))
    assert "geen gastgemeente meer" in message.inner_text()
    # the server still answers, also to nonsense
    assert get_json(f"{nl_app}/api/health") == (200, {"status": "ok", "scenario": "nl-2025"})
    status, body = get_json(f"{nl_app}/api/explore", json.dumps({"a": "nonsense"}).encode())
    assert status == 200
    assert body["a"]["ok"] is False
    assert "ongeldige invoer" in body["a"]["error"]
    assert not errors


def download(page, selector: str, target: Path) -> Path:
    with page.expect_download(timeout=WAIT_MS) as info:
        page.click(selector)
    path = target / info.value.suggested_filename
    info.value.save_as(path)
    return path


def test_downloads_are_the_propose_files_and_the_docx_opens(browser, world_app, tmp_path):
    from docx import Document
    from openpyxl import load_workbook

    page, errors = open_page(browser, world_app)
    page.select_option("#province", "AA")
    changed(page, lambda: page.uncheck("#form-a input[name=host][value=GM0001]"))
    page.click("#col-a .tabs button[data-tab=downloads]")
    page.click("#downloads-a .make-files")
    page.wait_for_selector("#downloads-a a[data-file=agreements-province]", timeout=90_000)
    zipped = download(page, "#downloads-a a[data-file=agreements-province]", tmp_path)
    with zipfile.ZipFile(zipped) as zf:
        names = [n for n in zf.namelist() if n.endswith(".docx")]
        assert names
        zf.extractall(tmp_path / "unzipped")
    texts = [" ".join(p.text for p in Document(tmp_path / "unzipped" / n).paragraphs) for n in names]
    assert all(texts)
    assert not [t for t in texts if "+whatif" in t]  # the readable name, never the internal id
    assert all("world, eigen instellingen" in t for t in texts)
    assert any("Host-S" in t for t in texts)
    manifest = json.loads(download(page, "#downloads-a a[data-file=manifest]", tmp_path).read_text())
    assert "+whatif" in manifest["scenario"]["name"]  # the run used the page's settings
    assert any(f.startswith("agreements/") for f in manifest["files"])
    book = load_workbook(download(page, "#downloads-a a[data-file=xlsx]", tmp_path))
    assert "voorstellen" in book.sheetnames
    rows = list(book["voorstellen"].iter_rows(min_row=2, values_only=True))
    assert any(r[1] == "samenvoeging" for r in rows)
    assert all(r[4] != "GM0001" for r in rows if r[1] == "samenvoeging")  # GM0001 may not host here
    ledger = [c.value for c in book["ibt-ledger"][1]]
    assert {"gemeente", "provincie", "taak in IBT", "aanspreekbaar voor"} <= set(ledger)
    assert not {"cbs_code", "name", "ibt_task", "accountable_for"} & set(ledger)
    accountable = [r[ledger.index("aanspreekbaar voor")] or ""
                   for r in book["ibt-ledger"].iter_rows(min_row=2, values_only=True)]
    assert any(a.startswith("eigen ") for a in accountable)
    assert not [a for a in accountable if "own " in a or " from " in a]
    assert not errors


def test_the_map_has_one_shape_per_municipality_and_search_highlights(browser, nl_app):
    page, errors = open_page(browser, nl_app)
    prov = page.input_value("#province")
    codes = page.evaluate(f"""JSON.parse(document.getElementById('page-data').textContent)
        .municipalities.filter(m => m.province === '{prov}')""")
    assert page.locator("#map-a path.choroplethlocation").count() == len(codes)
    drawn = page.evaluate("""document.getElementById('map-a').data
        .filter(t => t.type === 'choropleth').flatMap(t => t.locations)""")
    assert sorted(drawn) == sorted(m["code"] for m in codes)
    target = codes[len(codes) // 2]
    page.fill("#search-a", target["name"])
    page.wait_for_function(f"document.getElementById('map-a').dataset.highlight === '{target['code']}'",
                           timeout=WAIT_MS)
    widths = page.evaluate(f"""(() => {{ const d = document.getElementById('map-a').data
        .find(t => t.type === 'choropleth' && t.locations.includes('{target['code']}'));
        return d.marker.line.width[d.locations.indexOf('{target['code']}')]; }})()""")
    assert widths == 4
    assert target["name"] in page.inner_text("#col-a .map-search .found")
    assert not errors


def test_every_toolbar_button_stays_on_127_0_0_1(browser, nl_app):
    page, errors = open_page(browser, nl_app)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.hover("#map-a")
    buttons = page.locator("#map-a .modebar-btn")
    titles = [buttons.nth(i).get_attribute("data-title") for i in range(buttons.count())]
    assert titles
    assert not [t for t in titles if "cloud" in (t or "").lower() or "share" in (t or "").lower()]
    for i in range(buttons.count()):
        page.hover("#map-a")
        buttons.nth(i).click()
        page.wait_for_timeout(300)
    outside = [u for u in requests if u.split(":")[0] in ("http", "https", "ws", "wss")
               and not u.startswith(nl_app)]
    assert not outside
    assert not errors


# ---- issue 16: the explorer a PRT takes into the meeting --------------------------------------
def pdf_pages(data: bytes) -> int:
    """Page objects in a PDF (not the /Pages tree node): Chromium writes one per page."""
    import re

    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def side_settings(page, side: str) -> dict:
    return page.evaluate(f"settings('{side}')")


def test_reload_and_a_shared_link_restore_the_settings_and_undo_goes_back(browser, world_app):
    page, errors = open_page(browser, world_app)
    changed(page, lambda: page.select_option("#province", "AA"))
    host = merger_hosts(page, "b")[0]
    changed(page, lambda: page.fill("#form-b input[name=regulier-min_size]", "60"))
    changed(page, lambda: page.uncheck(f"#form-b input[name=host][value={host}]"))
    wanted, shown = side_settings(page, "b"), merger_hosts(page, "b")
    assert "?s=" in page.url
    page.reload()
    page.wait_for_function("() => document.body.dataset.seq === '1'", timeout=WAIT_MS)
    assert page.input_value("#form-b input[name=regulier-min_size]") == "60"
    assert not page.is_checked(f"#form-b input[name=host][value={host}]")
    assert side_settings(page, "b") == wanted
    assert merger_hosts(page, "b") == shown
    other, _ = open_page(browser, page.url)  # the link, opened by a colleague
    assert side_settings(other, "b") == wanted
    # undo: the host comes back, then the minimum
    page.evaluate("document.querySelectorAll('details.hosts').forEach(d => { d.open = true; })")
    changed(page, lambda: page.fill("#form-b input[name=regulier-min_size]", "70"))
    changed(page, lambda: page.click("#undo"))
    assert page.input_value("#form-b input[name=regulier-min_size]") == "60"
    assert not errors


def test_at_1024_a_and_b_stand_side_by_side_and_a_phone_cuts_nothing_off(browser, nl_app):
    for width, height in ((1024, 768), (390, 844)):
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(nl_app)
        page.wait_for_function("() => document.body.dataset.seq === '1'", timeout=WAIT_MS)
        box = {s: page.locator(f"#result-{s} .metrics").bounding_box() for s in ("a", "b")}
        if width == 1024:  # both options' figures on the first screen, next to each other
            assert box["a"]["y"] == box["b"]["y"]
            assert box["a"]["y"] + box["a"]["height"] < height
            assert box["a"]["x"] + box["a"]["width"] <= box["b"]["x"]
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.close()


def test_print_is_one_a4_page_with_metrics_changes_and_open_points(browser, nl_app):
    page, errors = open_page(browser, nl_app)
    changed(page, lambda: page.select_option("#form-b select[name=policy]", "flow-nearest"))
    changed(page, lambda: page.fill("#form-b input[name=regulier-max_distance_km]", "5"))
    assert page.locator("#diff-body tr.changed").count() > 0
    page.evaluate("window.print = () => { document.body.dataset.printed = '1'; }")
    page.click("#print")
    assert page.get_attribute("body", "data-printed") == "1"
    assert page.locator("#print-open li").count() > 0
    assert "Optie B: netwerkmodel: dichtstbij" in page.inner_text("#print-summary")
    assert pdf_pages(page.pdf(format="A4")) == 1
    page.emulate_media(media="print")
    assert page.locator("#diff-body table.diff-metrics").is_visible()
    assert not page.locator("#col-a").is_visible()
    assert not errors


def test_the_screen_shows_what_propose_writes(browser, world_app, tmp_path):
    from herverdeling.app.whatif import parse_whatif, whatif_scenario
    from herverdeling.pipeline import propose

    page, errors = open_page(browser, world_app)
    changed(page, lambda: page.select_option("#province", "AA"))
    page.evaluate("document.querySelectorAll('details.hosts').forEach(d => { d.open = true; })")
    changed(page, lambda: page.uncheck("#form-a input[name=host][value=GM0001]"))
    settings = parse_whatif(side_settings(page, "a"))
    shown = page.eval_on_selector_all(
        "#detail-a tr[data-id]", "rows => rows.map(r => [r.dataset.id, r.children[3].textContent.trim()])")
    out = propose(whatif_scenario(small_world(), settings), tmp_path / "run", policy=settings.policy)
    written = json.loads((out / "proposals.json").read_text())["proposals"]
    codes = {m.cbs_code for m in small_world().municipalities_in("AA")}
    expected = []
    for p in written:  # independently: the transfers of the category that touch the province
        moves = [t for t in p["transfers"] if t["category"] == settings.category and (
            p["kind"] == "merger" or t["from_code"] in codes or t["to_code"] in codes)]
        if p["kind"] == "merger" and p.get("province") != "AA":
            continue
        if moves:
            expected.append([p["id"], str(sum(int(t["places"]) for t in moves))])
    assert shown
    assert shown == expected
    assert not errors


RELIEF_JS = "rows => rows.map(r => [r.dataset.code, Number(r.children[2].dataset.v)])"


def test_a_pinned_refusal_of_relief_changes_the_proposals(browser, world_app):
    page, errors = open_page(browser, world_app)
    changed(page, lambda: page.select_option("#province", "AA"))
    page.click("#col-b .tabs button[data-tab=table]")
    relief = page.eval_on_selector_all("#table-b table.munis tbody tr", RELIEF_JS)
    code = max(relief, key=lambda r: r[1])[0]
    assert dict(relief)[code] > 0
    before = page.eval_on_selector_all("#detail-b tr[data-id]", "rows => rows.map(r => r.textContent)")
    changed(page, lambda: page.select_option(f"#table-b select.muni-relief[data-code={code}]", "refused"))
    assert page.get_attribute(f"#table-b tr[data-code={code}] td:nth-child(3)", "data-v") == "0"
    assert page.input_value(f"#table-b select.muni-relief[data-code={code}]") == "refused"
    after = page.eval_on_selector_all("#detail-b tr[data-id]", "rows => rows.map(r => r.textContent)")
    assert after != before
    a = page.eval_on_selector_all("#table-a table.munis tbody tr", RELIEF_JS)
    assert a == relief  # option A keeps the scenario's wishes
    assert f'"{code}":"refused"' in urllib.parse.unquote(page.url)
    # a click on a municipality of the map toggles whether it may host (plotly's own click event)
    assert "GM0001" in merger_hosts(page, "b")
    changed(page, lambda: page.evaluate("""document.getElementById('map-b').emit('plotly_click',
        {points: [{data: {type: 'choropleth'}, location: 'GM0001'}]})"""))
    assert "GM0001" not in merger_hosts(page, "b")
    assert "GM0001" in side_settings(page, "b")["not_hosting"]
    assert not errors


def test_the_table_sorts_filters_and_exports_what_it_shows(browser, world_app, tmp_path):
    from openpyxl import load_workbook

    page, errors = open_page(browser, world_app)
    changed(page, lambda: page.select_option("#province", "AA"))
    page.click("#col-a .tabs button[data-tab=table]")
    page.click("#table-a th:nth-child(2)")  # the verdeelbesluit task, ascending
    tasks = page.eval_on_selector_all("#table-a tbody tr", "rows => rows.map(r => r.children[1].textContent)")
    numbers = [int(t.replace(".", "")) for t in tasks]
    assert numbers == sorted(numbers)
    page.fill("#table-a .muni-filter", "small")
    visible = page.eval_on_selector_all("#table-a tbody tr:not([hidden])",
                                        "rows => rows.map(r => r.dataset.code)")
    assert visible
    assert all(page.inner_text(f"#table-a tr[data-code={c}] td").startswith("Small")
                           for c in visible)
    book = load_workbook(download(page, "#table-a .muni-xlsx", tmp_path))
    sheet = book["gemeenten"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("provincie", "cbs-code", "gemeente")
    assert [r[1] for r in rows[1:]] == visible
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref
    assert not errors


def test_save_and_open_a_file_and_every_term_reaches_the_glossary(browser, world_app, tmp_path):
    page, errors = open_page(browser, world_app)
    changed(page, lambda: page.select_option("#province", "AA"))
    changed(page, lambda: page.fill("#form-b input[name=amv-min_size]", "3"))
    wanted = side_settings(page, "b")
    saved = download(page, "#save", tmp_path)
    assert json.loads(saved.read_text())["format"] == "herverdeling-verkenner"
    fresh, _ = open_page(browser, world_app)
    changed(fresh, lambda: fresh.set_input_files("#load", str(saved)))
    assert side_settings(fresh, "b") == wanted
    assert "+whatif" not in fresh.inner_text("body")  # no internal id for people
    targets = fresh.eval_on_selector_all("a.term", "as => [...new Set(as.map(a => a.getAttribute('href')))]")
    assert len(targets) >= 6
    for href in targets:
        assert fresh.locator(href).count() == 1, href
    # the host list: search, then "geen" unticks only what the search shows
    fresh.evaluate("document.querySelectorAll('details.hosts').forEach(d => { d.open = true; })")
    fresh.fill("#form-a .host-search", "small")
    shown = fresh.eval_on_selector_all("#form-a .host-list label:not([hidden])",
                                       "ls => ls.map(l => l.dataset.code)")
    assert shown == ["GM0002", "GM0003", "GM0005"]
    changed(fresh, lambda: fresh.click("#form-a .no-hosts"))
    assert side_settings(fresh, "a")["not_hosting"] == shown
    assert fresh.inner_text("#form-a .hosts .count") == "(2 van 5)"
    # an empty field: a Dutch message, no English
    changed(fresh, lambda: fresh.fill("#form-a input[name=regulier-max_size]", ""))
    assert "vul een heel getal in" in fresh.inner_text("#error-a")
    assert not errors


def test_frontier_register_monitor_and_partners_on_the_page(browser, world_app):
    """Issues 16 point 4 and 17 points 3 and 5 in the browser: compute the frontier and click a
    point, sign an agreement in the register tab, see the monitor, refuse a partner province."""
    page, errors = open_page(browser, world_app)
    changed(page, lambda: page.select_option("#province", "AA"))
    # the frontier: computed in the background, a chart whose click sets option B to the point
    page.evaluate("document.querySelector('#frontier details').open = true")
    page.select_option("#frontier-side", "b")
    page.click("#frontier-start")
    page.wait_for_function("() => document.getElementById('frontier').dataset.state === 'done'",
                           timeout=WAIT_MS)
    assert page.get_attribute("#frontier-chart", "data-points") == "1"
    changed(page, lambda: page.evaluate("""document.getElementById('frontier-chart').emit(
        'plotly_click', {points: [{customdata: 1}]})"""))
    assert side_settings(page, "b")["frontier_point"] == 1
    assert side_settings(page, "a")["frontier_point"] is None
    assert "afweging 1" in page.inner_text("#summary-b")
    assert '"frontier_point":1' in urllib.parse.unquote(page.url)
    # the register: sign the first merger of A; its signing step is no longer open
    page.click("#col-a .tabs button[data-tab=register]")
    page.wait_for_function("() => document.getElementById('register-a').dataset.state === 'ready'",
                           timeout=WAIT_MS)
    row = page.locator("#register-a tr[data-state=concept]").first
    pid = row.get_attribute("data-id")
    assert pid is not None
    steps_before = page.eval_on_selector_all("#detail-a .steps li", "ls => ls.map(l => l.textContent)")
    assert any(pid in s or "samenvoeging" in s for s in steps_before)
    row.locator("select[name=status]").select_option("signed")
    row.locator("input[name=datum]").fill("2025-02-01")
    changed(page, lambda: row.locator("button[type=submit]").click())
    page.wait_for_function(f"""() => {{ const r = document.querySelector('#register-a tr[data-id="{pid}"]');
        return r && r.dataset.state === 'signed'; }}""", timeout=WAIT_MS)
    assert "ondertekend 2025-02-01" in page.inner_text(f'#register-a tr[data-id="{pid}"]')
    # the monitor tab: one row per municipality of AA with a task, and the shortfall map
    page.click("#col-a .tabs button[data-tab=monitor]")
    page.wait_for_function("() => document.getElementById('monitor-a').dataset.state === 'ready'",
                           timeout=WAIT_MS)
    assert page.locator("#monitor-a table.monitor-rows tbody tr").count() == 5
    assert "taak bij IBT" in page.inner_text("#monitor-a thead")
    # partner provinces: refuse BB for AA in option A; the swaps with BB are gone
    page.evaluate("document.querySelector('#form-a details.partners').open = true")
    changed(page, lambda: page.select_option("#form-a select[data-pair=AA-BB]", "refused"))
    assert side_settings(page, "a")["partners"] == {"AA-BB": "refused"}
    assert page.locator("#detail-a tr[data-kind=surplus_swap]").count() == 0
    assert page.locator("#detail-b tr[data-kind=surplus_swap]").count() > 0
    assert not errors
