"""`shard up` through a warm agent: the client owns the session as if it had run it, a client
that goes away has the agent tear down first, and a dead agent's work is collected by gc."""

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import hvac
import pytest

from harness.bus.management import ManagementClient
from harness.launchers import get_launcher
from harness.sandbox.cloud import SandboxCloud
from harness.sessions import Session, SessionStore
from harness.sessions.model import shard_handles
from harness.system.process import pid_alive
from tests.background import interruptible
from tests.integration.shards.harness_cli import cloud_of, harness, shard_login
from tests.integration.shards.test_shard_crash_gc import (
    assert_all_gone,
    gc,
    vault_roles,
    wait_for_launched_shard,
)


@pytest.fixture
def agent(shard_cloud: Path, state_dir: Path) -> Iterator[int]:
    """A running agent for the test's state directory; its pid."""
    started = json.loads(harness(shard_cloud, "agent", "start", "--json").stdout)
    pid = int(started["pid"])
    yield pid
    served = pid_alive(pid)  # not when the test killed it
    harness(shard_cloud, "agent", "stop")
    assert not pid_alive(pid)
    assert not served or not (state_dir / "agent" / "agent.sock").exists()


def agent_requests(config: Path) -> int:
    status = json.loads(harness(config, "agent", "status", "--json").stdout)
    return int(status["requests"])


def unfinished_up(config: Path, host: str) -> tuple[subprocess.Popen[str], Session]:
    """`shard up` of a shard that never reports in (no conductor runs), so it waits for ever;
    returned once the shard runs, with its session."""
    up = subprocess.Popen([sys.executable, "-m", "harness", "--cloud-config", str(config),
                           "shard", "up", "--cloud", cloud_of(config).name, "--host", host],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          preexec_fn=interruptible)
    return up, wait_for_launched_shard(up)


def test_shard_up_through_the_agent_is_the_clients_and_down_leaves_nothing(
    shard_cloud: Path, agent: int, rabbit_vhost: str, rabbit_admin: ManagementClient,
    vault_root: hvac.Client, state_dir: Path,
) -> None:
    cloud = cloud_of(shard_cloud)
    with SandboxCloud.from_cloud(cloud):
        up = harness(shard_cloud, "shard", "up", "--cloud", cloud.name, "--host", "cmp-k",
                     "--json")
        again = harness(shard_cloud, "shard", "up", "--cloud", cloud.name, "--host", "cmp-k",
                        check=False)
    assert agent_requests(shard_cloud) == 2
    assert again.returncode == 2 and "already has a consumer on compute.cmp-k" in again.stderr
    session = SessionStore().get(json.loads(up.stdout)["session"])
    assert session.state == "running" and session.owner_pid != agent
    assert not session.owner_alive()  # its owner was the client, which has exited
    handle = shard_handles(session)[0]
    assert get_launcher("process").alive(handle)
    listing = json.loads(harness(shard_cloud, "shard", "ls", "--json").stdout)
    assert [(r["shard"], r["state"]) for r in listing] == [("cmp-k", "running")]
    can_login, roles = shard_login(session.id, "cmp-k"), vault_roles(session.id)
    assert can_login()

    harness(shard_cloud, "shard", "down", session.id)

    assert not get_launcher("process").alive(handle)
    assert_all_gone(session.id, can_login, roles, vault_root, rabbit_admin, rabbit_vhost,
                    state_dir)


def test_ctrl_c_of_the_client_has_the_agent_tear_down_before_the_client_exits(
    shard_cloud: Path, agent: int, rabbit_vhost: str, rabbit_admin: ManagementClient,
    vault_root: hvac.Client, state_dir: Path,
) -> None:
    up, session = unfinished_up(shard_cloud, "cmp-m")
    handle = shard_handles(session)[0]
    can_login, roles = shard_login(session.id, "cmp-m"), vault_roles(session.id)
    assert can_login()

    up.send_signal(signal.SIGINT)
    _, err = up.communicate(timeout=90)

    assert up.returncode == 2 and "aborted" in err, err
    assert not get_launcher("process").alive(handle)
    assert_all_gone(session.id, can_login, roles, vault_root, rabbit_admin, rabbit_vhost,
                    state_dir)
    assert agent_requests(shard_cloud) == 1  # and it still serves


def test_kill_9_of_the_agent_mid_up_fails_the_client_and_gc_collects(
    shard_cloud: Path, agent: int, rabbit_vhost: str, rabbit_admin: ManagementClient,
    vault_root: hvac.Client, state_dir: Path,
) -> None:
    up, session = unfinished_up(shard_cloud, "cmp-m")
    can_login, roles = shard_login(session.id, "cmp-m"), vault_roles(session.id)

    os.kill(agent, signal.SIGKILL)
    _, err = up.communicate(timeout=30)

    assert up.returncode == 3 and "agent died before answering" in err
    assert "shard cmp-m (process)" in gc(shard_cloud)[session.id]
    assert not get_launcher("process").alive(shard_handles(session)[0])
    assert_all_gone(session.id, can_login, roles, vault_root, rabbit_admin, rabbit_vhost,
                    state_dir)
