"""Stage: surplus."""
