"""Stage: uitruil."""
