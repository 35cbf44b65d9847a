"""A conductor call that fails ends only that operation: the shard and its process-mates go on;
shards spread over several connections; a host that stopped reporting gets no builds."""

import logging
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from harness.bus import ServerSet, Target, Transport
from harness.hollow import shard_set
from harness.hollow.objects import fields
from harness.hollow.shard_set import ShardOptions, ShardSet
from harness.sandbox.cloud import SandboxCloud, SandboxOptions
from tests.background import in_background


class FlakyConductor:
    """A conductor that fails one host's first Service.create, then answers everything."""

    target = Target(version="3.0")

    def __init__(self, failing_host: str) -> None:
        self.failing_host = failing_host
        self.failed = 0
        self.registered: set[str] = set()
        self.lock = threading.Lock()

    def object_action(self, ctxt: dict[str, Any], objinst: dict[str, Any], objmethod: str,
                      args: list[Any] | None = None,
                      kwargs: dict[str, Any] | None = None) -> list[Any]:
        host = fields(objinst).get("host")
        with self.lock:
            if objmethod == "create" and host == self.failing_host and not self.failed:
                self.failed += 1
                raise RuntimeError("(1213, 'Deadlock found when trying to get lock')")
            if objmethod == "create":
                self.registered.add(str(host))
        return [{}, None]


def test_a_failed_conductor_call_fails_only_that_report_and_the_shards_go_on(
        amqp_url: str, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.WARNING, logger="harness.hollow.shard_set")
    monkeypatch.setattr(shard_set, "FIRST_RETRY_PAUSE", 0.2)
    conductor = FlakyConductor("mates-1")
    transport = Transport(amqp_url, "nova")
    servers = ServerSet(transport)
    servers.add("conductor", "test", [conductor])
    servers.start()
    shards = ShardSet(amqp_url, "nova", [f"mates-{i}" for i in range(3)], {},
                      options=ShardOptions(conductor_timeout=10))
    try:
        starter, raised = in_background(shards.start)
        starter.join(60)
        assert raised == [] and not starter.is_alive()
        assert conductor.failed == 1
        assert conductor.registered == {"mates-0", "mates-1", "mates-2"}
        assert "mates-1: report-in failed" in caplog.text and "Deadlock" in caplog.text
    finally:
        shards.stop()
        servers.stop()
        transport.close()


def test_shards_spread_over_connections_and_all_serve(
        tmp_path: Path, amqp_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shard_set, "CHANNELS_PER_CONNECTION", 4)
    sandbox = SandboxCloud(amqp_url, "nova", f"sqlite:///{tmp_path / 'sandbox.sqlite'}")
    sandbox.start()
    shards = ShardSet(amqp_url, "nova", [f"spread-{i}" for i in range(10)], sandbox.endpoints)
    try:
        shards.start()
        assert len(shards.servers) == 3
        assert len(sandbox.wait_for_hosts(10)) == 10
        traffic = sandbox.traffic(("build", "delete"))
        traffic.run(10, rate=20)
        assert traffic.book.failures == {}
    finally:
        shards.stop()
        sandbox.stop()


def test_a_host_that_stopped_reporting_gets_no_builds(tmp_path: Path, amqp_url: str) -> None:
    sandbox = SandboxCloud(amqp_url, "nova", f"sqlite:///{tmp_path / 'sandbox.sqlite'}",
                           options=SandboxOptions(service_down_time=2))
    sandbox.start()
    try:
        shards = ShardSet(amqp_url, "nova", ["gone"], sandbox.endpoints,
                          options=ShardOptions(report_interval=0.5))
        shards.start()
        sandbox.wait_for_hosts(1)
        shards.stop()
        time.sleep(3)
        traffic = sandbox.traffic(("build", "delete"), timeout=30)
        begin = time.monotonic()
        traffic.run(1, rate=1)
        assert time.monotonic() - begin < 5, "the build waited for a dead host"
        assert "down since" in str(traffic.book.failures.get("build"))
    finally:
        sandbox.stop()
