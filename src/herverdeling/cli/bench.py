"""`herverdeling bench ...`, a command group; `bench pmedcap` and `bench sjc` run the p-median benchmark."""

import json
import statistics
from pathlib import Path
from typing import Annotated, Any, Literal, cast

import typer

bench_app = typer.Typer(name="bench", help="Benchmarks op instanties met bekende optima.",
                        invoke_without_command=True)


@bench_app.callback()
def suite(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--suite", help="Suite to run when no subcommand is given: quick "
                                      "(a minute) or standard (the committed report).")] = "quick",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Report folder (default: "
                                             "bench-<suite>).")] = None,
    workers: Annotated[int | None, typer.Option("--workers", "-w", min=1, help="Local worker "
                                                "processes for the quality cells.")] = None,
) -> None:
    """Without a subcommand: the quality suite (report.md, results.csv, PNG plots, pmedcap table)."""
    if ctx.invoked_subcommand is not None:
        return
    from herverdeling.bench.suite import get_suite, run_suite  # loads only when run (fast --help)

    spec = get_suite(name)
    # run_suite's last progress line is "wrote .../report.md" (on stderr, like `emit`): not again here
    run_suite(spec, out or Path(f"bench-{spec.name}"), workers=workers,
              progress=lambda line: typer.echo(line, err=True))


Method = Literal["portfolio", "ours", "highs"]


@bench_app.command()
def pmedcap(
    files: Annotated[list[Path], typer.Argument(help="OR-Library pmedcap files.")],
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds per instance and "
                                              "solver.")] = 60.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    no_highs: Annotated[bool, typer.Option("--no-highs", help="Skip the HiGHS comparison.")] = False,
    method: Annotated[str, typer.Option("--method", help="portfolio (ours and a warm-started HiGHS "
                                        "MIP together), ours, or highs.")] = "portfolio",
) -> None:
    """Capacitated p-median: ours (heuristic, Lagrangian bound, clusters, CP-SAT, with a HiGHS MIP
    alongside) against a plain HiGHS MIP on the same instance."""
    from herverdeling.bench.pmedian import read_pmedcap

    _run([read_pmedcap(f) for f in files], time_limit, as_json, no_highs, _method(method))


@bench_app.command()
def sjc(
    files: Annotated[list[Path], typer.Argument(help="SJC files (Lorena & Senne): n p, then x y "
                                                "capacity demand.")],
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds per instance and "
                                              "solver.")] = 300.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    no_highs: Annotated[bool, typer.Option("--no-highs", help="Skip the HiGHS comparison.")] = False,
    method: Annotated[str, typer.Option("--method", help="portfolio, ours, or highs.")] = "portfolio",
    settings: Annotated[str, typer.Option("--settings", help="Real-cost settings (models/bench/ "
                                          "name or YAML path): cost scale, tolerance.")] = "pmedian-real",
) -> None:
    """Capacitated p-median with real-valued costs: ours on floor(scale * distance), the bound
    divided back, the incumbent costed exactly; HiGHS on the exact distances."""
    from herverdeling.bench.pmedian.solve import load_real_cost_settings, read_sjc

    cfg = load_real_cost_settings(settings)
    _run([read_sjc(f, cfg.cost_scale) for f in files], time_limit, as_json, no_highs,
         _method(method), cfg.tolerance)


def _method(name: str) -> Method:
    if name not in ("portfolio", "ours", "highs"):
        raise typer.BadParameter(f"--method must be portfolio, ours or highs, not {name!r}")
    return cast(Method, name)


def _run(instances: list[Any], time_limit: float, as_json: bool, no_highs: bool, method: Method,
         tolerance: float = 0.005) -> None:
    from herverdeling.bench.pmedian.solve import run_row
    from herverdeling.cpsat import load_solver_params

    params = load_solver_params("cpsat-bench").with_time_limit(time_limit)
    rows: list[dict[str, Any]] = []
    for k, inst in enumerate(instances, 1):
        typer.echo(f"[{k}/{len(instances)}] {inst.name} (n={inst.n}, p={inst.p})", err=True)
        row = run_row(inst, params, method=method, highs=not no_highs, tolerance=tolerance)
        rows.append(row)
        if not as_json:
            typer.echo(_line(row))
    ratios = [r["ratio"] for r in rows if r.get("ratio") is not None]
    summary: dict[str, Any] = {
        "instances": len(rows), "proven_at_optimum": sum(r["at_known_optimum"] for r in rows),
        "proven": sum(r["status"] == "OPTIMAL" for r in rows),
        "median_ratio": round(statistics.median(ratios), 3) if ratios else None}
    if as_json:
        typer.echo(json.dumps({"results": rows, "summary": summary}, indent=2))
    else:
        typer.echo(f"proven: {summary['proven']}/{len(rows)}; at the known optimum: "
                   f"{summary['proven_at_optimum']}/{len(rows)}; "
                   f"median time ratio ours/HiGHS: {summary['median_ratio']}")
    if summary["proven_at_optimum"] < len(rows):
        raise typer.Exit(code=1)


def _line(r: dict[str, Any]) -> str:
    text = (f"{r['name']}: known {r['known_optimum']} ours {r['objective']} bound {r['best_bound']} "
            f"{r['status']} {r['seconds']:.2f}s")
    if r.get("winner"):
        text += f" (incumbent: {r['winner']}, proof: {r['proved_by'] or '-'})"
    if "highs_seconds" in r:
        text += f" | HiGHS {r['highs_status']} {r['highs_objective']} bound {r['highs_bound']} " \
                f"{r['highs_seconds']:.2f}s ratio {r['ratio']}"
    return text
