"""Benchmark output is never tracked: runs belong in benchmarks/runs/ (ignored) or CI artifacts."""

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def tracked(*paths: str) -> list[str]:
    """The files git tracks under these paths; the test is skipped outside a git checkout."""
    done = subprocess.run(["git", "ls-files", "--", *paths], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=False)
    if done.returncode != 0:
        pytest.skip(f"not a git checkout: {done.stderr.strip()}")
    return done.stdout.split()


def test_benchmarks_tracks_scripts_only() -> None:
    assert [path for path in tracked("benchmarks") if not path.endswith(".py")] == []


def test_git_ignores_the_runs_directory() -> None:
    tracked("benchmarks")
    done = subprocess.run(["git", "check-ignore", "-q", "benchmarks/runs/run.jsonl.gz"],
                          cwd=ROOT, timeout=60, check=False)
    assert done.returncode == 0
