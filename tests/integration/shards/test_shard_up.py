"""Acceptance: `harness shard up` joins the sandbox cloud as a process and as a container,
takes builds from its scheduler, and `shard down` leaves nothing behind."""

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from harness.bus.management import ManagementClient
from harness.creds import state as creds_state
from harness.launchers import ShardHandle, get_launcher
from harness.launchers.base import CREDENTIALS_MOUNT
from harness.sandbox.cloud import SandboxCloud
from harness.sandbox.schema import instances
from harness.system.containers import docker_client
from tests.integration.shards.harness_cli import (
    cloud_of,
    harness,
    shard_login,
)


def readable_by_shard(handle: ShardHandle, path: str) -> bool:
    """Whether the shard, as its own uid and in its own mounts, may read the file."""
    if handle.launcher == "docker":
        return bool(docker_client().containers.get(handle.ref).exec_run(
            ["test", "-r", path]).exit_code == 0)
    pid, uid = handle.ref.partition(":")[0], str(handle.uid)
    return subprocess.run(["nsenter", "--target", pid, "--mount", "--setuid", uid, "--setgid",
                           uid, "test", "-r", path], check=False).returncode == 0


@pytest.mark.parametrize("launcher", ["process", "docker"])
def test_shard_up_takes_builds_and_down_leaves_nothing(
    launcher: str, shard_cloud: Path, rabbit_vhost: str, rabbit_admin: ManagementClient,
    request: pytest.FixtureRequest,
) -> None:
    cloud = cloud_of(shard_cloud)
    sandbox = SandboxCloud.from_cloud(cloud)
    sandbox.start()
    try:
        extra = ["--image", request.getfixturevalue("hollow_image")] if launcher == "docker" else []
        up = harness(shard_cloud, "shard", "up", "--cloud", cloud.name, "--host", "cmp-a",
                     "--json", *extra)
        started: dict[str, Any] = json.loads(up.stdout)
        handle = ShardHandle.from_dict(started["shards"][0])
        assert handle.launcher == launcher and get_launcher(launcher).alive(handle)

        listing = json.loads(harness(shard_cloud, "shard", "ls", "--json").stdout)
        assert [(r["shard"], r["state"]) for r in listing] == [("cmp-a", "running")]

        # A second shard for the same host would split its work queue: refused.
        again = harness(shard_cloud, "shard", "up", "--cloud", cloud.name, "--host", "cmp-a",
                        check=False)
        assert again.returncode == 2 and "already has a consumer" in again.stderr

        assert sandbox.wait_for_hosts(1) == ["cmp-a"]
        traffic = sandbox.traffic(steps=("build", "delete"), timeout=30)
        traffic.run(4, rate=4)
        assert traffic.book.failures == {}
        with sandbox.store.engine.connect() as conn:
            placed = conn.execute(select(instances.c.host, instances.c.vm_state)).all()
        assert len(placed) == 4 and set(placed) == {("cmp-a", "deleted")}

        shard_can_login = shard_login(started["session"], "cmp-a")
        assert shard_can_login()
        # The certificate the bundle names is where the shard, host or container, finds it.
        cert = next(line.split(" = ", 1)[1] for line in (creds_state.bundles_dir(
            started["session"], "cmp-a") / "credentials.conf").read_text().splitlines()
            if line.startswith("cert_file = "))
        assert cert.startswith(CREDENTIALS_MOUNT + "/")
        assert readable_by_shard(handle, cert)

        down = harness(shard_cloud, "shard", "down", started["session"])
        assert "removed shard cmp-a" in down.stdout
    finally:
        sandbox.stop()
    assert not get_launcher(launcher).alive(handle)
    assert [h for h in get_launcher(launcher).discover() if h.session == started["session"]] == []
    queues = {q["name"] for q in rabbit_admin.queues(rabbit_vhost)}
    assert "compute.cmp-a" not in queues
    assert not any(q.startswith("compute_fanout_") for q in queues)
    assert not shard_can_login()
    assert json.loads(harness(shard_cloud, "shard", "ls", "--json").stdout) == []


def test_down_right_after_up_still_finds_the_fanout_queue(
    shard_cloud: Path, rabbit_vhost: str, rabbit_admin: ManagementClient,
) -> None:
    """Inside the broker's statistics interval the shard's consumers are not listed yet;
    teardown waits for them rather than leave its randomly named fanout queue behind."""
    cloud = cloud_of(shard_cloud)
    sandbox = SandboxCloud.from_cloud(cloud)
    sandbox.start()  # its conductor answers the shard's readiness report
    try:
        up = harness(shard_cloud, "shard", "up", "--cloud", cloud.name, "--host", "cmp-b",
                     "--json")
        session = json.loads(up.stdout)["session"]
        assert any(q.startswith("compute_fanout_")
                   for q in (q["name"] for q in rabbit_admin.queues(rabbit_vhost)))
        harness(shard_cloud, "shard", "down", session)
    finally:
        sandbox.stop()
    queues = {q["name"] for q in rabbit_admin.queues(rabbit_vhost)}
    assert not any(q.startswith(("compute_fanout_", "compute.cmp-b")) for q in queues)
