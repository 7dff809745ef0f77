"""Issue 18, points 8 and 11: where output may go, what --force may replace, what a killed run leaves.

Refusals come before any solving (exit 2, in well under a second); a temporary `.NAME.XXXX`
folder of a run that was killed is removed by the next run, only when it is provably ours.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from herverdeling.cli import app
from herverdeling.scenario.io import TEMP_MARKER, atomic_folder, remove_stale_temporaries

runner = CliRunner()


@pytest.mark.parametrize("out", [".", "..", "sub/.."])
def test_propose_into_the_current_folder_or_a_parent_is_refused_before_solving(
        tmp_path: Path, monkeypatch, out: str):
    work = tmp_path / "work"
    (work / "sub").mkdir(parents=True)
    (work / "keep.txt").write_text("mine")
    monkeypatch.chdir(work)
    start = time.perf_counter()
    result = runner.invoke(app, ["propose", "--out", out, "--force"])
    assert time.perf_counter() - start < 5  # loads the scenario, never solves
    assert result.exit_code == 2, result.output
    assert "current folder or a parent" in result.output
    assert "[1/3]" not in result.output  # refused before the first stage
    assert (work / "keep.txt").read_text() == "mine"


def test_force_replaces_neither_an_unrelated_folder_nor_a_scenario_with_the_wrong_marker(
        tmp_path: Path):
    target = tmp_path / "photos"
    target.mkdir()
    (target / "holiday.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(Exception, match="no earlier output"), atomic_folder(target, force=True):
        pytest.fail("the block must not run")
    assert (target / "holiday.jpg").exists()
    # an empty folder may be filled
    empty = tmp_path / "empty"
    empty.mkdir()
    with atomic_folder(empty, force=True) as tmp:
        (tmp / "manifest.json").write_text("{}")
    assert [p.name for p in empty.iterdir()] == ["manifest.json"]


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_temporaries_of_a_killed_run_are_removed_only_when_ours(tmp_path: Path):
    target = tmp_path / "out"
    dead = tmp_path / ".out.dead1234"
    (dead / f"{TEMP_MARKER}{_dead_pid()}").mkdir(parents=True)
    (dead / "summary.md").write_text("half")
    alive = tmp_path / ".out.alive123"
    (alive / f"{TEMP_MARKER}{os.getppid()}").mkdir(parents=True)  # a run that still goes on
    foreign = tmp_path / ".out.foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("not ours")
    assert remove_stale_temporaries(target) == [dead]
    assert not dead.exists()
    assert alive.exists()
    assert foreign.exists()
    # the next run does it by itself, and leaves no marker in the output
    (dead / f"{TEMP_MARKER}{_dead_pid()}").mkdir(parents=True)
    with atomic_folder(target) as tmp:
        (tmp / "manifest.json").write_text("{}")
    assert not dead.exists()
    assert [p.name for p in target.iterdir()] == ["manifest.json"]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_remove_the_temporary_folder(tmp_path: Path, signum: int):
    proc = subprocess.Popen([sys.executable, "-m", "herverdeling", "propose", "--out", "out"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".out.*")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert "Traceback" not in err, err[-2000:]
    assert list(tmp_path.iterdir()) == [], list(tmp_path.iterdir())
