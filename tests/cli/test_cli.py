"""The command line through typer's runner, and once as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from herverdeling import __version__
from herverdeling.cli import app

runner = CliRunner()
SHOW_KEYS = {"province", "opgave_regulier", "opgave_amv", "verdeelbesluit_regulier",
             "verdeelbesluit_amv", "surplus_regulier", "surplus_amv", "restopgave_regulier",
             "restopgave_amv", "small_regulier", "small_amv"}


def command_paths(group: typer.Typer, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [(*prefix, c.name or c.callback.__name__) for c in group.registered_commands]
    for g in group.registered_groups:
        paths += command_paths(g.typer_instance, (*prefix, g.name))
    return paths


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"herverdeling {__version__}"


@pytest.mark.parametrize("path", command_paths(app))
def test_help_on_every_command(path):
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_scenarios_lists_bundled():
    result = runner.invoke(app, ["scenarios"])
    assert result.exit_code == 0
    assert result.output.startswith("nl-2025\t")


def test_show_json_matches_scenario(nl2025):
    result = runner.invoke(app, ["show", "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert [r["province"] for r in rows] == [p.code for p in nl2025.provinces]
    for r in rows:
        assert set(r) >= SHOW_KEYS
        assert r["surplus_regulier"] == nl2025.surplus(r["province"]).regulier
        assert r["restopgave_amv"] == nl2025.restopgave(r["province"]).amv
        assert r["small_amv"] == len(nl2025.small_tasks("amv", r["province"]))
    assert sum(r["restopgave_regulier"] + r["restopgave_amv"] for r in rows) == 6000


def test_show_table_has_totals(nl2025):
    result = runner.invoke(app, ["show"])
    assert result.exit_code == 0
    total_line = next(line for line in result.output.splitlines() if line.startswith("total"))
    assert total_line.split()[1] == str(sum(p.opgave.regulier for p in nl2025.provinces))


def test_unknown_scenario_exit_2():
    result = runner.invoke(app, ["show", "--scenario", "does-not-exist"])
    assert result.exit_code == 2
    assert "unknown scenario 'does-not-exist'" in result.output


def test_real_subprocess(tmp_path):
    """The installed console script, run from elsewhere, without the source tree as cwd."""
    exe = os.path.join(os.path.dirname(sys.executable), "herverdeling")
    cmd = [exe] if os.path.exists(exe) else [sys.executable, "-m", "herverdeling"]
    done = subprocess.run([*cmd, "show", "--json"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == 12
    bad = subprocess.run([*cmd, "show", "--scenario", str(tmp_path)], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 2
    assert "has no scenario.yaml" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_errors_become_exit_codes_in_one_place():
    """Commands let a HerverdelingError rise; only the root group catches it to exit (scenarios catches
    it to list a broken scenario beside the good ones)."""
    import ast
    from pathlib import Path

    import herverdeling.cli

    catchers = []
    for path in sorted(Path(herverdeling.cli.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ExceptHandler) and "HerverdelingError" in ast.unparse(node.type or node):
                catchers.append(path.name)
    assert sorted(catchers) == ["__init__.py", "scenario.py"]


def test_an_error_in_a_subgroup_is_one_line_and_its_exit_code(tmp_path):
    result = runner.invoke(app, ["bench", "pmedcap", str(tmp_path / "missing.txt"), "--no-highs"])
    assert result.exit_code == 2
    assert result.output.startswith(f"error: {tmp_path / 'missing.txt'}: cannot read pmedcap file")
    assert len(result.output.splitlines()) == 1


def test_python_m_herverdeling(tmp_path):
    done = subprocess.run([sys.executable, "-m", "herverdeling", "--version"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False)
    assert (done.returncode, done.stdout.strip()) == (0, f"herverdeling {__version__}")


@pytest.mark.parametrize("args", [["--surplus-model", "flow", "--deals", "default"], ["--policy", "nearest"]])
def test_propose_refuses_an_option_of_the_other_surplus_model(args, tmp_path):
    result = runner.invoke(app, ["propose", "--out", str(tmp_path / "out"), *args])
    assert result.exit_code == 2, result.output
    assert "geldt alleen bij --surplus-model" in result.output
    assert not (tmp_path / "out").exists()
