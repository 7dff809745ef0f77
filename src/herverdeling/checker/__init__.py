"""Stage: checker."""
