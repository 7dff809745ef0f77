"""`herverdeling sweep GRID.yaml [--workers N] [--dask ADDRESS] [--out DIR]`."""

from pathlib import Path
from typing import Annotated

import typer


def sweep(
    grid: Annotated[Path, typer.Argument(help="Grid YAML: scenarios x policies x norms "
                                         "(see benchmarks/grids/example.yaml).")],
    workers: Annotated[int | None, typer.Option("--workers", "-w", min=1, help="Local worker "
                                                "processes (default: all cores).")] = None,
    dask: Annotated[str | None, typer.Option("--dask", help="Address of a running Dask scheduler, "
                                             "e.g. tcp://10.0.0.5:8786 (pip install "
                                             "'herverdeling\\[cluster]').")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Results folder (default: "
                                             "sweep-<grid id>). A re-run skips finished cells.")] = None,
    max_cells: Annotated[int | None, typer.Option("--max-cells", min=0, help="Stop after this many "
                                                  "newly finished cells.")] = None,
) -> None:
    """Een raster van scenario x beleid x normen; per cel een rij kengetallen in results.csv/.jsonl."""
    from herverdeling.bench.sweep import load_grid, run_sweep  # loads only when run (fast --help)

    g = load_grid(grid)
    result = run_sweep(g, out or Path(f"sweep-{g.id}"), workers=workers, dask=dask,
                       max_cells=max_cells, progress=lambda line: typer.echo(line, err=True))
    ok = len(result.results) - len(result.failed)
    typer.echo(f"{ok} cells ok, {len(result.failed)} failed, {result.skipped} skipped (done earlier); "
               f"results in {Path(result.out) / 'results.csv'}")
    for r in result.failed:
        typer.echo(f"failed: {r.key}: {r.error}", err=True)
    if not result.complete:
        typer.echo(f"{result.cells - len(result.results)} cells not run yet: run the same command "
                   "again to finish them", err=True)
    if result.interrupted:
        raise typer.Exit(code=130)
    if result.failed:
        raise typer.Exit(code=1)
