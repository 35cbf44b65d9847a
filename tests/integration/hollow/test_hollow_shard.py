"""The hollow compute on real RabbitMQ: refusals, calls, versions, shadow mode, the CLI."""

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from harness.bus import Notification, RPCClient, ServerSet, Target, UnsupportedVersion
from harness.hollow.compute import HollowCompute
from harness.hollow.context import request_context
from harness.hollow.effects import EffectRecorder
from harness.hollow.resources import Resources
from harness.hollow.shard_set import ShardOptions, ShardSet
from harness.sandbox.cloud import DEFAULT_IMAGE, SandboxCloud

HARNESS = str(Path(sys.executable).parent / "harness")


class OverReportingCompute(HollowCompute):
    """A candidate with wrong resource accounting: it reports eight times its real memory."""

    def compute_node_record(self) -> dict[str, Any]:
        record = super().compute_node_record()
        record["nova_object.data"]["memory_mb"] *= 8
        return record


def _ctxt() -> dict[str, Any]:
    return request_context("user-1", "project-1")


def test_a_build_that_does_not_fit_ends_in_error_with_notifications(
        sandbox: SandboxCloud, amqp_url: str) -> None:
    seen: list[Notification] = []
    listener_set = ServerSet(sandbox.transport)
    listener_set.add_notification_listener(["notifications"], seen.append,
                                           priorities=["info", "error"])
    listener_set.start()
    shards = ShardSet(amqp_url, "nova", ["tiny"], sandbox.endpoints,
                      options=ShardOptions(capacity=Resources(1024, 8, 100)),
                      shard_factory=lambda host, services: OverReportingCompute(
                          host, services, capacity=Resources(1024, 8, 100)))
    shards.start()
    try:
        sandbox.wait_for_hosts(1)
        uuids = [sandbox.api.create(_ctxt(), DEFAULT_IMAGE) for _ in range(3)]
        rows = [sandbox.board.wait_for(u, lambda r: r["task_state"] is None, 10) for u in uuids]
        for uuid in uuids:
            sandbox.api.delete(_ctxt(), uuid)
        deleted = [sandbox.board.wait_for(u, lambda r: bool(r["deleted"]), 10) for u in uuids]
        for _ in range(50):  # the last notifications may trail the saved states a little
            if sum(n.event_type == "instance.delete.end" for n in seen) == 3:
                break
            time.sleep(0.1)
    finally:
        shards.stop()
        listener_set.stop()
    assert sorted(r["vm_state"] for r in rows) == ["active", "active", "error"]
    error_row = next(r for r in rows if r["vm_state"] == "error")
    assert "has {'memory_mb': 0" in error_row["fault"]
    assert all(r["vm_state"] == "deleted" for r in deleted)
    events = [n.event_type for n in seen]
    assert events.count("instance.delete.end") == 3
    assert events.count("instance.create.start") == 3
    assert events.count("instance.create.end") == 2
    error = next(n for n in seen if n.event_type == "instance.create.error")
    assert error.priority == "ERROR" and error.publisher_id == "compute.tiny"
    assert "needs" in error.payload["nova_object.data"]["fault"]
    assert error.ctxt["request_id"].startswith("req-")


def test_console_call_power_cycle_and_version_refusals(sandbox: SandboxCloud,
                                                       amqp_url: str) -> None:
    shards = ShardSet(amqp_url, "nova", ["h1"], sandbox.endpoints)
    shards.start()
    try:
        sandbox.wait_for_hosts(1)
        traffic = sandbox.traffic(steps=("build", "stop", "start", "reboot", "delete"))
        lifecycle = threading.Thread(target=traffic.run, args=(1, 0))
        lifecycle.start()
        lifecycle.join(30)
        assert traffic.book.failures == {}
        uuid = sandbox.api.create(_ctxt(), DEFAULT_IMAGE)
        sandbox.board.wait_for(uuid, lambda row: row["vm_state"] == "active", 10)
        console = sandbox.api.console_output(_ctxt(), uuid, tail_length=5)
        assert f"hollow guest {uuid} booted" in console
        client = RPCClient(sandbox.transport, Target(topic="compute", server="h1"), timeout=5)
        with pytest.raises(UnsupportedVersion, match=r"6\.5"):
            client.call(_ctxt(), "get_console_output", version="6.5", instance={},
                        tail_length=1)
        with pytest.raises(UnsupportedVersion, match=r"7\.0"):
            client.call(_ctxt(), "get_console_output", version="7.0", instance={},
                        tail_length=1)
    finally:
        shards.stop()


def test_shadow_mode_records_every_operation_and_touches_nothing(
        sandbox: SandboxCloud, amqp_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_MODE", "shadow")
    recorder = EffectRecorder(tmp_path / "effects", session="s1", side="candidate")
    shards = ShardSet(amqp_url, "nova", ["cmp-17"], sandbox.endpoints, recorder)
    shards.start()
    try:
        shard = shards.shards[0]
        # In shadow mode even the service record is stood in for: register the host by hand.
        monkeypatch.setenv("HARNESS_MODE", "production")
        shard.start_reporting()
        monkeypatch.setenv("HARNESS_MODE", "shadow")
        sandbox.wait_for_hosts(1)
        uuid = sandbox.api.create(_ctxt(), DEFAULT_IMAGE)
        log = tmp_path / "effects" / "cmp-17.jsonl"
        for _ in range(100):
            records = log.read_text().splitlines()
            if any("instance.create.end" in line for line in records):
                break
            time.sleep(0.1)
    finally:
        shards.stop()
    effects = [json.loads(line) for line in records]
    build = [e for e in effects if e["caused_by"]]
    assert {(e["kind"], e["method"]) for e in build} >= {
        ("hypervisor", "spawn"), ("http", "GET"), ("http", "POST"),
        ("rpc_call", "object_action"), ("notification", "instance.create.end")}
    assert all(not e["real"] and e["side"] == "candidate" and e["session"] == "s1"
               for e in build)
    # The fake hypervisor is in memory and stands in for itself, so accounting stays faithful;
    # nothing outside the process was touched (no port, no conductor write below).
    assert shard.hypervisor.guest_count() == 1
    assert sandbox.network.ports == {}
    row = sandbox.store.get_instance(uuid)
    assert (row["vm_state"], row["task_state"]) == ("building", "scheduling")


def _harness(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HARNESS, *args], capture_output=True, text=True, timeout=60, env=env)


def test_cli_refuses_bad_input_with_one_line(tmp_path: Path) -> None:
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text("clouds:\n  t:\n    bus:\n      url: amqp://guest@127.0.0.1:5672/\n")
    env = {"PATH": "/usr/bin:/bin", "HARNESS_STATE_DIR": str(tmp_path / "state")}
    missing = _harness("--cloud-config", str(clouds), "hollow", "run", "--cloud", "nope",
                       "--host", "h", env=env)
    assert missing.returncode == 2 and "cloud 'nope' not found" in missing.stderr
    no_endpoints = _harness("--cloud-config", str(clouds), "hollow", "run", "--cloud", "t",
                            "--host", "h", env=env)
    assert no_endpoints.returncode == 2
    assert "field endpoints: no image, network endpoint" in no_endpoints.stderr
    bad_steps = _harness("--cloud-config", str(clouds), "sandbox", "boot", "--cloud", "t",
                         "--count", "1", "--steps", "build,reboot", env=env)
    assert bad_steps.returncode == 2 and "--steps: a lifecycle" in bad_steps.stderr
