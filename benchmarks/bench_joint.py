"""Joint vs staged (issue 14, point 2): what one model for reliefs and mergers gains over the chain.

Per scenario:
- staged: the deal model (preset `default`, as `run_chain` with surplus_model "deals" solves it),
  then the whole chain (mergers, uitruil, checker) on its deals;
- joint: `herverdeling.bench.joint` per category (relief >= the staged floor, then non-viable
  places, mergers, agreements, parties), started from the staged solution; its deals then go through
  the same chain (`run_chain(..., deal_result=...)`), so both columns are measured by the same
  `herverdeling.metrics` code and judged by the same checker.

Each scenario appends one JSON line to benchmarks/reports/joint.jsonl (run scenarios one process
each, so a long suite keeps what it measured); `--table` renders the table from that file.

    nice -n 10 python benchmarks/bench_joint.py --scenario nl-2025 [--det 30]
    python benchmarks/bench_joint.py --table
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

from herverdeling.bench.joint import (
    JointLevel,
    JointSettings,
    LevelResult,
    parties_of,
    solve_joint,
    staged_deals,
)
from herverdeling.checker import build_ledger
from herverdeling.cpsat import worst_status
from herverdeling.errors import InfeasibleError
from herverdeling.mergers import load_merger_settings
from herverdeling.metrics import QualityMetrics, measure_run
from herverdeling.pipeline import run_chain
from herverdeling.proposals import SolveInfo
from herverdeling.run import RunResult, RunSettings
from herverdeling.scenario.io import load_scenario
from herverdeling.scenario.model import Scenario
from herverdeling.surplus.deals import load_deal_settings
from herverdeling.surplus.deals.proposals import pins_of
from herverdeling.surplus.deals.result import DealResult

REPORTS = Path(__file__).resolve().parent / "reports"
JSONL = REPORTS / "joint.jsonl"


def _levels(infos: tuple[SolveInfo, ...] | list[SolveInfo]) -> list[dict[str, Any]]:
    return [{"model": i.model, "scope": i.scope, "status": i.status, "objective": i.objective,
             "bound": i.best_bound, "gap": None if i.gap is None else round(i.gap, 4),
             "seconds": round(i.seconds, 2)} for i in infos]


def _small_after(scenario: Scenario, run: RunResult) -> list[list[Any]]:
    """(code, category, verdeelbesluit, relief, amended, task after) of every task left small
    after the whole chain, from the checker's ledger (what `nonviable_places_after` sums)."""
    rows = build_ledger(scenario, run.proposals).rows
    return [[r.cbs_code, r.category, r.verdeelbesluit, r.relief, r.amended, r.ibt_task] for r in rows
            if 0 < r.ibt_task < scenario.norms.get(r.category).min_size]


def _column(s: Scenario, m: QualityMetrics, deals: DealResult, run: RunResult, seconds: float
            ) -> dict[str, Any]:
    psum, pmax = parties_of(deals)
    merger_infos = [i for i in run.proposals.solve_info if i.model.startswith("mergers/")]
    cross = [p for p in run.proposals.proposals if p.kind == "surplus_swap" and p.id.startswith("surplus-")]
    return {
        "nonviable_after": m.total("nonviable_places_after"),
        "small_tasks_after": m.total("small_tasks_after"),
        "small_after": _small_after(s, run),
        "merger_nonviable": round(sum(i.objective or 0 for i in merger_infos
                                      if i.model == "mergers/nonviable_places")),
        "mergers": m.agreements.mergers, "cross_border_swaps": len(cross),
        "uitruil": m.agreements.uitruil, "relief": deals.relief, "agreements": len(deals.agreements),
        "parties_sum": psum, "parties_max": pmax,
        "fairness": round(sum(c.fairness for c in deals.categories), 1),
        "residues": m.deals.residues, "role_conflicts": m.deals.role_conflicts,
        "pass_rate": m.check.pass_rate,
        "merger_status": worst_status(i.status for i in merger_infos) if merger_infos else "OPTIMAL",
        "deal_levels": _levels(deals.solve_info), "seconds": round(seconds, 1),
    }


JOINT_LEVELS: dict[str, tuple[JointLevel, ...]] = {
    "joint": ("nonviable", "mergers", "agreements", "parties"),
    # the staged chain's agreement count first (it is proven there): what is left without more deals
    "joint-agreements-first": ("agreements", "nonviable", "mergers", "parties"),
}


def measure(name: str, det: float, sides: list[str]) -> dict[str, Any]:
    s = load_scenario(name)
    settings = RunSettings(scenario=s.name, surplus_model="deals")
    st = load_deal_settings(settings.deals)
    pins = pins_of(s)
    load = os.getloadavg()[0]
    row: dict[str, Any] = {"scenario": name, "load_at_start": round(load, 2), "det_per_level": det}
    t = time.perf_counter()
    staged, models = staged_deals(s, st, pins)
    staged_run = run_chain(s, settings, deal_result=staged)
    t_staged = time.perf_counter() - t
    row["staged"] = _column(s, measure_run(s, staged_run), staged, staged_run, t_staged)
    print(f"{name}: staged {t_staged:.1f} s", flush=True)
    if "staged-small-first" in sides:
        t = time.perf_counter()
        try:
            sf, _ = staged_deals(s, load_deal_settings("small-first"), pins)
            sf_settings = settings.model_copy(update={"deals": "small-first"})
            sf_run = run_chain(s, sf_settings, deal_result=sf)
            row["staged-small-first"] = _column(s, measure_run(s, sf_run), sf, sf_run,
                                                time.perf_counter() - t)
        except InfeasibleError as e:  # the preset's own limits: stated, not hidden
            row["staged-small-first-error"] = f"{e} after {time.perf_counter() - t:.1f} s"
        print(f"{name}: staged small-first {time.perf_counter() - t:.1f} s", flush=True)

    msets = load_merger_settings(settings.merger_objective, settings.solver,
                                 cross_border=settings.cross_border)
    floors = {c.category: c.relief_floor for c in staged.categories}
    for side in sides:
        if side not in JOINT_LEVELS:
            continue
        t = time.perf_counter()
        jst = JointSettings(levels=JOINT_LEVELS[side], max_deterministic_time=det)
        joint, cats = solve_joint(s, st, msets, pins, floors, jst, models, staged_run.proposals.proposals,
                                  max_relief={c.category: c.max_relief for c in staged.categories})
        t_model = time.perf_counter() - t
        joint_run = run_chain(s, settings, deal_result=joint)
        t_joint = time.perf_counter() - t
        print(f"{name}: {side} {t_joint:.1f} s (model {t_model:.1f} s)", flush=True)
        row[side] = _column(s, measure_run(s, joint_run), joint, joint_run, t_joint) | {
            "model_seconds": round(t_model, 1),
            "model": {c.category: {"start": c.start, "end": c.figures, "conflicts": c.conflicts,
                                   "levels": [_level(lv) for lv in c.levels]} for c in cats}}
    row["load_at_end"] = round(os.getloadavg()[0], 2)
    return row


def _level(lv: LevelResult) -> dict[str, Any]:
    return {"level": lv.level, "status": lv.status, "objective": lv.objective, "bound": lv.bound,
            "gap": lv.gap, "seconds": round(lv.seconds, 2),
            "deterministic_time": round(lv.deterministic_time, 2)}


def _status(col: dict[str, Any]) -> str:
    """The deal levels that did not prove optimal (level, status, gap), or that all did."""
    levels = col["deal_levels"]
    if not levels:
        return "no swap possible"
    bad = [f"{lv['scope']}/{lv['model'].split('/')[-1]} {lv['status'][:3]}"
           + (f" {lv['gap']:.2f}" if lv["gap"] else "") for lv in levels if lv["status"] != "OPTIMAL"]
    return ", ".join(bad) if bad else "all OPT"


SIDES = ("staged", "staged-small-first", "joint", "joint-agreements-first")


def table(rows: list[dict[str, Any]]) -> str:
    head = ("| scenario | side | non-viable places after chain (tasks) | merger-stage non-viable | "
            "mergers (+cross-border) | relief | agreements | parties sum / max | fairness | uitruil | "
            "levels | pass | s (load) |")
    out = [head, "|" + "---|" * 13]
    for r in rows:
        for side in (x for x in SIDES if x in r):
            c = r[side]
            if "model" in c:
                parts = []
                for cat, mod in c["model"].items():
                    lv = ", ".join(f"{x['level']} {x['status'][:3]}"
                                   + (f" {x['gap']:.2f}" if x["gap"] else "") for x in mod["levels"])
                    parts.append(f"{cat}: {lv}")
                levels = "; ".join(parts)
            else:
                levels = f"deals {_status(c)}, mergers {c['merger_status'][:3]}"
            out.append(f"| {r['scenario']} | {side} | {c['nonviable_after']} ({c['small_tasks_after']}) | "
                       f"{c['merger_nonviable']} | {c['mergers']} (+{c['cross_border_swaps']}) | "
                       f"{c['relief']} | {c['agreements']} | {c['parties_sum']} / {c['parties_max']} | "
                       f"{c['fairness']} | {c['uitruil']} | {levels} | {c['pass_rate']} | "
                       f"{c['seconds']} ({r['load_at_start']}) |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", action="append", default=[])
    ap.add_argument("--det", type=float, default=30.0, help="deterministic time per joint level")
    ap.add_argument("--sides", default="staged,joint",
                    help=f"comma-separated, of {', '.join(SIDES)} (staged always runs: it is the start)")
    ap.add_argument("--table", action="store_true")
    args = ap.parse_args()
    for name in args.scenario:
        row = measure(name, args.det, args.sides.split(","))
        with JSONL.open("a", encoding="utf-8") as f:
            f.write(json.dumps(row, sort_keys=True) + "\n")
    if args.table:
        rows = [json.loads(line) for line in JSONL.read_text(encoding="utf-8").splitlines() if line.strip()]
        print(table(rows))


if __name__ == "__main__":
    main()
