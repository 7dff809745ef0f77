"""End-to-end `propose` on nl-2025: wall and CPU time per stage (target: under 60 s on 2 cores).

Run: .venv/bin/python benchmarks/bench_propose.py [--repeat N]; writes benchmarks/reports/propose.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from herverdeling.pipeline import propose

TARGET_S = 60.0
REPORT = Path(__file__).parent / "reports" / "propose.md"


def run_once(scenario: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        wall, cpu = time.perf_counter(), time.process_time()
        out = propose(scenario, Path(tmp) / "out")
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        docs = len(list((out / "agreements").glob("*.docx")))
    return {"wall": wall, "cpu": cpu, "agreements": docs, **manifest["timings_s"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="nl-2025")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    runs = [run_once(args.scenario) for _ in range(args.repeat)]
    keys = list(runs[0])
    med = {k: statistics.median(r[k] for r in runs) for k in keys}
    load = os.getloadavg()[0]
    lines = [
        f"# propose on {args.scenario}",
        "",
        f"Median of {args.repeat} runs on {os.cpu_count()} cores (load average at the end "
        f"{load:.1f}). Target: under {TARGET_S:.0f} s wall.",
        "",
        "| measure | median |",
        "|---|---|",
        *[f"| {k} | {med[k]:.2f} |" if k != "agreements" else f"| {k} | {int(med[k])} |"
          for k in keys],
        "",
        f"Verdict: {'within' if med['wall'] < TARGET_S else 'OVER'} the target "
        f"({med['wall']:.1f} s / {TARGET_S:.0f} s = {med['wall'] / TARGET_S:.2f}).",
    ]
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
