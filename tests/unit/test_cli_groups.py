"""`harness --help` lists every group from summaries that match the groups' own docstrings."""

import importlib
import subprocess
import sys

import pytest

from harness.cli.groups import GROUPS

LISTING = """
import sys
from click.testing import CliRunner
from harness.cli import cli
print(CliRunner().invoke(cli, ["--help"]).output)
print(" ".join(sorted(m for m in sys.modules if m.startswith("harness.cli."))))
"""


@pytest.mark.parametrize("name", sorted(GROUPS))
def test_each_summary_is_the_groups_own_first_line(name: str) -> None:
    command = importlib.import_module(f"harness.cli.{name}").command
    assert GROUPS[name] == command.get_short_help_str(limit=10_000)


def test_help_lists_every_group_and_imports_none() -> None:
    done = subprocess.run([sys.executable, "-c", LISTING], capture_output=True, text=True,
                          check=True, timeout=60)
    *help_text, imported = done.stdout.rstrip().splitlines()
    listed = [line.split()[0] for line in help_text[help_text.index("Commands:") + 1:] if line]
    assert listed == sorted(GROUPS)
    assert "Launch, list, follow and stop ad hoc shards wired into a cloud." in done.stdout
    assert imported.split() == ["harness.cli.groups"]
