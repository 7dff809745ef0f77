"""The benchmark suite: proposal quality per scenario and policy, run time against size, pmedcap.

`run_suite(name, out)` writes into `out`:
- results.csv (and results.jsonl): one metrics row per scenario x policy (herverdeling.metrics),
  run as a sweep (herverdeling.bench.sweep) so the rows are the same as a sweep's;
- scaling.csv: seconds per stage on synthetic countries of increasing size (seeded);
- quality.png: quality per policy and scenario; runtime.png: seconds against size on log-log axes
  with the fitted growth exponent per stage (least squares on log t = a + b log n);
- report.md: the tables, the exponents, the checker pass rate (it must be 100 %; any cell below is
  listed with its failing rules, not hidden) and the pmedcap table of the merger issue (the pmedcap
  runner of herverdeling.bench.pmedian on the OR-Library files, or a line saying why not run).

On synthetic countries above `full_pipeline_up_to` municipalities only the surplus stage, the
checker and the metrics run: the merger model is measured up to that size (see report.md).
"""

from __future__ import annotations

import csv
import math
import os
import platform
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from herverdeling.bench.sweep import MANIFEST, RESULTS_JSONL, CellResult, Grid, run_sweep
from herverdeling.defaults import DEFAULT_POLICY
from herverdeling.errors import SettingsError
from herverdeling.metrics import RowValue
from herverdeling.resources import bundled_dir

Progress = Callable[[str], None]
STAGES = ("generate", "surplus", "mergers", "uitruil", "checker", "metrics")


def default_pmedcap_dir() -> Path:
    """The OR-Library pmedcap files shipped in data/bench (repository or wheel)."""
    return bundled_dir("data") / "bench" / "pmedcap"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SuiteSpec(_Frozen):
    """What a suite runs; every number here is a choice of scale, not a tuned parameter."""

    name: str
    scenarios: tuple[str, ...]
    policies: tuple[str, ...] = ("proportional", "nearest", "small-first")
    sizes: tuple[int, ...] = ()  # synthetic countries for the run-time plot
    full_pipeline_up_to: int = 0  # largest size on which the merger and uitruil stages run too
    scaling_policy: str = DEFAULT_POLICY
    seed: int = 1
    pmedcap_time_limit: float | None = None  # None: the pmedcap table is not run
    pmedcap_highs: bool = True


_NL = ("nl-2025", "nl-2025-unwilling-10", "nl-2025-unwilling-40", "nl-2025-strict-norms",
       "nl-2025-loose-norms", "nl-2025-larger-restopgave", "nl-2025-no-surplus")
SUITES: dict[str, SuiteSpec] = {
    # a minute or so: what CI or a quick look can afford
    "quick": SuiteSpec(name="quick", scenarios=("nl-2025", "nl-2025-no-surplus"),
                       policies=("proportional", "nearest"), sizes=(50, 100, 200, 400),
                       full_pipeline_up_to=400),
    # the committed report (benchmarks/reports/suite): every variant, every policy, 50 to 100,000
    "standard": SuiteSpec(name="standard", scenarios=_NL, sizes=(50, 200, 1000, 2000, 5000, 20_000, 100_000),
                          full_pipeline_up_to=5000, pmedcap_time_limit=60.0),  # the cap
}


class StageTime(_Frozen):
    n: int = Field(ge=1)
    provinces: int = Field(ge=1)
    stage: str
    seconds: float = Field(ge=0)


class Exponent(_Frozen):
    stage: str
    exponent: float | None  # None: fewer than two sizes measured
    sizes: tuple[int, ...]


class PmedcapRow(_Frozen):
    name: str
    known_optimum: int | None
    objective: int | None
    best_bound: float | None
    status: str
    seconds: float
    highs_status: str | None = None
    highs_objective: float | None = None
    highs_seconds: float | None = None


class SuiteResult(_Frozen):
    spec: SuiteSpec
    out: str
    cells: tuple[CellResult, ...]
    scaling: tuple[StageTime, ...]
    exponents: tuple[Exponent, ...]
    pmedcap: tuple[PmedcapRow, ...] = ()
    pmedcap_note: str = ""
    seconds: float = Field(ge=0)


# ---- run time against size -----------------------------------------------------------------------
def measure_scaling(spec: SuiteSpec, progress: Progress = lambda _: None) -> list[StageTime]:
    """Seconds per stage on seeded synthetic countries; mergers and uitruil only up to the limit."""
    from herverdeling.checker import check
    from herverdeling.metrics import measure
    from herverdeling.pipeline import RunSettings, run_chain
    from herverdeling.proposals import ProposalSet
    from herverdeling.scenario.synthetic import synthetic_country
    from herverdeling.surplus import propose_surplus_swaps

    out: list[StageTime] = []
    for n in spec.sizes:
        times: dict[str, float] = {}
        t = time.perf_counter()
        s = synthetic_country(n, seed=spec.seed)
        times["generate"] = time.perf_counter() - t
        if n <= spec.full_pipeline_up_to:
            result = run_chain(s, RunSettings(scenario=s.name, policy=spec.scaling_policy,
                                              surplus_model="flow"))  # the flow's scaling
            times |= {x.stage: x.seconds for x in result.timings}
            proposals = result.proposals
        else:
            t = time.perf_counter()
            swaps = propose_surplus_swaps(s, spec.scaling_policy)
            times["surplus"] = time.perf_counter() - t
            proposals = ProposalSet(scenario=s.name, scenario_hash=s.content_hash(), as_of=s.round.as_of,
                                    proposals=swaps.proposals, solve_info=swaps.solve_info)
        t = time.perf_counter()
        report = check(proposals, s)
        times["checker"] = time.perf_counter() - t
        t = time.perf_counter()
        measure(s, proposals, report)
        times["metrics"] = time.perf_counter() - t
        out += [StageTime(n=n, provinces=len(s.provinces), stage=k, seconds=v) for k, v in times.items()]
        progress(f"size {n}: " + ", ".join(f"{k} {v:.2f} s" for k, v in times.items()))
    return out


MIN_FIT_SECONDS = 0.01  # below this a stage time is timer and interpreter noise, not growth


def fit_exponent(sizes: list[int], seconds: list[float],
                 min_seconds: float = MIN_FIT_SECONDS) -> float | None:
    """b in t = a n^b, least squares on the logs of the sizes where t >= min_seconds."""
    pts = [(math.log(n), math.log(t)) for n, t in zip(sizes, seconds, strict=True) if t >= min_seconds]
    if len({x for x, _ in pts}) < 2:
        return None
    x, y = np.array(pts).T
    return float(np.polyfit(x, y, 1)[0])


def full_totals(scaling: list[StageTime]) -> list[tuple[int, float]]:
    """Seconds of all stages together, for the sizes on which every stage ran (else not comparable)."""
    by: dict[int, dict[str, float]] = {}
    for r in scaling:
        by.setdefault(r.n, {})[r.stage] = r.seconds
    return sorted((n, sum(t.values())) for n, t in by.items() if set(STAGES) <= set(t))


def exponents(scaling: list[StageTime]) -> list[Exponent]:
    out = []
    for stage in [*STAGES, "total"]:
        if stage == "total":
            rows = full_totals(scaling)
        else:
            rows = sorted((r.n, r.seconds) for r in scaling if r.stage == stage)
        if rows:
            ns = [n for n, _ in rows]
            out.append(Exponent(stage=stage, exponent=fit_exponent(ns, [t for _, t in rows]),
                                sizes=tuple(ns)))
    return out


# ---- pmedcap -------------------------------------------------------------------------------------
def run_pmedcap(directory: Path, time_limit: float, highs: bool = True,
                progress: Progress = lambda _: None) -> tuple[list[PmedcapRow], str]:
    """The merger issue's pmedcap runner (bench.pmedian) on every file; (rows, note if not run)."""
    files = sorted(directory.glob("pmedcap*.txt")) if directory.is_dir() else []
    if not files:
        return [], f"not run: no pmedcap files in {directory}"
    try:
        from herverdeling.bench.pmedian import read_pmedcap, solve_highs, solve_pmedian
        from herverdeling.cpsat import load_solver_params
    except ImportError as exc:
        return [], f"not run: the pmedcap runner is not available ({exc})"
    params = load_solver_params("cpsat-bench").with_time_limit(time_limit)
    rows = []
    for f in files:
        inst = read_pmedcap(f)
        ours = solve_pmedian(inst, params)
        row = {"name": inst.name, "known_optimum": inst.optimum, "objective": ours.objective,
               "best_bound": ours.best_bound, "status": ours.status, "seconds": ours.seconds}
        if highs:
            try:
                h = solve_highs(inst, time_limit)
                row |= {"highs_status": h.status, "highs_objective": h.objective, "highs_seconds": h.seconds}
            except ImportError:
                pass
        rows.append(PmedcapRow.model_validate(row))
        progress(f"pmedcap {inst.name}: {ours.status} {ours.objective} (known {inst.optimum}), "
                 f"{ours.seconds:.1f} s")
    return rows, ""


# ---- plots ---------------------------------------------------------------------------------------
QUALITY_PANELS = (
    ("relief_share", "relief achieved / possible"),
    ("small_tasks_after", "small tasks after"),
    ("agreements", "agreements"),
    ("place_km", "place-km"),
    ("gini_regulier", "Gini of relief / restopgave (regular)"),
    ("check_pass_rate", "checker pass rate"),
)


def _short(name: str) -> str:
    return name.removeprefix("nl-2025-") if name != "nl-2025" else "nl-2025"


def plot_quality(cells: list[CellResult], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = [c for c in cells if c.metrics is not None]
    scenarios = list(dict.fromkeys(c.scenario for c in ok))
    policies = list(dict.fromkeys(c.policy for c in ok))
    fig, axes = plt.subplots(2, 3, figsize=(13, 7))
    width = 0.8 / max(1, len(policies))
    x = np.arange(len(scenarios))
    for ax, (key, title) in zip(axes.flat, QUALITY_PANELS, strict=True):
        for k, pol in enumerate(policies):
            vals = []
            for s in scenarios:
                row = next((c.row() for c in ok if c.scenario == s and c.policy == pol), {})
                v = row.get(key)
                vals.append(float(v) if isinstance(v, int | float) else np.nan)
            ax.bar(x + (k - (len(policies) - 1) / 2) * width, vals, width, label=pol)
        ax.set_title(title, fontsize=10)
        ax.set_xticks(x, [_short(s) for s in scenarios], rotation=35, ha="right", fontsize=8)
        ax.tick_params(axis="y", labelsize=8)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", ncol=len(policies), fontsize=9)
    fig.suptitle("Proposal quality per scenario and policy", fontsize=12, x=0.3)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def plot_runtime(scaling: list[StageTime], fitted: list[Exponent], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5.5))
    exps = {e.stage: e.exponent for e in fitted}
    for stage in [*STAGES, "total"]:
        if stage == "total":
            pts = full_totals(scaling)
        else:
            pts = sorted((r.n, r.seconds) for r in scaling if r.stage == stage and r.seconds > 0)
        if not pts:
            continue
        ns, ts = zip(*pts, strict=True)
        b = exps.get(stage)
        label = f"{stage} (n^{b:.2f})" if b is not None else stage
        line, = ax.loglog(ns, ts, marker="o", label=label, linewidth=2.5 if stage == "total" else 1.2)
        if b is not None and len(ns) >= 2:
            a = np.mean(np.log(ts) - b * np.log(ns))
            grid = np.geomspace(min(ns), max(ns), 20)
            ax.loglog(grid, np.exp(a) * grid ** b, linestyle=":", color=line.get_color())
    ax.set_xlabel("municipalities (synthetic country)")
    ax.set_ylabel("seconds")
    ax.set_title("Run time against size (dotted: fitted t = a n^b)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


# ---- report --------------------------------------------------------------------------------------
def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|",
            *("| " + " | ".join(r) + " |" for r in rows)]


def _pct(v: object) -> str:
    return "-" if not isinstance(v, int | float) else f"{100 * v:.1f} %"


def _num(row: dict[str, RowValue], key: str) -> float:
    """A metric that is always a number in a cell's row (sizes, means, deviations, Gini)."""
    v = row[key]
    assert v is not None, key
    return float(v)


def render_report(res: SuiteResult) -> str:
    spec = res.spec
    lines = [f"# Benchmark suite `{spec.name}`", "",
             f"Run on {date.today().isoformat()}, {platform.platform()}, Python {platform.python_version()}, "
             f"{os.cpu_count()} cores; {res.seconds:.0f} s in all. Regenerate: "
             f"`herverdeling bench --suite {spec.name} --out DIR` (or `benchmarks/bench_suite.py`).", "",
             "Definitions of every figure: the docstring of `herverdeling.metrics`. Before = the "
             "verdeelbesluit, after = the IBT task once every proposal is booked.", "",
             "## Quality per scenario and policy", "", "![quality](quality.png)", ""]
    head = ["scenario", "policy", "relief / possible", "surplus used", "small tasks", "non-viable places",
            "locations (mean size reg.)", "agreements", "parties/agr.", "place-km", "max dev. reg.",
            "Gini reg. / amv", "checker", "solver", "s"]
    body = []
    for c in res.cells:
        if c.metrics is None:
            body.append([c.scenario, c.policy, f"FAILED: {c.error}", *[""] * (len(head) - 3)])
            continue
        r = c.row()
        body.append([
            c.scenario, c.policy, f"{r['relief_achieved']} / {r['relief_possible']}",
            _pct(r["surplus_used_share"]), f"{r['small_tasks_before']} -> {r['small_tasks_after']}",
            f"{r['nonviable_places_before']} -> {r['nonviable_places_after']}",
            f"{r['locations_before']} -> {r['locations_after']} "
            f"({_num(r, 'mean_size_before_regulier'):.0f} -> {_num(r, 'mean_size_after_regulier'):.0f})",
            str(r["agreements"]), f"{_num(r, 'parties_mean'):.1f}", f"{_num(r, 'place_km'):,.0f}",
            f"{_num(r, 'fair_max_dev_regulier'):.1f}",
            f"{_num(r, 'gini_regulier'):.3f} / {_num(r, 'gini_amv'):.3f}", _pct(r["check_pass_rate"]),
            str(r["solver_status"]), f"{c.seconds:.1f}"])
    lines += _table(head, body)
    bad = [c for c in res.cells if c.metrics is None or c.metrics.check.pass_rate != 1.0]
    lines += ["", "### Checker pass rate (must be 100 %)", ""]
    if not bad:
        lines.append("Every proposal of every cell passed the checker.")
    else:
        lines.append("**Below 100 %** (reported, not hidden; each failing proposal names its rules):")
        lines.append("")
        for c in bad:
            if c.metrics is None:
                lines.append(f"- {c.scenario} / {c.policy}: the cell failed: {c.error}")
                continue
            ch = c.metrics.check
            lines.append(f"- {c.scenario} / {c.policy}: {ch.passed}/{ch.proposals} passed; failing rules "
                         f"{', '.join(ch.error_rules)}; proposals {', '.join(ch.failed_ids[:8])}"
                         f"{' ...' if len(ch.failed_ids) > 8 else ''}")
    lines += ["", "## Run time against size", "", "![runtime](runtime.png)", "",
              f"Synthetic countries (herverdeling.scenario.synthetic, seed {spec.seed}), policy "
              f"`{spec.scaling_policy}`. The merger and uitruil stages run up to "
              f"{spec.full_pipeline_up_to:,} municipalities; above that the surplus stage, the checker and "
              "the metrics only (the merger model's growth is the exponent below).", ""]
    sizes = sorted({r.n for r in res.scaling})
    by = {(r.n, r.stage): r.seconds for r in res.scaling}
    prov = {r.n: r.provinces for r in res.scaling}
    stages = [s for s in STAGES if any(r.stage == s for r in res.scaling)]
    full = dict(full_totals(list(res.scaling)))
    lines += _table(["municipalities", "provinces", *stages, "total"],
                    [[f"{n:,}", str(prov[n]), *(f"{by[(n, s)]:.3f}" if (n, s) in by else "not run"
                                                for s in stages),
                      f"{full[n]:.2f}" if n in full else "(partial)"] for n in sizes])
    lines += ["", "Fitted growth exponent b in t = a n^b (least squares on log-log, over the sizes where "
              f"the stage took at least {MIN_FIT_SECONDS} s; '-' where fewer than two did):", ""]
    lines += _table(["stage", "b", "sizes"],
                    [[e.stage, "-" if e.exponent is None else f"{e.exponent:.2f}",
                      f"{min(e.sizes):,}-{max(e.sizes):,}"] for e in res.exponents])
    lines += ["", "## pmedcap (merger issue): capacitated p-median, OR-Library", ""]
    if res.pmedcap:
        lim = spec.pmedcap_time_limit
        lines.append("Runner: herverdeling.bench.pmedian (heuristic + Lagrangian bound + cluster "
                     f"enumeration + CP-SAT, solver settings cpsat-bench) against HiGHS, {lim:g} s per "
                     "instance and solver.")
        lines.append("")
        lines += _table(["instance", "known optimum", "ours", "bound", "status", "s", "HiGHS", "HiGHS s"],
                        [[p.name, str(p.known_optimum), str(p.objective),
                          "-" if p.best_bound is None else f"{p.best_bound:g}", p.status, f"{p.seconds:.2f}",
                          f"{p.highs_status} {p.highs_objective:.6g}" if p.highs_objective is not None
                          else (p.highs_status or "-"),
                          "-" if p.highs_seconds is None else f"{p.highs_seconds:.2f}"] for p in res.pmedcap])
        proven = sum(p.status == "OPTIMAL" and p.objective == p.known_optimum for p in res.pmedcap)
        lines += ["", f"Proven at the known optimum: {proven}/{len(res.pmedcap)}."]
    else:
        lines.append(f"**pmedcap {res.pmedcap_note or 'not run'}.**")
    return "\n".join(lines) + "\n"


def write_scaling_csv(rows: list[StageTime], path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["municipalities", "provinces", "stage", "seconds"])
        for r in rows:
            w.writerow([r.n, r.provinces, r.stage, f"{r.seconds:.4f}"])
    return path


# ---- entry point ---------------------------------------------------------------------------------
def get_suite(name: str) -> SuiteSpec:
    if name not in SUITES:
        raise SettingsError(f"unknown suite {name!r} (known: {', '.join(SUITES)})")
    return SUITES[name]


def run_suite(
    suite: str | SuiteSpec,
    out: str | Path,
    *,
    workers: int | None = None,
    pmedcap_dir: Path | None = None,
    progress: Progress = lambda _: None,
) -> SuiteResult:
    """Run the suite from scratch (earlier results in `out` are replaced) and write the report."""
    spec = get_suite(suite) if isinstance(suite, str) else suite
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for stale in (RESULTS_JSONL, MANIFEST):
        (out / stale).unlink(missing_ok=True)
    start = time.perf_counter()
    grid = Grid(id=f"suite-{spec.name}", scenarios=spec.scenarios, policies=spec.policies)
    sweep = run_sweep(grid, out, workers=workers, progress=progress)
    scaling = measure_scaling(spec, progress)
    fitted = exponents(scaling)
    pm_rows: list[PmedcapRow]
    if spec.pmedcap_time_limit is None:
        pm_rows, note = [], "not run in this suite (see the `standard` suite)"
    else:
        folder = pmedcap_dir or Path(os.environ.get("HERVERDELING_PMEDCAP", default_pmedcap_dir()))
        pm_rows, note = run_pmedcap(folder, spec.pmedcap_time_limit, spec.pmedcap_highs, progress)
    res = SuiteResult(spec=spec, out=str(out), cells=sweep.results, scaling=tuple(scaling),
                      exponents=tuple(fitted), pmedcap=tuple(pm_rows), pmedcap_note=note,
                      seconds=time.perf_counter() - start)
    write_scaling_csv(scaling, out / "scaling.csv")
    plot_quality(list(sweep.results), out / "quality.png")
    plot_runtime(scaling, fitted, out / "runtime.png")
    (out / "suite.json").write_text(res.model_dump_json(indent=1, exclude={"cells"}) + "\n", encoding="utf-8")
    (out / "report.md").write_text(render_report(res), encoding="utf-8")
    progress(f"wrote {out / 'report.md'}")
    return res
