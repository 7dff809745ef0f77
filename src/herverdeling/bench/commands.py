"""CLI: `herverdeling bench ...`, a command group; `bench pmedcap` runs the p-median benchmark."""

import json
import statistics
from pathlib import Path
from typing import Annotated

import typer

bench_app = typer.Typer(name="bench", help="Benchmarks on instances with known optima.",
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
    from herverdeling.bench.suite import get_suite, run_suite
    from herverdeling.cli import fail
    from herverdeling.errors import HerverdelingError

    try:
        spec = get_suite(name)
        # run_suite's last progress line is "wrote .../report.md" (on stderr, like `emit`): not again here
        run_suite(spec, out or Path(f"bench-{spec.name}"), workers=workers,
                  progress=lambda line: typer.echo(line, err=True))
    except HerverdelingError as exc:
        raise fail(exc) from None


@bench_app.command()
def pmedcap(
    files: Annotated[list[Path], typer.Argument(help="OR-Library pmedcap files.")],
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds per instance and "
                                              "solver.")] = 60.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    no_highs: Annotated[bool, typer.Option("--no-highs", help="Skip the HiGHS comparison.")] = False,
) -> None:
    """Capacitated p-median: ours (heuristic, Lagrangian bound, clusters, CP-SAT) against a HiGHS MIP."""
    from herverdeling.bench.pmedian import read_pmedcap, solve_highs, solve_pmedian
    from herverdeling.cli import fail
    from herverdeling.cpsat import load_solver_params
    from herverdeling.errors import HerverdelingError

    params = load_solver_params("cpsat-bench").with_time_limit(time_limit)
    rows = []
    for f in files:
        try:
            inst = read_pmedcap(f)
        except HerverdelingError as exc:
            raise fail(exc) from None
        ours = solve_pmedian(inst, params)
        row = {"name": inst.name, "known_optimum": inst.optimum, "objective": ours.objective,
               "best_bound": ours.best_bound, "status": ours.status,
               "seconds": round(ours.seconds, 3),
               "at_known_optimum": ours.objective == inst.optimum and ours.status == "OPTIMAL"}
        if not no_highs:
            h = solve_highs(inst, time_limit)
            row.update({"highs_status": h.status, "highs_objective": h.objective,
                        "highs_seconds": round(h.seconds, 3),
                        "ratio": round(ours.seconds / h.seconds, 3) if h.seconds > 0 else None})
        rows.append(row)
        if not as_json:
            typer.echo(_line(row))
    ratios = [r["ratio"] for r in rows if r.get("ratio") is not None]
    summary = {"instances": len(rows), "proven_at_optimum": sum(r["at_known_optimum"] for r in rows),
               "median_ratio": round(statistics.median(ratios), 3) if ratios else None}
    if as_json:
        typer.echo(json.dumps({"results": rows, "summary": summary}, indent=2))
    else:
        typer.echo(f"proven at the known optimum: {summary['proven_at_optimum']}/{len(rows)}; "
                   f"median time ratio ours/HiGHS: {summary['median_ratio']}")
    if summary["proven_at_optimum"] < len(rows):
        raise typer.Exit(code=1)


def _line(r: dict) -> str:
    text = (f"{r['name']}: known {r['known_optimum']} ours {r['objective']} bound {r['best_bound']} "
            f"{r['status']} {r['seconds']:.2f}s")
    if "highs_seconds" in r:
        text += f" | HiGHS {r['highs_status']} {r['highs_objective']} {r['highs_seconds']:.2f}s " \
                f"ratio {r['ratio']}"
    return text


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="bench")
