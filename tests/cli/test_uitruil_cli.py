"""`herverdeling uitruil`: table and JSON output, one province, and clear errors."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from herverdeling.cli import app
from herverdeling.scenario.io import write_scenario
from herverdeling.scenario.model import Tasks, UitruilInputs
from herverdeling.uitruil import UitruilResult, propose_uitruil
from tests.factories import municipality, scenario

runner = CliRunner()


def tiny(tmp_path: Path) -> Path:
    def gm(code, province, vb, **u):
        return municipality(code, province, vb=vb).model_copy(update={"uitruil": UitruilInputs(**u)})
    ms = [gm(1, "AA", (20, 2), request=Tasks(regulier=12), statushouders_task=30,
             offers_in_return="statushouders"),
          gm(2, "AA", (300, 20), offer=Tasks(regulier=50), statushouders_task=600),
          gm(3, "BB", (10, 0), request=Tasks(regulier=10), offers_in_return="none")]
    return write_scenario(scenario(ms), tmp_path / "tiny")


def test_json_matches_the_library(tmp_path: Path):
    folder = tiny(tmp_path)
    result = runner.invoke(app, ["uitruil", "--scenario", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    got = UitruilResult.model_validate_json(result.output)
    from herverdeling.scenario.io import load_scenario

    want = propose_uitruil(load_scenario(folder))
    assert got.model_dump(exclude={"solve_info"}) == want.model_dump(exclude={"solve_info"})
    assert got.places_handed_over() == 12
    (p,) = got.proposals
    assert p.id == "uitruil-AA-001"
    assert p.counter_performance[0].amount == 12
    assert [(u.cbs_code, u.reason_code) for u in got.unmatched] == [("GM0003", "no_counter_performance")]


def test_table_and_province_filter(tmp_path: Path):
    folder = tiny(tmp_path)
    result = runner.invoke(app, ["uitruil", "--scenario", str(folder), "--province", "bb"])
    assert result.exit_code == 0, result.output
    assert "0 proposals" in result.output
    assert "Gemeente 3 (GM0003, BB) 10 regulier" in result.output
    result = runner.invoke(app, ["uitruil", "-s", str(folder), "-p", "AA"])
    assert "uitruil-AA-001" in result.output
    assert "neemt 12 statushouders over" in result.output
    assert "OPTIMAL" in result.output


def test_unknown_province_and_settings_are_clear_errors(tmp_path: Path):
    folder = tiny(tmp_path)
    result = runner.invoke(app, ["uitruil", "--scenario", str(folder), "--province", "XX"])
    assert result.exit_code == 2
    assert "unknown province 'XX'" in result.output
    result = runner.invoke(app, ["uitruil", "--scenario", str(folder), "--settings", "nope"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_bundled_scenario_shows_proposals():
    result = runner.invoke(app, ["uitruil", "--province", "NH", "--json"])
    assert result.exit_code == 0, result.output
    got = UitruilResult.model_validate_json(result.output)
    assert got.proposals
    assert all(p.province == "NH" for p in got.proposals)
    assert all(i.status in ("OPTIMAL", "FEASIBLE") for i in got.solve_info)


def test_text_says_it_is_the_stage_alone_json_does_not(tmp_path: Path):
    from herverdeling.cli.uitruil import STANDALONE_NOTE

    folder = tiny(tmp_path)
    text = runner.invoke(app, ["uitruil", "--scenario", str(folder)])
    assert text.exit_code == 0, text.output
    assert text.output.splitlines()[-1] == STANDALONE_NOTE
    assert text.output.count("this stage alone") == 1
    assert "after the surplus swaps and mergers" in STANDALONE_NOTE
    as_json = runner.invoke(app, ["uitruil", "--scenario", str(folder), "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert "this stage alone" not in as_json.output
    UitruilResult.model_validate_json(as_json.output)  # nothing but the JSON
