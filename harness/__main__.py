"""`python -m harness` runs the CLI, so tests and shards need no console script on PATH."""

from harness.cli import main

main()
