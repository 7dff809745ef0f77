"""The benchmark suite (issue 8): quality per scenario and policy, run time against size, pmedcap.

    .venv/bin/python benchmarks/bench_suite.py [--suite standard] [--out benchmarks/reports/suite]

Same as `herverdeling bench --suite NAME --out DIR`; writes report.md, results.csv, scaling.csv,
quality.png and runtime.png (see herverdeling.bench.suite for what each holds).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from herverdeling.bench.suite import SUITES, run_suite


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="standard", choices=sorted(SUITES))
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "reports" / "suite")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    run_suite(args.suite, args.out, workers=args.workers, progress=lambda line: print(line, flush=True))


if __name__ == "__main__":
    main()
