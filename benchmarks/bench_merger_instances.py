"""Benchmark: the real merger instances (issue 19, point 3), the merger core against plain HiGHS.

For every merger scope and category of a scenario (nl-2025, or a synthetic country
`synthetic:N[:SEED[:PROVINCES]]`), the instance the product builds (`mergers.model.build_instances`, the
standalone `herverdeling mergers` stage: no surplus-swap commitments) is
(a) solved by the merger core as the product runs it (`mergers.model.solve_instance`, the
    default settings: models/objectives/mergers.yaml, models/solver/cpsat-deterministic.yaml), and
(b) exported as a `FacilityInstance` (`bench.pmedian.facility.from_merger`) and solved by HiGHS
    on a plain MIP of it (`solve_highs_facility`, the same levels in turn, `--time-limit` per level),
in the same run. Each solution is re-costed by the other side's evaluator (`check`: the export's
evaluate on the core's solution, the product's evaluate on HiGHS's), so a difference between the
two models would show. Not part of pytest.

Usage: PYTHONPATH=src .venv/bin/python benchmarks/bench_merger_instances.py
       [--scenarios nl-2025,synthetic:342:0] [--cross-border] [--time-limit 60]
       [--export DIR] [--out FILE] [--linearization 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from herverdeling.bench.pmedian.facility import (
    FacilityResult,
    from_merger,
    lex_worse_on_both,
    solve_highs_facility,
    write_facility,
)
from herverdeling.commitments import Commitments
from herverdeling.errors import InfeasibleError
from herverdeling.mergers import load_merger_settings
from herverdeling.mergers.model import build_instances, evaluate, solve_instance
from herverdeling.scenario.io import load_scenario
from herverdeling.scenario.model import CATEGORIES, Scenario
from herverdeling.scenario.synthetic import synthetic_country

TERMS = ("nonviable_places", "locations", "place_km")


def scenario_of(spec: str) -> Scenario:
    if spec.startswith("synthetic:"):
        parts = spec.split(":")  # synthetic:N[:SEED[:PROVINCES]]; few provinces: larger scopes
        return synthetic_country(int(parts[1]), seed=int(parts[2]) if len(parts) > 2 else 0,
                                 n_provinces=int(parts[3]) if len(parts) > 3 else None)
    return load_scenario(spec)


def run(spec: str, *, cross_border: bool, time_limit: float | None, export: Path | None,
        linearization: int | None = None) -> tuple[str, list[dict[str, Any]]]:
    s = scenario_of(spec)
    settings = load_merger_settings(cross_border=cross_border)
    if linearization is not None:  # an experiment, not the product's setting
        solver = settings.solver.model_copy(update={"linearization_level": linearization})
        settings = settings.model_copy(update={"solver": solver})
    levels = [lv.terms for lv in settings.objective.levels]
    limit = time_limit or settings.solver.max_time_in_seconds or 60.0
    every = tuple(p.code for p in s.provinces)
    rows: list[dict[str, Any]] = []
    for category in CATEGORIES:
        for inst in build_instances(s, category, settings, provinces=every, commitments=Commitments()):
            fi = from_merger(inst, levels, require_viable=settings.require_viable)
            if export is not None:
                export.mkdir(parents=True, exist_ok=True)
                write_facility(fi, export / f"{s.name}-{fi.name}.json")
            print(f"[{s.name}] {inst.scope}: {fi.n} clients, {fi.m} sites, {len(fi.pairs())} pairs, "
                  f"load {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
            t = time.perf_counter()
            try:
                assign, outs = solve_instance(inst, settings)
            except InfeasibleError as exc:
                print(f"  core: {exc}", file=sys.stderr)
                assign, outs = {}, []
            core = FacilityResult("core", [lv.outcome.status for lv in outs],
                                  [lv.outcome.objective for lv in outs],
                                  [lv.outcome.best_bound for lv in outs],
                                  time.perf_counter() - t, dict(assign), levels=len(levels))
            highs = solve_highs_facility(fi, limit)
            check = "ok"
            if assign and list(fi.evaluate(assign)) != core.objectives:
                check = "MISMATCH core"
            if highs.assignment:
                theirs = evaluate(inst, highs.assignment)
                if [float(theirs[t_]) for t_ in TERMS[:len(highs.objectives)]] != highs.objectives:
                    check = "MISMATCH highs"
            rows.append({"scope": inst.scope, "n": fi.n, "m": fi.m, "pairs": len(fi.pairs()),
                         "places": int(fi.demand.sum()), "groups": len(fi.group_caps),
                         "core": core, "highs": highs, "check": check,
                         "worse": lex_worse_on_both(core, highs), "load": os.getloadavg()[0]})
            print("  " + _line(rows[-1]), file=sys.stderr, flush=True)
    return s.name, rows


def _vec(values: list[float | None]) -> str:
    return " / ".join("-" if v is None else f"{v:g}" for v in values)


def _line(r: dict[str, Any]) -> str:
    c: FacilityResult = r["core"]
    h: FacilityResult = r["highs"]
    gap = "-" if c.gap is None else f"{100 * c.gap:.3f} %"
    ratio = f"{c.seconds / h.seconds:.2f}" if h.seconds > 0 else "-"
    return (f"| {r['scope']} | {r['n']} | {r['m']} | {r['pairs']} | {r['places']} | {c.status} | "
            f"{_vec(c.objectives)} | {_vec(c.bounds)} | {gap} | {c.seconds:.2f} | {h.status} | "
            f"{_vec(h.objectives)} | {_vec(h.bounds)} | {h.seconds:.2f} | {ratio} | "
            f"{'YES' if r['worse'] else 'no'} | {r['check']} | {r['load']:.1f} |")


def _summary(rows: list[dict[str, Any]]) -> str:
    gaps = [r["core"].gap for r in rows if r["core"].gap is not None]
    ratios = [r["core"].seconds / r["highs"].seconds for r in rows if r["highs"].seconds > 0]
    same = sum(r["core"].objectives == r["highs"].objectives for r in rows)
    return (f"**Summary:** {len(rows)} instances; proven by the core "
            f"{sum(r['core'].status == 'OPTIMAL' for r in rows)}/{len(rows)} (HiGHS: "
            f"{sum(r['highs'].status == 'OPTIMAL' for r in rows)}/{len(rows)}); same objective "
            f"vector {same}/{len(rows)}; gap median "
            f"{100 * statistics.median(gaps) if gaps else 0:.3f} %, worst "
            f"{100 * max(gaps) if gaps else 0:.3f} %; median time ratio core/HiGHS "
            f"{statistics.median(ratios) if ratios else float('nan'):.2f}; seconds core "
            f"{sum(r['core'].seconds for r in rows):.1f}, HiGHS {sum(r['highs'].seconds for r in rows):.1f}; "
            f"worse on both: {sum(r['worse'] for r in rows)}/{len(rows)}; re-costing checks "
            f"failed: {sum(r['check'] != 'ok' for r in rows)}.")


HEADER = ("| scope | clients | sites | pairs | places | status | objective (nv / loc / place-km) "
          "| bound | gap | s | HiGHS | HiGHS objective | HiGHS bound | HiGHS s | ratio "
          "| worse on both | check | load |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenarios", default="nl-2025,synthetic:342:0")
    ap.add_argument("--cross-border", action="store_true")
    ap.add_argument("--time-limit", type=float, default=None,
                    help="HiGHS seconds per level (default: the merger solver's wall-clock limit)")
    ap.add_argument("--export", type=Path, default=None, help="write each instance as JSON here")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--linearization", type=int, default=None,
                    help="override the merger solver's CP-SAT linearization_level (experiment)")
    args = ap.parse_args()
    cmd = (f"benchmarks/bench_merger_instances.py --scenarios {args.scenarios}"
           f"{' --cross-border' if args.cross_border else ''}"
           f"{'' if args.time_limit is None else f' --time-limit {args.time_limit:g}'}"
           f"{'' if args.linearization is None else f' --linearization {args.linearization}'}")
    lines = [f"Run: `{cmd}`", ""]
    for spec in args.scenarios.split(","):
        name, rows = run(spec, cross_border=args.cross_border, time_limit=args.time_limit,
                         export=args.export, linearization=args.linearization)
        lines += [f"#### {name}{' (cross-border)' if args.cross_border else ''}", "", HEADER,
                  "|" + "---|" * 18] + [_line(r) for r in rows] + ["", _summary(rows), ""]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
