"""Surplus swaps (issue 3, point 8): build + solve time for nl-2025 and synthetic countries.

    .venv/bin/python benchmarks/bench_surplus.py [--sizes 1000,10000,100000] [--policies proportional]
                                                 [--repeats 3] [--out benchmarks/reports/surplus.md]

Per instance and policy, for both categories together: build (scenario -> network arrays) and
solve (OR-Tools min-cost flow), as the best of `repeats` runs, in wall and CPU seconds; plus the
end-to-end time of `propose_surplus_swaps` (also reading the flow back into SurplusSwap proposals
and hashing the scenario). The growth exponent b of time ~ a * n^b is fitted by least squares on
log-log over the synthetic sizes. Goal: 100,000 municipalities in under 5 s on 2 cores.
Synthetic countries use `synthetic_country(n, seed=0)`; generating them is not timed.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import networkx
import ortools

from herverdeling.scenario.io import load_scenario
from herverdeling.scenario.model import CATEGORIES, Scenario
from herverdeling.scenario.synthetic import synthetic_country
from herverdeling.surplus import load_policy, propose_surplus_swaps, solve_network
from herverdeling.surplus.network import build_network, province_roles

GOAL_SECONDS = 5.0
GOAL_SIZE = 100_000
DEFAULT_OUT = Path(__file__).parent / "reports" / "surplus.md"


@dataclass
class Row:
    instance: str
    municipalities: int
    policy: str
    nodes: int
    arcs: int
    transport: str
    build_s: float
    solve_s: float
    build_solve_s: float
    build_solve_cpu_s: float
    end_to_end_s: float
    relief: str
    status: str


def _timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def measure(name: str, scenario: Scenario, policy_name: str, repeats: int) -> Row:
    policy = load_policy(policy_name)
    best: tuple[float, float, float, float] | None = None
    for _ in range(repeats):
        build = solve = cpu = 0.0
        roles, w, c = _timed(lambda: province_roles(scenario))
        build += w
        cpu += c
        nodes = arcs = 0
        statuses, transport = [], set()
        for cat in CATEGORIES:
            net, w, c = _timed(lambda cat=cat, roles=roles: build_network(scenario, cat, policy, roles))
            build += w
            cpu += c
            sol, w, c = _timed(lambda net=net: solve_network(net))
            solve += w
            cpu += c
            nodes += len(net.problem.nodes)
            arcs += net.problem.n_arcs
            statuses.append(sol.status if sol else "OPTIMAL")
            transport.add(net.transport)
        if best is None or build + solve < best[0] + best[1]:
            best = (build, solve, cpu, 0.0)
    result, e2e, _ = _timed(lambda: propose_surplus_swaps(scenario, policy))
    relief = ", ".join(f"{s.category} {s.relief}/{s.total_surplus}" for s in result.summaries)
    assert best is not None
    return Row(instance=name, municipalities=len(scenario.municipalities), policy=policy_name, nodes=nodes,
               arcs=arcs, transport="/".join(sorted(transport)), build_s=best[0], solve_s=best[1],
               build_solve_s=best[0] + best[1], build_solve_cpu_s=best[2], end_to_end_s=e2e, relief=relief,
               status="/".join(sorted(set(statuses))))


def growth_exponent(rows: list[Row]) -> float | None:
    """Least-squares slope of log(time) on log(n) over the synthetic rows."""
    pts = [(math.log(r.municipalities), math.log(r.build_solve_s)) for r in rows
           if r.instance.startswith("synthetic") and r.build_solve_s > 0]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sxx if sxx else None


def render(rows: list[Row], exponents: dict[str, float | None], started: str, load: tuple[str, str]) -> str:
    head = ("| instance | municipalities | policy | nodes | arcs | transport | build s | solve s | "
            "build+solve s | build+solve CPU s | end-to-end s | relief/surplus | status |")
    lines = [
        "# Surplus swaps: build + solve benchmark",
        "",
        "Written by `.venv/bin/python benchmarks/bench_surplus.py` (issue 3, point 8). Times are the best "
        "of the repeats, both categories together; `end-to-end` is one run of `propose_surplus_swaps` "
        "(including reading the flow back into proposals and hashing the scenario).",
        "",
        f"- run: {started}; Python {platform.python_version()}, OR-Tools {ortools.__version__}, "
        f"networkx {networkx.__version__}; {os.cpu_count()} CPUs; {platform.machine()}",
        f"- load average (1 min) at start / end: {load[0]} / {load[1]} (other jobs share this machine; "
        "CPU seconds are less sensitive to that than wall seconds)",
        f"- goal: {GOAL_SIZE:,} municipalities in under {GOAL_SECONDS:g} s (build + solve, wall)",
        "",
        head,
        "|" + "|".join("---" for _ in range(13)) + "|",
    ]
    for r in rows:
        lines.append(f"| {r.instance} | {r.municipalities:,} | {r.policy} | {r.nodes:,} | {r.arcs:,} | "
                     f"{r.transport} | {r.build_s:.3f} | {r.solve_s:.3f} | {r.build_solve_s:.3f} | "
                     f"{r.build_solve_cpu_s:.3f} | {r.end_to_end_s:.3f} | {r.relief} | {r.status} |")
    lines += ["", "Growth of build + solve time with the number of municipalities (synthetic, fitted "
              "t ~ n^b on log-log):", ""]
    for policy, b in exponents.items():
        lines.append(f"- {policy}: b = {b:.2f}" if b is not None else f"- {policy}: not enough sizes")
    goal_rows = [r for r in rows if r.municipalities == GOAL_SIZE]
    if goal_rows:
        lines += ["", "Goal check at 100,000 municipalities:", ""]
        for r in goal_rows:
            verdict = "met" if r.build_solve_s < GOAL_SECONDS else "NOT met"
            lines.append(f"- {r.policy}: {r.build_solve_s:.2f} s wall ({r.build_solve_cpu_s:.2f} s CPU): "
                         f"goal {verdict}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,100000", help="synthetic sizes, comma-separated")
    ap.add_argument("--policies", default="proportional,nearest,small-first")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-nl", action="store_true", help="skip nl-2025")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",") if x]
    policies = [p for p in args.policies.split(",") if p]
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load_start = f"{os.getloadavg()[0]:.2f}"
    instances: list[tuple[str, Scenario]] = [] if args.no_nl else [("nl-2025", load_scenario("nl-2025"))]
    instances += [(f"synthetic-{n}", synthetic_country(n, seed=0)) for n in sizes]
    propose_surplus_swaps(synthetic_country(50, seed=0))  # warm up imports and OR-Tools
    rows = []
    for name, scenario in instances:
        for policy in policies:
            row = measure(name, scenario, policy, args.repeats)
            rows.append(row)
            print(f"{name:>17} {policy:>12}: build {row.build_s:6.3f} s  solve {row.solve_s:6.3f} s  "
                  f"build+solve {row.build_solve_s:6.3f} s (CPU {row.build_solve_cpu_s:6.3f} s)  "
                  f"end-to-end {row.end_to_end_s:6.3f} s  arcs {row.arcs:,}", flush=True)
    exponents = {p: growth_exponent([r for r in rows if r.policy == p]) for p in policies}
    for p, b in exponents.items():
        print(f"growth exponent ({p}): " + (f"{b:.2f}" if b is not None else "n/a"))
    text = render(rows, exponents, started, (load_start, f"{os.getloadavg()[0]:.2f}"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
