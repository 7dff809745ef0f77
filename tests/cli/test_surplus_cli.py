"""`herverdeling swaps`: table, JSON, --out, and a clear error for a bad policy."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from herverdeling.cli import app
from herverdeling.surplus import propose_surplus_swaps
from herverdeling.surplus.result import SurplusResult

runner = CliRunner()


def test_table_lists_each_swap_and_relieved_municipality(nl2025):
    res = runner.invoke(app, ["swaps", "--policy", "nearest"])
    assert res.exit_code == 0, res.output
    expected = propose_surplus_swaps(nl2025, "nearest")
    for p in expected.proposals:
        line = next(x for x in res.output.splitlines() if x.startswith(f"{p.source_province} -> "
                                                                        f"{p.sink_province} "))
        assert line.split()[3:5] == [str(p.places("regulier")), str(p.places("amv"))]
    first = expected.proposals[0]
    code = sorted({t.from_code for t in first.transfers})[0]
    assert f"{code} {nl2025.municipality(code).name}" in res.output
    assert "policy nearest" in res.output


def test_json_and_out_file(tmp_path, nl2025):
    res = runner.invoke(app, ["swaps", "--json"])
    assert res.exit_code == 0, res.output
    parsed = SurplusResult.model_validate_json(res.output)
    assert parsed.policy == "proportional"
    assert parsed.proposals == propose_surplus_swaps(nl2025).proposals
    out = tmp_path / "swaps.json"
    res = runner.invoke(app, ["swaps", "--json", "--policy", "small-first", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert json.loads(out.read_text(encoding="utf-8"))["policy"] == "small-first"


def test_bad_policy_exits_2_with_one_line():
    res = runner.invoke(app, ["swaps", "--policy", "cheapest"])
    assert res.exit_code == 2
    assert "unknown policy 'cheapest'" in res.output
