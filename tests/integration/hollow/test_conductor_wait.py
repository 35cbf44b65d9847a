"""A hollow shard started before its conductor waits for it, as nova-compute does, and a stop
ends that wait at once."""

import logging
import threading
import time
from pathlib import Path

import pytest

from harness.hollow.shard_set import ShardOptions, ShardSet
from harness.sandbox.cloud import SandboxCloud
from tests.background import in_background

WAITING = "timed out waiting for the conductor"


def test_a_shard_started_before_its_conductor_waits_and_then_reports_in(
        tmp_path: Path, amqp_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="harness.hollow.shard_set")
    shards = ShardSet(amqp_url, "nova", ["early"], {},
                      options=ShardOptions(conductor_timeout=0.3))
    starter, raised = in_background(shards.start)
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
    starter, raised = in_background(lambda: shards.start(stop))
    try:
        assert called.wait(30)  # Service.create is out: the shard waits for its reply
        stop.set()
        starter.join(30)
        assert not starter.is_alive(), "start waits out the conductor's 600 s timeout"
        assert raised == []
    finally:
        shards.stop()
