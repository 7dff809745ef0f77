"""`herverdeling frontier` and `propose --frontier-point K` (issue 14, point 4) on a small
synthetic country: the three files with the issue's columns, byte-identical on a second run, every
point a checked proposal set, and point K drafted by propose with point K's figures."""

from __future__ import annotations

import csv
import json
import os

import pytest
from typer.testing import CliRunner

from herverdeling import pipeline
from herverdeling.cli import app
from herverdeling.scenario.io import write_scenario
from herverdeling.scenario.synthetic import synthetic_country
from herverdeling.surplus.deals import cache
from herverdeling.surplus.deals.frontier import load_frontier_settings

runner = CliRunner()
REQUIRED = ("point", "relief", "agreements", "parties", "max_parties", "fairness", "place_km")


@pytest.fixture(scope="module")
def country(tmp_path_factory):
    """A 100-municipality synthetic country on disk and frontier settings with three floors."""
    root = tmp_path_factory.mktemp("frontier")
    write_scenario(synthetic_country(100, seed=0), root / "syn")
    settings = root / "small.yaml"
    settings.write_text("id: small\ndeals: default\nshares: [1.0, 0.6]\n"
                        "parties_first: [0.6]\nplace_km_deterministic_time: 1.0\n",
                        encoding="utf-8")
    return root, root / "syn", settings


@pytest.fixture(scope="module")
def written(country):
    root, scen, settings = country
    outs = []
    kept = os.environ[cache.ENV]
    try:
        for name in ("a", "b"):
            # the second run solves again: the same bytes from a new solve (an empty process cache
            # and a disk cache of its own)
            pipeline._FRONTIERS.clear()
            os.environ[cache.ENV] = str(root / f"cache-{name}")
            res = runner.invoke(app, ["frontier", "-s", str(scen), "--settings", str(settings),
                                      "--out", str(root / name)])
            assert res.exit_code == 0, res.output
            outs.append(root / name)
    finally:
        os.environ[cache.ENV] = kept
    return outs


def test_frontier_writes_the_three_files_with_the_columns(written):
    out = written[0]
    rows = list(csv.DictReader((out / "frontier.csv").open(encoding="utf-8")))
    assert rows
    assert set(REQUIRED) <= set(rows[0])
    doc = json.loads((out / "frontier.json").read_text(encoding="utf-8"))
    assert [p["point"] for p in doc["points"]] == [int(r["point"]) for r in rows]
    for p, r in zip(doc["points"], rows, strict=True):
        assert all(str(p[c]) == r[c] for c in REQUIRED)
        assert p["levels"]
        assert all({"status", "bound", "gap"} <= set(lv) for lv in p["levels"])
        assert p["failed"] == 0  # a complete proposal set that passes the checker
        assert p["passed"] == p["proposals"] > 0
        assert p["max_parties"] <= 25
    assert (out / "frontier.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert doc["points"][0]["relief"] == max(p["relief"] for p in doc["points"])
    fewest = min(doc["points"], key=lambda p: p["parties"])
    assert doc["fewest_parties_point"] == fewest["point"]


def test_frontier_files_are_byte_identical_across_runs(written):
    a, b = written
    for name in ("frontier.csv", "frontier.json", "frontier.png"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_propose_frontier_point_drafts_that_point(country, written):
    root, scen, settings = country
    rows = list(csv.DictReader((written[0] / "frontier.csv").open(encoding="utf-8")))
    k = len(rows)  # the fewest-relief end
    res = runner.invoke(app, ["propose", "-s", str(scen), "--frontier-point", str(k), "--frontier",
                              str(settings), "--out", str(root / "p")])
    assert res.exit_code == 0, res.output
    swaps = [p for p in json.loads((root / "p" / "proposals.json").read_text(encoding="utf-8"))["proposals"]
             if p["kind"] == "surplus_swap"]
    relieved = sum(t["places"] for p in swaps for t in p["transfers"])
    assert relieved == int(rows[k - 1]["relief"])
    assert len(swaps) == int(rows[k - 1]["agreements"])
    assert sum(len(p["parties"]) for p in swaps) == int(rows[k - 1]["parties"])
    manifest = json.loads((root / "p" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["settings"]["frontier_point"] == k
    assert manifest["settings"]["deals"] == load_frontier_settings(settings).deals


@pytest.mark.parametrize("k", ["0", "99"])
def test_a_bad_point_is_one_line_and_exit_2(country, written, k):
    root, scen, settings = country
    res = runner.invoke(app, ["propose", "-s", str(scen), "--frontier-point", k, "--frontier",
                              str(settings), "--out", str(root / f"bad{k}")])
    assert res.exit_code == 2, res.output
    assert res.output.strip().splitlines()[-1].startswith("error: frontier point")
    assert not (root / f"bad{k}").exists()


def test_propose_frontier_point_after_frontier_solves_nothing_again(country, written, monkeypatch):
    """`frontier` leaves its points in the disk cache: `propose --frontier-point K` in a new
    process (an empty process cache) drafts point K without solving the frontier again (a
    new-user check measured 611 s of the same solves twice on nl-2025)."""
    root, scen, settings = country
    monkeypatch.setenv(cache.ENV, str(root / "cache-b"))  # the second frontier run's cache
    monkeypatch.setattr(pipeline, "_FRONTIERS", type(pipeline._FRONTIERS)())

    def no_solve(*_a: object, **_k: object) -> None:
        raise AssertionError("the frontier solved again")

    monkeypatch.setattr("herverdeling.surplus.deals.frontier.deal_frontier", no_solve)
    rows = list(csv.DictReader((written[1] / "frontier.csv").open(encoding="utf-8")))
    res = runner.invoke(app, ["propose", "-s", str(scen), "--frontier-point", "1", "--frontier",
                              str(settings), "--out", str(root / "p-cached")])
    assert res.exit_code == 0, res.output
    swaps = [p for p in json.loads((root / "p-cached" / "proposals.json").read_text(encoding="utf-8"))
             ["proposals"] if p["kind"] == "surplus_swap"]
    assert sum(t["places"] for p in swaps for t in p["transfers"]) == int(rows[0]["relief"])
    # and an edited frontier preset is another key: it would solve (here: the patched solve)
    edited = root / "edited.yaml"
    edited.write_text(settings.read_text(encoding="utf-8").replace("[1.0, 0.6]", "[1.0, 0.7]"),
                      encoding="utf-8")
    res = runner.invoke(app, ["propose", "-s", str(scen), "--frontier-point", "1", "--frontier",
                              str(edited), "--out", str(root / "p-edited")])
    assert res.exit_code != 0
    assert not (root / "p-edited").exists()
