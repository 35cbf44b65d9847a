"""Waiting for an instance's state, and the percentiles the boot command prints."""

import threading

import pytest

from harness.sandbox.board import InstanceBoard, WaitTimeout
from harness.sandbox.latency import LatencyBook, percentile
from harness.sandbox.traffic import check_steps


def test_a_waiter_wakes_on_the_matching_state_only() -> None:
    board = InstanceBoard()
    board.publish("u", {"vm_state": "building", "task_state": "spawning"})
    timer = threading.Timer(0.05, board.publish, ("u", {"vm_state": "active",
                                                       "task_state": None}))
    timer.start()
    row = board.wait_for("u", lambda r: r["vm_state"] == "active", timeout=5)
    assert row["task_state"] is None
    with pytest.raises(WaitTimeout, match="still vm_state='active'"):
        board.wait_for("u", lambda r: r["vm_state"] == "deleted", timeout=0.05)


def test_percentiles_are_nearest_rank() -> None:
    values = [i / 1000 for i in range(1, 101)]
    assert percentile(values, 50) == 0.05 and percentile(values, 99) == 0.099
    assert percentile([], 50) == 0.0
    book = LatencyBook()
    for value in values:
        book.add("build", value)
    book.fail("delete", "timed out")
    summary = book.summary()
    assert summary["build"]["p90_ms"] == 90.0 and summary["build"]["max_ms"] == 100.0
    assert summary["delete"] == {"count": 0, "failed": 1, "p50_ms": 0.0, "p90_ms": 0.0,
                                 "p99_ms": 0.0, "max_ms": 0.0}


@pytest.mark.parametrize(("steps", "message"), [
    (["reboot", "delete"], "starts with build"),
    (["build", "reboot"], "ends with delete"),
    (["build", "resize", "delete"], "unknown operation"),
])
def test_lifecycles_are_checked(steps: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_steps(steps)
