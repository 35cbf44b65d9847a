"""The README stays a newcomer's page: short, and every command in it runs as shown."""

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli.demo import outcome
from tests.unit.docs.markdown import (
    DOCS,
    README,
    ROOT,
    commands,
    fenced,
    links,
    prose_words,
    resolve,
)

# Commands that need no service and change nothing on the machine run for real: exit codes.
RUN_FOR_REAL = {
    "harness demo --change missing-notification": 1,
    "harness demo --change slower": 0,
    "harness ddl rules": 0,
}
TEXT = README.read_text()
SHELL = [line for block in fenced(TEXT, "sh") for line in commands(block)]


def test_the_readme_is_at_most_1200_words_and_shows_the_two_set_up_commands() -> None:
    assert prose_words(TEXT) <= 1200
    assert {"make demo", "make test"} <= set(SHELL)


def test_every_command_is_make_or_harness_and_the_real_runs_are_all_in_it() -> None:
    assert all(line.split()[0] in ("make", "harness") for line in SHELL), SHELL
    assert set(RUN_FOR_REAL) <= set(SHELL)


@pytest.mark.parametrize("line", [line for line in SHELL if line.startswith("make ")])
def test_each_make_target_exists(line: str) -> None:
    done = subprocess.run(["make", "-n", *shlex.split(line)[1:]], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def test_make_demo_runs_the_demo_that_expects_its_change() -> None:
    recipe = subprocess.run(["make", "--no-print-directory", "-n", "-o", ".venv/.installed",
                             "demo"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, check=True).stdout
    assert recipe.rstrip().endswith("/harness demo --expect-change"), recipe


def test_the_demo_output_shown_is_what_make_demo_prints() -> None:
    shown = fenced(TEXT, "text")[0].rstrip().splitlines()
    assert shown[0].endswith("harness demo --expect-change")
    assert shown[-1] == f"demo: {outcome('resource-accounting', True, True)}"


@pytest.mark.parametrize("line", [line for line in SHELL if line.startswith("harness ")])
def test_each_harness_command_parses_as_shown_and_has_help(line: str) -> None:
    path, command, rest = resolve(shlex.split(line)[1:])
    command.make_context(" ".join(["harness", *path]), rest)  # raises on any bad option
    done = subprocess.run([sys.executable, "-m", "harness", *path, "--help"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and "Usage:" in done.stdout, done.stderr


@pytest.mark.parametrize("line", sorted(RUN_FOR_REAL))
def test_the_commands_that_need_no_service_run_with_their_exit_code(
        line: str, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "harness", *shlex.split(line)[1:]],
                          cwd=tmp_path, capture_output=True, text=True, timeout=180,
                          check=False, env={**os.environ, "HARNESS_STATE_DIR": str(tmp_path)})
    assert done.returncode == RUN_FOR_REAL[line], done.stderr


def test_every_link_stays_in_the_repository_and_exists() -> None:
    pages = [README, *sorted(DOCS.glob("*.md"))]
    for page in pages:
        for target in links(page.read_text()):
            assert "://" not in target and not target.startswith("/"), (page, target)
            resolved = (page.parent / target).resolve()
            assert resolved.exists(), (page.name, target)
