"""`harness shadow start` refuses options that cannot work together, before anything starts."""

import subprocess
import sys

from harness.cli.shadow import idle_warning


def test_shed_without_yield_cpu_is_a_usage_error_naming_both() -> None:
    done = subprocess.run([sys.executable, "-m", "harness", "shadow", "start", "--cloud", "any",
                           "--of", "cmp-1", "--candidate", "hollow", "--shed"],
                          capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 2
    assert "--shed" in done.stderr and "--yield-cpu FRACTION" in done.stderr
    assert "Traceback" not in done.stderr


def row(**counters: int) -> dict[str, object]:
    return {"session": "abc", "of": "cmp-typo", "state": "running", **counters}


def test_status_warns_of_a_session_mirroring_nothing_while_production_is_busy() -> None:
    warning = idle_warning(row(mirrored=0, tap_seen=40), age=75)
    assert warning is not None
    assert "mirrored nothing in 75 s" in warning and "--of cmp-typo" in warning


def test_status_does_not_warn_of_a_young_mirroring_or_quiet_session() -> None:
    assert idle_warning(row(mirrored=0, tap_seen=40), age=30) is None
    assert idle_warning(row(mirrored=3, tap_seen=40), age=600) is None
    assert idle_warning(row(mirrored=0, tap_seen=0), age=600) is None  # production idle too
    assert idle_warning({**row(tap_seen=40), "state": "dead"}, age=600) is None
