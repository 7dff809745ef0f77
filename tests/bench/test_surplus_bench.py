"""Smoke test of the surplus benchmark harness at a tiny size (no timing is asserted)."""

from __future__ import annotations

import importlib.util
import sys

from tests.paths import ROOT

BENCH = ROOT / "benchmarks" / "bench_surplus.py"


def test_harness_runs_and_writes_a_report(tmp_path):
    spec = importlib.util.spec_from_file_location("bench_surplus", BENCH)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    try:
        spec.loader.exec_module(mod)
    finally:
        del sys.modules[spec.name]
    out = tmp_path / "surplus.md"
    assert mod.main(["--sizes", "60,120", "--policies", "nearest", "--repeats", "1", "--no-nl",
                     "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "| synthetic-60 | 60 | nearest |" in text
    assert "| synthetic-120 | 120 | nearest |" in text
    assert "nearest: b = " in text
