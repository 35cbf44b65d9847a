"""Replies through RabbitMQ's firehose: opt-in, compared like every other effect, and switched
off at teardown only where the session switched it on."""

import json
import time
from pathlib import Path
from typing import Any

from harness.bus.management import ManagementClient
from harness.hollow.shard_set import ShardSet
from harness.sandbox.cloud import SandboxCloud
from tests.integration.shadow.conftest import start_session, status
from tests.integration.shards.harness_cli import harness


def _report(config: Path, session: str) -> dict[str, Any]:
    done = harness(config, "shadow", "report", session, "--format", "json", check=False)
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def test_changed_reply_is_found_and_the_firehose_goes_back_off(
    shard_cloud: Path, production: tuple[SandboxCloud, ShardSet],
    rabbit_vhost: str, rabbit_admin: ManagementClient,
) -> None:
    sandbox, _ = production
    assert not rabbit_admin.tracing(rabbit_vhost)
    session = start_session(shard_cloud, "--firehose", candidate="hollow:changed-reply")
    assert rabbit_admin.tracing(rabbit_vhost)
    traffic = sandbox.traffic(steps=("build", "console", "delete"), timeout=30)
    traffic.run(6, rate=6)
    assert traffic.book.failures == {}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and min(
            status(shard_cloud, session).get(f"{side}_replies_seen", 0)
            for side in ("production", "candidate")) < 6:
        time.sleep(0.5)
    live = status(shard_cloud, session)
    assert live["production_replies_seen"] == live["candidate_replies_seen"] == 6
    harness(shard_cloud, "shadow", "stop", session)

    assert not rabbit_admin.tracing(rabbit_vhost)
    assert not [q["name"] for q in rabbit_admin.queues(rabbit_vhost)
                if q["name"].startswith(("harness.replies", "harness.mirror", "harness.tap"))]
    report = _report(shard_cloud, session)
    assert report["observable"]["rpc_reply"]
    named = {(m["category"], m["effect"], m["path"]) for m in report["mismatches"]}
    assert ("value", "rpc_reply:caller:get_console_output", "result") in named, named
    assert report["methods"]["get_console_output"]["compared"] == 6


def test_a_firehose_already_on_stays_on(
    shard_cloud: Path, production: tuple[SandboxCloud, ShardSet],
    rabbit_vhost: str, rabbit_admin: ManagementClient,
) -> None:
    rabbit_admin.set_tracing(rabbit_vhost, True)  # someone else's tracing, before the session
    try:
        session = start_session(shard_cloud, "--firehose", candidate="hollow")
        harness(shard_cloud, "shadow", "stop", session)
        assert rabbit_admin.tracing(rabbit_vhost)
    finally:
        rabbit_admin.set_tracing(rabbit_vhost, False)

