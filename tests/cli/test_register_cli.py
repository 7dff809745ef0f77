"""`herverdeling register` on a copy of nl-2025: list, set, history, export; check against it.

Every test works in a temporary copy of the bundled scenario; the bundled folder stays clean.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from herverdeling.checker.io import write_proposals
from herverdeling.cli import app
from herverdeling.pipeline import run_chain
from herverdeling.register import ENV_URL, REGISTER_FILE
from herverdeling.run import RunSettings
from herverdeling.scenario.io import load_scenario, resolve_scenario

runner = CliRunner()
BUNDLED = resolve_scenario("nl-2025")


@pytest.fixture(scope="module")
def chain_file(tmp_path_factory) -> Path:
    """The chain's proposals for nl-2025, once (each command would otherwise run the chain)."""
    s = load_scenario("nl-2025")
    path = tmp_path_factory.mktemp("chain") / "proposals.json"
    write_proposals(run_chain(s, RunSettings(scenario=s.name)).proposals, path)
    return path


@pytest.fixture
def scen(tmp_path, monkeypatch) -> Path:
    monkeypatch.delenv(ENV_URL, raising=False)
    folder = tmp_path / "nl-2025"
    shutil.copytree(BUNDLED, folder)
    return folder


def _ids(chain_file: Path, kind: str) -> list[str]:
    return [p["id"] for p in json.loads(chain_file.read_text())["proposals"] if p["kind"] == kind]


def run(*args: str):
    return runner.invoke(app, list(args))


def test_list_reads_the_chain_and_creates_nothing_not_even_in_the_bundled_folder(monkeypatch):
    monkeypatch.delenv(ENV_URL, raising=False)
    before = sorted(p.name for p in BUNDLED.iterdir())
    result = run("register", "list", "-s", "nl-2025", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows
    assert {r["entry"]["state"] for r in rows} == {"concept"}
    assert sorted(p.name for p in BUNDLED.iterdir()) == before
    assert not (BUNDLED / REGISTER_FILE).exists()


def test_set_records_steps_and_refuses_skips_and_bad_dates_in_one_dutch_line(scen, chain_file):
    uid = _ids(chain_file, "uitruil")[0]
    common = ("-s", str(scen), "-p", str(chain_file))
    ok = run("register", "set", uid, "ondertekend", "--datum", "2025-02-01", "--door", "griffie", *common)
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.strip() == f"afspraak {uid}: ondertekend op 1 februari 2025 vastgelegd"
    assert (scen / REGISTER_FILE).is_file()
    for args, message in [
        (("ministerie-geinformeerd", "--datum", "2025-02-03"), "geen stap overslaan"),
        (("prt-geinformeerd", "--datum", "2025-01-31"), "vóór de vorige stap"),
        (("prt-geinformeerd", "--datum", "3-2-2025"), "geen datum, schrijf JJJJ-MM-DD"),
        (("getekend", "--datum", "2025-02-03"), "onbekende status"),
    ]:
        bad = run("register", "set", uid, *args, *common)
        assert bad.exit_code == 2, bad.output
        lines = bad.stderr.strip().splitlines()
        assert len(lines) == 1
        assert message in lines[0]
    unknown = run("register", "set", "uitruil-XX-0", "ondertekend", "--datum", "2025-02-01", *common)
    assert unknown.exit_code == 2
    assert "onbekende afspraak 'uitruil-XX-0'" in unknown.stderr
    assert run("register", "set", uid, "prt-geinformeerd", "--datum", "2025-02-03", *common).exit_code == 0
    history = run("register", "history", uid, "-s", str(scen))
    assert history.exit_code == 0
    lines = history.stdout.strip().splitlines()
    assert lines[0].startswith("1. ondertekend op 1 februari 2025 (vastgelegd ")
    assert "door griffie" in lines[0]
    assert lines[1].startswith("2. PRT geïnformeerd op 3 februari 2025")
    assert len(lines) == 2  # the refused steps left no trace
    listed = run("register", "list", *common)
    row = next(line for line in listed.stdout.splitlines() if line.startswith(uid + " "))
    assert "PRT geïnformeerd" in row
    assert "1 februari 2025" in row


def test_export_writes_a_filterable_sheet_with_dutch_columns_byte_identical(scen, chain_file, tmp_path):
    import openpyxl

    sid = _ids(chain_file, "surplus_swap")[0]
    common = ("-s", str(scen), "-p", str(chain_file))
    assert run("register", "set", sid, "ondertekend", "--datum", "2025-02-01", *common).exit_code == 0
    assert run("register", "set", sid, "ingetrokken", "--datum", "2025-02-10", "--opmerking",
               "partijen zien af", *common).exit_code == 0
    out = tmp_path / "register.xlsx"
    assert run("register", "export", "--out", str(out), *common).exit_code == 0
    book = openpyxl.load_workbook(out)
    ws = book["afspraken"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["afspraak", "soort", "status", "datum afspraak"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref.startswith("A1:")
    assert ws.column_dimensions["A"].width > 10
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == sid)
    assert row[1:5] == ("surplusruil", "ingetrokken", "15 januari 2025", "1 februari 2025")
    assert row[header.index("ingetrokken op")] == "10 februari 2025"
    hist = list(book["historie"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[2]) for r in hist] == [(sid, 1, "ondertekend"), (sid, 2, "ingetrokken")]
    assert hist[1][9] == "partijen zien af"
    again = tmp_path / "again.xlsx"
    assert run("register", "export", "--out", str(again), *common).exit_code == 0
    assert again.read_bytes() == out.read_bytes()
    bad = run("register", "export", "--out", str(tmp_path / "r.csv"), *common)
    assert bad.exit_code == 2


def test_check_judges_the_process_rules_against_the_register_beside_the_scenario(scen, chain_file,
                                                                                 tmp_path):
    uid = _ids(chain_file, "uitruil")[0]

    def u_rules() -> set[str]:
        result = run("check", str(chain_file), "-s", str(scen), "--json")
        assert result.exit_code in (0, 1), result.output
        report = json.loads(result.stdout)
        return {f["rule_id"] for f in report["findings"]
                if f["proposal_id"] == uid and f["rule_id"] in ("U2", "U3", "U4")}

    assert u_rules() == {"U2", "U3"}  # no register yet: a concept, open steps
    common = ("-s", str(scen), "-p", str(chain_file))
    for step, on in (("ondertekend", "2025-02-01"), ("prt-geinformeerd", "2025-02-02"),
                     ("ministerie-geinformeerd", "2025-02-03")):
        assert run("register", "set", uid, step, "--datum", on, *common).exit_code == 0
    assert u_rules() == set()  # met: the register says signed and informed, on time
    told = run("check", str(chain_file), "-s", str(scen))
    assert f"afsprakenregister sqlite:///{(scen / REGISTER_FILE).resolve()}: 1 afspraken" in told.stderr
    # --register names another register (here an empty one): open again
    empty = f"sqlite:///{tmp_path / 'other.sqlite'}"
    result = run("check", str(chain_file), "-s", str(scen), "--json", "--register", empty)
    ids = {f["rule_id"] for f in json.loads(result.stdout)["findings"] if f["proposal_id"] == uid}
    assert {"U2", "U3"} <= ids
