"""Stage: documents."""
