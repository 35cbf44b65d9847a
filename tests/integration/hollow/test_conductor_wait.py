"""A hollow shard started before its conductor waits for it, as nova-compute does, and a stop
ends that wait at once."""

import logging
import threading
import time
from pathlib import Path

import pytest

from harness.hollow.shard_set import ShardOptions, ShardSet
from harness.sandbox.cloud import SandboxCloud

WAITING = "timed out waiting for the conductor"


def start_in_background(shards: ShardSet,
                        stop: threading.Event | None = None) -> tuple[threading.Thread,
                                                                      list[BaseException]]:
    """ShardSet.start on a thread of its own; the thread and what it raised, if anything."""
    raised: list[BaseException] = []

    def start() -> None:
        try:
            shards.start(stop)
        except BaseException as error:
            raised.append(error)

    starter = threading.Thread(target=start, daemon=True)
    starter.start()
    return starter, raised


def test_a_shard_started_before_its_conductor_waits_and_then_reports_in(
        tmp_path: Path, amqp_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="harness.hollow.shard_set")
    shards = ShardSet(amqp_url, "nova", ["early"], {},
                      options=ShardOptions(conductor_timeout=0.3))
    starter, raised = start_in_background(shards)
    try:
        deadline = time.monotonic() + 30
        while caplog.text.count(WAITING) < 2 and not raised and time.monotonic() < deadline:
            time.sleep(0.05)
        assert raised == [] and caplog.text.count(WAITING) >= 2, (raised, caplog.text)
        assert "early: " + WAITING in caplog.text and starter.is_alive()

        sandbox = SandboxCloud(amqp_url, "nova", f"sqlite:///{tmp_path / 'sandbox.sqlite'}")
        sandbox.start()
        try:
            starter.join(60)
            assert not starter.is_alive() and raised == []
            sandbox.wait_for_hosts(1)
        finally:
            sandbox.stop()
    finally:
        shards.stop()


def test_stopping_a_shard_that_waits_for_its_conductor_ends_the_wait(amqp_url: str) -> None:
    shards = ShardSet(amqp_url, "nova", ["early"], {},
                      options=ShardOptions(conductor_timeout=600))
    called = threading.Event()
    shards.transport.observers.append(lambda sent: called.set() if sent.kind == "call" else None)
    stop = threading.Event()
    starter, raised = start_in_background(shards, stop)
    try:
        assert called.wait(30)  # Service.create is out: the shard waits for its reply
        stop.set()
        starter.join(30)
        assert not starter.is_alive(), "start waits out the conductor's 600 s timeout"
        assert raised == []
    finally:
        shards.stop()
