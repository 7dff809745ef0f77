"""The capacitated p-median benchmark (OR-Library pmedcap): research code on the merger core.

It lives in bench, not in mergers: it imports the merger core (`mergers.core.FacilityModel`,
`solve`) to measure it on instances with known optima, and nothing in mergers imports it. `solve`
holds the runner and the HiGHS comparison; `bounds` the Lagrangian bound and reduced-cost fixing;
`heuristics` the incumbent.
"""

from herverdeling.bench.pmedian.solve import (
    HighsResult,
    PMedianInstance,
    PMedianResult,
    check_solution,
    read_pmedcap,
    solve_highs,
    solve_pmedian,
)

__all__ = ["HighsResult", "PMedianInstance", "PMedianResult", "check_solution", "read_pmedcap",
           "solve_highs", "solve_pmedian"]
