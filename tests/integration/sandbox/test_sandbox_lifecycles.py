"""Acceptance: the sandbox and 3 hollow shards (2 here, 1 in a subprocess) on RabbitMQ and
MariaDB run 100 lifecycles cleanly, the database ends right, and every effect is tied to its
triggering message."""

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from harness.bus import SentMessage
from harness.hollow.effects import EffectRecorder
from harness.hollow.shard_set import ShardOptions, ShardSet
from harness.sandbox.cloud import SandboxCloud
from harness.sandbox.schema import compute_nodes, instances, services
from tests.integration.sandbox.conftest import HollowProcess, write_clouds_yaml

LIFECYCLES = 100
BUILD_EFFECTS = {("notification", "instance.create.start"), ("http", "GET"), ("http", "POST"),
                 ("hypervisor", "spawn"), ("rpc_call", "object_action"),
                 ("notification", "instance.create.end")}
DELETE_EFFECTS = {("notification", "instance.delete.start"), ("hypervisor", "destroy"),
                  ("http", "DELETE"), ("rpc_call", "object_action"),
                  ("notification", "instance.delete.end")}
REBOOT_EFFECTS = {("notification", "instance.reboot.start"), ("hypervisor", "reboot"),
                  ("rpc_call", "object_action"), ("notification", "instance.reboot.end")}
EXPECTED = {"build_and_run_instance": BUILD_EFFECTS, "terminate_instance": DELETE_EFFECTS,
            "reboot_instance": REBOOT_EFFECTS}


def _effects(directory: Path) -> dict[str, list[dict[str, Any]]]:
    return {path.stem: [json.loads(line) for line in path.read_text().splitlines()]
            for path in sorted(directory.glob("*.jsonl"))}


def test_hundred_lifecycles_across_two_processes(
        tmp_path: Path, amqp_url: str, rabbit_vhost: str, mariadb_database: str,
        bus_password_file: Path, hollow_processes: list[HollowProcess],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_MODE", "record")
    sandbox = SandboxCloud(amqp_url, "nova", mariadb_database)
    effects_dir = tmp_path / "effects"
    sent: list[SentMessage] = []
    sandbox.start()
    try:
        sandbox.transport.observers.append(sent.append)
        clouds = write_clouds_yaml(tmp_path / "clouds.yaml", "t", rabbit_vhost,
                                   bus_password_file, endpoints=sandbox.endpoints)
        hollow_processes.append(HollowProcess(
            ["--cloud-config", str(clouds), "hollow", "run", "--cloud", "t", "--host", "sub",
             "--effects-dir", str(effects_dir)], tmp_path / "state"))
        shards = ShardSet(amqp_url, "nova", ["local-0", "local-1"], sandbox.endpoints,
                          EffectRecorder(effects_dir), ShardOptions(report_interval=2))
        shards.start()
        try:
            assert sorted(sandbox.wait_for_hosts(3)) == ["local-0", "local-1", "sub"]
            traffic = sandbox.traffic()
            traffic.run(LIFECYCLES, rate=10)
        finally:
            shards.stop()
        code, stderr = hollow_processes[0].terminate()
    finally:
        sandbox.stop()

    assert traffic.book.failures == {}
    assert {op: row["count"] for op, row in traffic.book.summary().items()} == {
        "build": LIFECYCLES, "reboot": LIFECYCLES, "delete": LIFECYCLES}
    assert code == 0, stderr
    assert "hollow: stopped" in stderr

    engine = create_engine(mariadb_database)
    with engine.connect() as conn:
        rows = conn.execute(select(instances)).mappings().all()
        hosts = {r.host for r in conn.execute(select(compute_nodes))}
        beats = {r.host: r.report_count for r in conn.execute(select(services))}
    engine.dispose()
    assert len(rows) == LIFECYCLES
    assert {(r["vm_state"], r["task_state"], bool(r["deleted"])) for r in rows} == {
        ("deleted", None, True)}
    assert all(r["launched_at"] and r["terminated_at"] for r in rows)
    placed = {r["host"] for r in rows}
    assert placed == hosts == {"local-0", "local-1", "sub"}
    assert beats["local-0"] >= 1

    casts = {m.message["_unique_id"]: m.message for m in sent if m.kind == "cast"}
    assert len(casts) == 3 * LIFECYCLES
    by_cause: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for host, records in _effects(effects_dir).items():
        assert host in placed
        assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
        for record in records:
            assert record["shard"] == host and record["request_id"].startswith("req-")
            if record["caused_by"] is None:  # periodic work: heartbeats and resource reports
                assert record["kind"] == "rpc_call"
                continue
            cause = casts[record["caused_by"]]
            assert record["request_id"] == cause["_context_request_id"]
            by_cause[record["caused_by"]].add((record["kind"], record["method"]))
    assert set(by_cause) == set(casts)
    for unique_id, message in casts.items():
        assert EXPECTED[message["method"]] <= by_cause[unique_id], message["method"]
