"""The bad-input corpus (issue 18, point 12): one folder per case under tests/cli/corpus/, one test.

Each `case.yaml` says how to build the input (usually: copy the bundled nl-2025 and change one
thing, so no case commits a 343-row copy), the command, the exit code and a fragment of the
message. Every refusal must be one `error:` line, exit 2 (or 1 for a checker error), no
traceback, nothing written, and in under `max_seconds` (1 s for the limits).

Operations (`build:` is a list, applied in order, in a fresh working folder):
- `scenario: NAME` copies a bundled scenario to ./S;
- `rename_column`, `duplicate_column`, `set_cell`, `add_rows` edit a CSV of ./S;
- `replace` edits a text file (`file`, `old`, `new`, or `append`);
- `write` writes a text file; `import_table` writes a verdeelbesluit table of Noord-Brabant
  (CSV or Excel, with sheets, formulas, separators and encodings); `zip_bomb`, `nested_json`,
  `raised_uitruil` write the named hostile files.

A case with `request:` is sent to the explorer app instead (issue 18, point 12): `method`, `path`,
`json` or `body_bytes` (that many bytes), `host` (default the server's own); it expects `status`,
each `expect` fragment in the answer and no `reject` fragment (nothing of a file's contents or
existence), in under `max_seconds`.
"""

from __future__ import annotations

import csv
import io
import shutil
import time
import zipfile
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from herverdeling.cli import app
from herverdeling.resources import bundled_dir
from herverdeling.scenario.io import load_scenario

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "case.yaml").is_file())


# ---- building the input ------------------------------------------------------------------------
def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def _nb_records(header: dict[str, str]) -> list[dict[str, object]]:
    s = load_scenario("nl-2025")
    values = {"cbs_code": lambda m: m.cbs_code, "name": lambda m: m.name,
              "province": lambda m: "Noord-Brabant",
              "verdeelbesluit_regulier": lambda m: m.verdeelbesluit.regulier,
              "verdeelbesluit_amv": lambda m: m.verdeelbesluit.amv}
    return [{col: values[field](m) for col, field in header.items()} for m in s.municipalities_in("NB")]


def _import_table(work: Path, op: dict) -> None:
    """A Noord-Brabant table; `header` maps the table's column to our field; `cells` override."""
    path = work / op["path"]
    records = _nb_records(op["header"])
    columns = list(op["header"])
    for c in op.get("cells", []):  # {row (spreadsheet), column, value}
        records[c["row"] - 2][c["column"]] = c["value"]
    if path.suffix == ".xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        book.remove(book.active)
        for sheet in op.get("sheets", [{"name": "Verdeelbesluit"}]):
            ws = book.create_sheet(sheet["name"])
            if sheet.get("junk"):
                ws.append(["Oude tabel", "niet gebruiken"])
                ws.append(["x", "y"])
            else:
                ws.append(columns)
                for r in records:
                    ws.append([r[c] for c in columns])
            if sheet.get("hidden"):
                ws.sheet_state = "hidden"
        if "active" in op:
            book.active = op["active"]
        book.save(path)
    else:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=op.get("sep", ","), lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[r[c] for c in columns] for r in records])
        path.write_bytes(out.getvalue().encode(op.get("encoding", "utf-8")))
    if "rename_to" in op:
        path.rename(work / op["rename_to"])


def _raised_uitruil(work: Path, op: dict) -> None:
    """proposals.json of Gelderland's uitruil with one transfer raised one place above its request."""
    from herverdeling.proposals import ProposalSet
    from herverdeling.uitruil import propose_uitruil

    s = load_scenario("nl-2025")
    result = propose_uitruil(s, province="GE")
    proposals = []
    for p in result.proposals:
        t = p.transfers[0]
        if t.places == s.municipality(t.from_code).uitruil.request.get(t.category) and not proposals:
            p = p.model_copy(update={"transfers": (t.model_copy(update={"places": t.places + 1}),
                                                   *p.transfers[1:])})
        proposals.append(p)
    ps = ProposalSet(scenario=s.name, scenario_hash=s.content_hash(), as_of=s.round.as_of,
                     proposals=tuple(proposals))
    (work / op["path"]).write_text(ps.model_dump_json(indent=2), encoding="utf-8")


def build(work: Path, ops: list[dict]) -> None:
    for op in ops:
        kind = op["op"]
        if kind == "scenario":
            shutil.copytree(bundled_dir("scenarios") / op["name"], work / "S")
        elif kind == "rename_column":
            rows = _rows(work / op["file"])
            rows[0][rows[0].index(op["from"])] = op["to"]
            _write_rows(work / op["file"], rows)
        elif kind == "duplicate_column":
            rows = _rows(work / op["file"])
            j = rows[0].index(op["column"])
            _write_rows(work / op["file"], [[*r, r[j] if j < len(r) else ""] for r in rows])
        elif kind == "add_column":
            rows = _rows(work / op["file"])
            _write_rows(work / op["file"], [rows[0] + [op["column"]]] +
                        [[*r, op.get("value", "")] for r in rows[1:]])
        elif kind == "set_cell":
            rows = _rows(work / op["file"])
            rows[op["row"] - 1][rows[0].index(op["column"])] = op["value"]
            _write_rows(work / op["file"], rows)
        elif kind == "add_rows":
            path = work / op["file"]
            last = path.read_text(encoding="utf-8").splitlines()[-1]
            with path.open("a", encoding="utf-8") as fh:
                fh.write((last + "\n") * op["count"])
        elif kind == "replace":
            path = work / op["file"]
            text = path.read_text(encoding="utf-8")
            if "old" in op:
                assert op["old"] in text, (op["old"], path)
                text = text.replace(op["old"], op["new"], 1)
            text += op.get("append", "")
            path.write_text(text, encoding="utf-8")
        elif kind == "write":
            (work / op["path"]).parent.mkdir(parents=True, exist_ok=True)
            (work / op["path"]).write_text(op["text"], encoding="utf-8")
        elif kind == "import_table":
            _import_table(work, op)
        elif kind == "zip_bomb":
            with zipfile.ZipFile(work / op["path"], "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr("[Content_Types].xml", "<Types/>")
                zf.writestr("xl/worksheets/sheet1.xml", b"\0" * op["megabytes"] * 1_000_000)
        elif kind == "nested_json":
            (work / op["path"]).write_text("[" * op["depth"] + "]" * op["depth"], encoding="utf-8")
        elif kind == "raised_uitruil":
            _raised_uitruil(work, op)
        else:
            raise AssertionError(f"unknown op {kind}")


def _snapshot(work: Path) -> dict[str, int]:
    return {str(p.relative_to(work)): p.stat().st_mtime_ns for p in work.rglob("*")}


def _http_case(case: dict, work: Path) -> None:
    from herverdeling.app.server import create_app
    from tests.app.test_app_http import Served

    req = case["request"]
    app = create_app(load_scenario(case.get("app_scenario", "nl-2025")), work_dir=work / "runs")
    headers = {"Host": req["host"]} if "host" in req else {}
    with Served(app) as server:
        start = time.perf_counter()
        if "body_bytes" in req:
            answer = server.request(req.get("method", "POST"), req["path"], headers={
                **headers, "Content-Type": "application/json"}, content=b"x" * req["body_bytes"])
        else:
            answer = server.request(req.get("method", "POST"), req["path"], headers=headers,
                                    json_body=req.get("json"))
        seconds = time.perf_counter() - start
    text = answer.content.decode("utf-8", "replace")
    assert answer.status_code == case["status"], (answer.status_code, text)
    assert "Traceback" not in text
    for fragment in case.get("expect", []):
        assert fragment in text, (fragment, text)
    for fragment in case.get("reject", []):
        assert fragment not in text, (fragment, text)
    assert seconds < case.get("max_seconds", 10), f"took {seconds:.2f} s"


@pytest.mark.parametrize("name", CASES)
def test_corpus_case(name: str, tmp_path: Path, monkeypatch):
    case = yaml.safe_load((CORPUS / name / "case.yaml").read_text(encoding="utf-8"))
    if "request" in case:
        _http_case(case, tmp_path)
        return
    work = tmp_path / "work"
    work.mkdir()
    build(work, case.get("build", []))
    before = _snapshot(work)
    monkeypatch.chdir(work)
    start = time.perf_counter()
    result = CliRunner().invoke(app, [str(a) for a in case["args"]])
    seconds = time.perf_counter() - start
    output = result.output
    assert "Traceback" not in output, output
    assert result.exit_code == case["exit"], (result.exit_code, output, result.exception)
    if case["exit"] != 0:
        assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), \
            repr(result.exception)
        errors = [ln for ln in output.splitlines() if ln.startswith("error:")]
        if case["exit"] == 2:
            assert len(errors) == 1, output
        assert _snapshot(work) == before, "a refused input wrote something"
    for fragment in case.get("expect", []):
        assert fragment in output, (fragment, output)
    assert seconds < case.get("max_seconds", 10), f"took {seconds:.2f} s"
