"""`python -m herverdeling` runs the CLI."""

from herverdeling.cli import main

main()
