"""The capacitated p-median benchmark (OR-Library pmedcap): research code on the merger core.

It lives in bench, not in mergers: it imports the merger core (`mergers.core.FacilityModel`,
`solve`) to measure it on instances with known optima, and nothing in mergers imports it. `solve`
holds the runner and the HiGHS comparison; `bounds` the Lagrangian bound and reduced-cost fixing;
`heuristics` the incumbent; `generate` seeded instances of the pmedcap and SJC shapes.
`solve_portfolio` runs ours and a warm-started HiGHS MIP side by side (issue 19); `read_sjc` reads
real-valued instances (costs scaled to integers for ours, see `PMedianInstance.distances`).
`facility` generalises the instance (capacity per site, allowed pairs, p bounds, minimum size,
lexicographic levels) so that the product's merger scopes can be exported and compared with HiGHS.
"""

from herverdeling.bench.pmedian.solve import (
    HighsResult,
    PMedianInstance,
    PMedianResult,
    PortfolioResult,
    check_solution,
    read_pmedcap,
    read_sjc,
    solve_highs,
    solve_pmedian,
    solve_portfolio,
)

__all__ = ["HighsResult", "PMedianInstance", "PMedianResult", "PortfolioResult", "check_solution",
           "read_pmedcap", "read_sjc", "solve_highs", "solve_pmedian", "solve_portfolio"]
