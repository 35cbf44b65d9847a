"""The shadow-mode guard, exercised in a subprocess so this test runner keeps no audit hook."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

CHILD = Path(__file__).with_name("guarded_child.py")
ROOT = Path(__file__).parents[3]


def run_child(mode: str) -> dict[str, Any]:
    """Run the guarded child under HARNESS_MODE=`mode` and parse its report."""
    environ = {**os.environ, "HARNESS_MODE": mode, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(CHILD)], env=environ, capture_output=True,
                          text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_shadow_mode_blocks_and_records_everything_that_bypasses_the_shims() -> None:
    report = run_child("shadow")
    assert report["allowed_connect"] == "ok"
    for action in ("other_port", "udp_sendto", "subprocess", "os_system", "os_exec",
                   "posix_spawn"):
        assert report[action] == "blocked", action
    assert report["after_disabling"] == "ok"
    assert report["counted"] == 6
    assert [v[1] for v in report["violations"]] == [
        "socket.connect", "socket.sendto", "subprocess.Popen", "os.system", "os.exec",
        "os.posix_spawn"]
    assert all(v[0] == "violation" and v[2:] == ["msg-9", "req-9", False]
               for v in report["violations"])


@pytest.mark.parametrize("mode", ["production", "record"])
def test_other_modes_do_not_block(mode: str) -> None:
    report = run_child(mode)
    assert report["other_port"] == "ConnectionRefusedError"
    assert report["subprocess"] == report["os_system"] == report["posix_spawn"] == "ok"
    assert report["counted"] == 0 and report["violations"] == []
