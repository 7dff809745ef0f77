"""`herverdeling check` and `herverdeling ledger`: exit codes 0/1/2, one-line reasons, CSV output."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from herverdeling.checker import CheckReport, read_proposals, write_proposals
from herverdeling.cli import app
from herverdeling.errors import ProposalInputError
from herverdeling.scenario.io import load_scenario, write_scenario
from tests.strategies import base_case

runner = CliRunner()


@pytest.fixture(scope="module")
def scenario_dir(tmp_path_factory) -> Path:
    s, _ = base_case()
    folder = write_scenario(s, tmp_path_factory.mktemp("scen") / "base")
    assert load_scenario(folder).content_hash() == s.content_hash()  # the file binds to the same data
    return folder


@pytest.fixture
def valid_file(tmp_path) -> Path:
    _, ps = base_case()
    return write_proposals(ps, tmp_path / "proposals.json")


@pytest.fixture
def invalid_file(tmp_path) -> Path:
    _, ps = base_case()
    u = ps.proposals[2]
    bad = u.model_copy(update={"transfers": (u.transfers[0].model_copy(update={"places": 21}),)})
    ps = ps.model_copy(update={"proposals": (*ps.proposals[:2], bad)})
    return write_proposals(ps, tmp_path / "bad.json")


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def assert_input_error(result, fragment: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert fragment in lines[0]


def test_valid_set_exits_0(valid_file, scenario_dir):
    result = run("check", valid_file, "--scenario", scenario_dir)
    assert result.exit_code == 0, result.output
    assert "3 passed, 0 failed; 0 error(s)" in result.output


def test_invalid_set_exits_1_and_names_the_rule(invalid_file, scenario_dir):
    result = run("check", invalid_file, "--scenario", scenario_dir)
    assert result.exit_code == 1, result.output
    assert "G3" in result.output
    assert "Gemeente 302 (GM0302)" in result.output
    assert "No agreement may be written for: U-1." in result.output


def test_json_output_is_a_check_report(invalid_file, scenario_dir):
    result = run("check", invalid_file, "--scenario", scenario_dir, "--json")
    assert result.exit_code == 1
    report = CheckReport.model_validate_json(result.output)
    assert report.failed_ids() == ("U-1",)
    assert report.passed("P-1")


def test_dutch_messages(invalid_file, scenario_dir):
    result = run("check", invalid_file, "--scenario", scenario_dir, "--lang", "nl")
    assert "draagt in alle voorstellen samen 21" in result.output


def test_truncated_json_exits_2(valid_file, scenario_dir, tmp_path):
    cut = tmp_path / "cut.json"
    cut.write_text(valid_file.read_text()[:500], encoding="utf-8")
    assert_input_error(run("check", cut, "--scenario", scenario_dir), "truncated")


def test_wrong_types_exit_2_naming_the_field(valid_file, scenario_dir, tmp_path):
    data = json.loads(valid_file.read_text())
    data["proposals"][1]["transfers"][0]["places"] = "twaalf"
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(data), encoding="utf-8")
    assert_input_error(run("check", wrong, "--scenario", scenario_dir), "proposals[1].transfers[0].places")


@pytest.mark.parametrize(("content", "fragment"), [
    ("", "empty"),
    ("[1, 2]", "JSON object"),
    ('{"scenario": "base"}', "scenario_hash"),
    ('{"scenario": "base", "scenario_hash": "x", "as_of": "2025-01-15", "proposals": '
     '[{"kind": "swap", "id": "x", "transfers": []}]}', "proposals[0]"),
])
def test_other_unreadable_inputs_exit_2(tmp_path, scenario_dir, content, fragment):
    path = tmp_path / "in.json"
    path.write_text(content, encoding="utf-8")
    assert_input_error(run("check", path, "--scenario", scenario_dir), fragment)


def test_missing_file_exits_2(tmp_path, scenario_dir):
    assert_input_error(run("check", tmp_path / "nope.json", "--scenario", scenario_dir), "not found")


def test_other_scenario_exits_2(valid_file):
    assert_input_error(run("check", valid_file, "--scenario", "nl-2025"), "made for scenario 'base'")


def test_same_name_other_data_exits_2(tmp_path, scenario_dir):
    _, ps = base_case()
    stale = write_proposals(ps.model_copy(update={"scenario_hash": "f" * 64}), tmp_path / "stale.json")
    assert_input_error(run("check", stale, "--scenario", scenario_dir), "other data")


def test_scenario_defaults_to_the_one_the_file_names(valid_file):
    # 'base' is not a bundled scenario: a clear exit 2, not a traceback.
    assert_input_error(run("check", valid_file), "unknown scenario 'base'")


def test_read_proposals_round_trip(valid_file):
    _, ps = base_case()
    assert read_proposals(valid_file) == ps
    with pytest.raises(ProposalInputError):
        read_proposals(valid_file.parent)


def test_ledger_writes_csv_and_books_only_passed_proposals(invalid_file, scenario_dir, tmp_path):
    out = tmp_path / "ledger.csv"
    result = run("ledger", "--scenario", scenario_dir, "--proposals", invalid_file, "--out", out)
    assert result.exit_code == 0, result.output
    assert "not booked" in result.output
    assert "U-1" in result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 9 * 2
    by_key = {(r["cbs_code"], r["category"]): r for r in rows}
    assert by_key[("GM0204", "regulier")]["ibt_task"] == "92"  # M-1 booked
    assert by_key[("GM0302", "regulier")]["ibt_task"] == "20"  # U-1 not booked
    assert "Gemeente 201 (GM0201)" in result.output


def test_ledger_text_lists_booked_ids_one_kind_a_line_and_json_keeps_the_list(valid_file, scenario_dir):
    text = run("ledger", "--scenario", scenario_dir, "--proposals", valid_file)
    assert text.exit_code == 0, text.output
    head = text.output.split("\n\n")[0].splitlines()
    assert head[0] == "IBT ledger, scenario base; 3 proposal(s) booked:"
    assert [line.split()[-1] for line in head[1:]] == ["P-1", "M-1", "U-1"]
    as_json = run("ledger", "--scenario", scenario_dir, "--proposals", valid_file, "--json")
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.output)["applied"] == ["P-1", "M-1", "U-1"]


def test_ledger_without_proposals_is_the_verdeelbesluit(nl2025):
    result = run("ledger", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert len(data["rows"]) == 2 * len(nl2025.municipalities)
    assert all(r["ibt_task"] == r["verdeelbesluit"] for r in data["rows"])


def test_real_subprocess(invalid_file, scenario_dir):
    exe = Path(sys.executable).with_name("herverdeling")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "herverdeling"]
    done = subprocess.run([*cmd, "check", str(invalid_file), "--scenario", str(scenario_dir)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1, done.stderr
    assert "G3" in done.stdout
    cut = invalid_file.with_name("cut.json")
    cut.write_text(invalid_file.read_text()[:100], encoding="utf-8")
    done = subprocess.run([*cmd, "check", str(cut), "--scenario", str(scenario_dir)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: ")
