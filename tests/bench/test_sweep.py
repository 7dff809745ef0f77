"""Sweeps: local pool and Dask agree; a failing cell is reported while the others finish; an
interrupted sweep keeps its rows and a re-run only runs the rest."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from herverdeling.bench.sweep import (
    RESULTS_CSV,
    RESULTS_JSONL,
    Grid,
    NormsOverride,
    apply_norms,
    comparable,
    load_grid,
    run_sweep,
)
from herverdeling.cli import app
from herverdeling.errors import SettingsError
from herverdeling.scenario.synthetic import synthetic_country
from tests.paths import ROOT

# Small synthetic countries keep every cell well under a second.
TINY = Grid(id="tiny", scenarios=("synthetic:40:1", "synthetic:60:2"), policies=("proportional", "nearest"),
            norms=("scenario", NormsOverride(label="amv-20", amv={"min_size": 20})))


def _rows(result):
    return comparable(r.row() for r in result.results)


@pytest.fixture(scope="module")
def local_result(tmp_path_factory):
    return run_sweep(TINY, tmp_path_factory.mktemp("local"), workers=2)


def test_local_sweep_fills_every_cell(local_result):
    assert local_result.complete
    assert len(local_result.results) == 8
    assert [r.key for r in local_result.results] == [c.key for c in TINY.cells()]
    assert all(r.status == "ok" for r in local_result.results)
    assert all(r.metrics.check.pass_rate == 1.0 for r in local_result.results)


def test_local_and_dask_agree(local_result, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        result = run_sweep(TINY, tmp_path, dask=cluster.scheduler_address)
    assert result.complete
    assert _rows(result) == _rows(local_result)


def test_in_process_equals_pool(local_result, tmp_path):
    assert _rows(run_sweep(TINY, tmp_path, workers=1)) == _rows(local_result)


def test_failed_cell_is_reported_and_the_others_finish(tmp_path):
    grid = Grid(id="bad", scenarios=("synthetic:40:1",), policies=("proportional", "no-such-policy"))
    lines: list[str] = []
    result = run_sweep(grid, tmp_path, workers=1, progress=lines.append)
    ok, bad = result.results
    assert ok.status == "ok"
    assert bad.status == "error"
    assert "no-such-policy" in bad.error
    assert any("FAILED" in line and "no-such-policy" in line for line in lines)
    rows = list(csv.DictReader((tmp_path / RESULTS_CSV).open(encoding="utf-8")))
    assert [r["status"] for r in rows] == ["ok", "error"]
    assert rows[1]["relief_achieved"] == ""


def test_interrupted_sweep_keeps_rows_and_rerun_skips_them(local_result, tmp_path):
    first = run_sweep(TINY, tmp_path, workers=1, max_cells=3)
    assert (first.ran, len(first.results), first.complete) == (3, 3, False)
    lines = (tmp_path / RESULTS_JSONL).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    with (tmp_path / RESULTS_JSONL).open("a", encoding="utf-8") as fh:
        fh.write('{"scenario": "torn')  # a line cut short by the interrupt
    second = run_sweep(TINY, tmp_path, workers=2)
    assert (second.skipped, second.ran) == (3, 5)
    assert second.complete
    assert _rows(second) == _rows(local_result)
    rows = list(csv.DictReader((tmp_path / RESULTS_CSV).open(encoding="utf-8")))
    assert len(rows) == 8


def test_keyboard_interrupt_keeps_finished_cells(tmp_path, monkeypatch):
    import herverdeling.bench.sweep as sweep

    real = sweep.run_cell
    calls = {"n": 0}

    def flaky(cell):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(cell)

    monkeypatch.setattr(sweep, "run_cell", flaky)
    result = run_sweep(TINY, tmp_path, workers=1)
    assert result.interrupted
    assert len(result.results) == 2
    assert len((tmp_path / RESULTS_JSONL).read_text(encoding="utf-8").splitlines()) == 2


def test_other_settings_need_another_folder(tmp_path):
    run_sweep(Grid(id="a", scenarios=("synthetic:40:1",), policies=("nearest",)), tmp_path, workers=1)
    with pytest.raises(SettingsError, match="other settings"):
        run_sweep(Grid(id="a", scenarios=("synthetic:40:1",), policies=("nearest",), cross_border=False),
                  tmp_path, workers=1)


def test_norms_overrides():
    s = synthetic_country(40, seed=1)
    new = apply_norms(s, NormsOverride(label="x", amv={"min_size": 20}, regulier={"max_distance_km": 9}))
    assert (new.norms.amv.min_size, new.norms.regulier.max_distance_km) == (20, 9)
    assert new.norms.regulier.min_size == s.norms.regulier.min_size
    assert "sweep override x" in new.norms.amv.sources["min_size"]
    assert apply_norms(s, "scenario") is s
    with pytest.raises(SettingsError):
        apply_norms(s, NormsOverride(label="bad", amv={"min_size": 500}))  # above max_size 100


def test_example_grid_loads():

    grid = load_grid(ROOT / "benchmarks" / "grids" / "example.yaml")
    assert len(grid.cells()) == len(grid.scenarios) * len(grid.policies) * len(grid.norms)


def test_cli_sweep(tmp_path):
    grid = tmp_path / "g.yaml"
    grid.write_text(json.dumps({"id": "cli", "scenarios": ["synthetic:40:1"],
                                "policies": ["nearest", "nope"]}), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["sweep", str(grid), "--workers", "1", "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "1 cells ok, 1 failed" in result.output
    assert "[2/2]" in result.output
    assert (out / RESULTS_CSV).is_file()


# ---- the benchmark suite (its run times are measured in benchmarks/, never asserted here) ---------
def test_fit_exponent_recovers_a_power_law():
    from herverdeling.bench.suite import fit_exponent

    sizes = [50, 500, 5000, 50_000]
    assert fit_exponent(sizes, [3e-4 * n**1.5 for n in sizes]) == pytest.approx(1.5)
    assert fit_exponent(sizes, [0.001, 0.002, 2.0, 20.0]) == pytest.approx(1.0)  # noise floor dropped
    assert fit_exponent([10], [1.0]) is None


def test_suite_writes_report_csv_and_plots(tmp_path):
    from herverdeling.bench.suite import SuiteSpec, run_suite

    spec = SuiteSpec(name="tiny", scenarios=("synthetic:40:1",), policies=("proportional", "nearest"),
                     sizes=(30, 60), full_pipeline_up_to=30)
    res = run_suite(spec, tmp_path, workers=1)
    for name in ("report.md", "results.csv", "scaling.csv", "quality.png", "runtime.png"):
        assert (tmp_path / name).stat().st_size > 0, name
    rows = list(csv.DictReader((tmp_path / "results.csv").open(encoding="utf-8")))
    assert [r["policy"] for r in rows] == ["proportional", "nearest"]
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "pmedcap not run" in report
    assert "| 60 |" in report
    stages = {(r.n, r.stage) for r in res.scaling}
    assert (30, "mergers") in stages
    assert (60, "mergers") not in stages  # above full_pipeline_up_to: surplus, checker, metrics only
    assert (60, "surplus") in stages


def test_cli_bench_suite_says_wrote_report_once(tmp_path, monkeypatch):
    from herverdeling.bench import suite

    tiny = suite.SuiteSpec(name="tiny", scenarios=("synthetic:40:1",), policies=("proportional",),
                           sizes=(30,), full_pipeline_up_to=30)
    monkeypatch.setitem(suite.SUITES, "tiny", tiny)
    out = tmp_path / "bench"
    result = CliRunner().invoke(app, ["bench", "--suite", "tiny", "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert (out / "report.md").is_file()
    wrote = [line for line in result.output.splitlines() if line.startswith("wrote ")]
    assert wrote == [f"wrote {out / 'report.md'}"]


def test_cli_bench_suite_option_and_pmedcap_still_there():
    result = CliRunner().invoke(app, ["bench", "--suite", "nope"])
    assert result.exit_code == 2
    assert "unknown suite" in result.output
    assert CliRunner().invoke(app, ["bench", "pmedcap", "--help"]).exit_code == 0
