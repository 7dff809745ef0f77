"""Stage: mergers."""
