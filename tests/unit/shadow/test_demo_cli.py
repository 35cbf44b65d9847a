"""`harness demo` needs no service: it runs in a network namespace where nothing else exists."""

import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli.demo import exit_code, outcome
from harness.exitcodes import ExitCode


def demo_in_empty_network(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the demo where no broker, database or Vault can be reached (only its own loopback)."""
    command = (f"ip link set lo up && {sys.executable} -m harness demo --lifecycles 6 "
               f"-o {tmp_path / 'report.html'} {' '.join(args)}")
    return subprocess.run(["unshare", "--net", "sh", "-c", command], capture_output=True,
                          text=True, timeout=180, check=False, cwd=tmp_path)


def test_demo_names_the_change_and_exits_1(tmp_path: Path) -> None:
    done = demo_in_empty_network(tmp_path, "--change", "missing-notification")
    assert done.returncode == 1, done.stderr
    assert "candidate change: missing-notification" in done.stdout
    assert "missing  build_and_run_instance: notification:compute.cmp-17:instance.create.end" \
        in done.stdout
    page = (tmp_path / "report.html").read_text()
    assert "instance.create.end" in page and "<svg" in page


def test_demo_with_no_change_reports_none_and_exits_0(tmp_path: Path) -> None:
    done = demo_in_empty_network(tmp_path, "--change", "none")
    assert done.returncode == 0, done.stderr
    assert "no unexplained differences" in done.stdout
    assert "differences (beyond noise)" not in done.stdout


def test_demo_json_is_the_whole_report(tmp_path: Path) -> None:
    import json

    done = demo_in_empty_network(tmp_path, "--change", "resource-accounting", "--json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["unexplained"] is True
    assert {m["path"] for m in report["mismatches"]} >= {"memory_mb"}


def test_demo_expecting_its_change_exits_0_and_says_it_was_found(tmp_path: Path) -> None:
    done = demo_in_empty_network(tmp_path, "--change", "missing-notification", "--expect-change")
    assert done.returncode == 0, done.stderr
    assert "instance.create.end" in done.stdout
    assert "change 'missing-notification': differences were reported, as expected" \
        in done.stderr


@pytest.mark.parametrize(("found", "expected", "expect_change", "code"), [
    (True, True, False, ExitCode.FINDINGS), (False, False, False, ExitCode.OK),
    (True, True, True, ExitCode.OK), (False, False, True, ExitCode.OK),
    (False, True, True, ExitCode.FINDINGS), (True, False, True, ExitCode.FINDINGS)])
def test_expect_change_fails_only_a_report_the_change_did_not_give(
        found: bool, expected: bool, expect_change: bool, code: ExitCode) -> None:
    assert exit_code(found, expected, expect_change) == code
    assert ("NOT as expected" in outcome("x", found, expected)) == (found != expected)


def test_demo_runs_the_steps_asked_and_refuses_a_lifecycle_without_delete(tmp_path: Path
                                                                           ) -> None:
    done = demo_in_empty_network(tmp_path, "--change", "jittery", "--no-control", "--steps",
                                 "build,stop,start,delete")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "stop_instance" in done.stdout and "reboot_instance" not in done.stdout
    bad = demo_in_empty_network(tmp_path, "--steps", "build,reboot")
    assert bad.returncode == 2
    assert "--steps 'build,reboot': a lifecycle starts with build and ends with delete" \
        in bad.stderr
