"""Stage: benchmarks of the solvers on external instances with known optima (read-only users)."""
