"""Which directories a confined shard gets bound in, and the command that confines it."""

from pathlib import Path

import pytest

from harness.errors import UsageError
from harness.launchers.base import CREDENTIALS_MOUNT, RECORDS_MOUNT
from harness.launchers.confine import confined, exposures, hidden_below
from harness.launchers.identity import ShardIdentity


@pytest.fixture
def private_home(tmp_path: Path) -> Path:
    """home (0700) / app (0755) / bin (0755) / tool, as a clone in a private home is."""
    home = tmp_path / "home"
    (home / "app" / "bin").mkdir(parents=True)
    (home / "app" / "bin" / "tool").write_text("#!/bin/sh\n")
    (home / "app" / "bin" / "tool").chmod(0o755)
    (home / "app").chmod(0o755)
    (home / "app" / "bin").chmod(0o755)
    home.chmod(0o700)
    return home


def test_a_program_below_a_private_directory_is_bound_in_alone(private_home: Path) -> None:
    tool = private_home / "app" / "bin" / "tool"
    assert hidden_below(tool) is not None
    found = exposures([str(tool)])
    ancestor = hidden_below(tool.parent)
    assert found[ancestor] == [tool.parent]  # the bin directory, never the whole home


def test_a_program_others_cannot_read_is_one_clear_error(private_home: Path) -> None:
    (private_home / "app" / "bin").chmod(0o700)
    with pytest.raises(UsageError, match="other users cannot read it"):
        exposures([str(private_home / "app" / "bin" / "tool")])


def test_the_command_runs_as_the_shard_without_privileges(tmp_path: Path) -> None:
    argv = confined(["/bin/true", "--flag"], ShardIdentity(61200), tmp_path / "c",
                    tmp_path / "r")
    assert argv[:5] == ["unshare", "--mount", "--propagation", "private", "--"]
    assert argv[-3:] == ["shard", "/bin/true", "--flag"]  # $0, then the command untouched
    script = argv[7]
    assert "setpriv --reuid 61200 --regid 61200 --clear-groups --no-new-privs" in script
    assert "--inh-caps=-all --bounding-set=-all" in script
    assert f"-o ro,nosuid,nodev /proc/self/fd/3 {CREDENTIALS_MOUNT}" in script
    assert f"-o rw,nosuid,nodev /proc/self/fd/4 {RECORDS_MOUNT}" in script
    assert "mount -o remount,bind,ro /" in script and "hidepid=invisible" in script
    assert script.index("exec 3<") < script.index("mount -o remount")  # opened before hiding
    assert "exec 3<&- 4<&-" in script  # never handed to the shard
