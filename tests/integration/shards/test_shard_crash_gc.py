"""kill -9 of a shard, or of the harness in the middle of `shard up`: `harness gc` leaves nothing
(no process, no login for the shard's broker user, no Vault role, no bundle, no queue)."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import hvac
import hvac.exceptions
import pytest

from harness.bus.management import ManagementClient
from harness.creds import state as creds_state
from harness.launchers import ShardHandle, get_launcher
from harness.procinfo import start_time
from harness.sandbox.cloud import SandboxCloud
from harness.sessions import Session, SessionStore
from harness.sessions.model import shard_handles
from tests.integration.shards.harness_cli import cloud_of, harness, shard_login


def gc(config: Path) -> dict[str, list[str]]:
    removed: dict[str, list[str]] = json.loads(harness(config, "gc", "--json").stdout)["removed"]
    return removed


def process_alive(ref: str) -> bool:
    pid, _, started = ref.partition(":")
    return start_time(int(pid)) == started


def vault_roles(session_id: str) -> list[str]:
    """The Vault role paths the session's credentials were issued from."""
    state = creds_state.load_session(session_id)
    return [f"{r.mount}/roles/{r.name}" for shard in state.shards for r in shard.roles]


def role_exists(vault: hvac.Client, path: str) -> bool:
    try:
        vault.adapter.get(f"/v1/{path}")
    except hvac.exceptions.InvalidPath:
        return False
    return True


def assert_all_gone(session_id: str, can_login: Callable[[], bool], roles: list[str],
                    vault: hvac.Client, admin: ManagementClient, vhost: str,
                    state_dir: Path) -> None:
    """Nothing of the session is left: login, roles, bundles, queues, session files."""
    assert not can_login()
    assert [r for r in roles if role_exists(vault, r)] == []
    assert not (state_dir / "creds" / "bundles" / session_id).exists()
    assert not creds_state.state_path(session_id).exists()
    queues = {q["name"]: q for q in admin.queues(vhost)}
    assert {"compute.cmp-k", "compute.cmp-m"} & set(queues) == set()
    # A fanout queue (random name) is known only once the broker's consumer statistics list
    # it, seconds later; one the session could not name must at least expire by itself.
    assert all(q["arguments"].get("x-expires") for name, q in queues.items()
               if name.startswith("compute_fanout_"))
    assert [s.id for s in SessionStore().all()] == []


def test_kill_9_of_a_shard_shows_dead_and_gc_removes_everything(
    shard_cloud: Path, rabbit_vhost: str, rabbit_admin: ManagementClient,
    vault_root: hvac.Client, state_dir: Path,
) -> None:
    cloud = cloud_of(shard_cloud)
    with SandboxCloud.from_cloud(cloud):
        up = harness(shard_cloud, "shard", "up", "--cloud", cloud.name, "--host", "cmp-k",
                     "--json")
    session_id = json.loads(up.stdout)["session"]
    handle = ShardHandle.from_dict(json.loads(up.stdout)["shards"][0])
    keeper = SessionStore().get(session_id).of_kind("keeper")[0].data["ref"]
    can_login, roles = shard_login(session_id, "cmp-k"), vault_roles(session_id)
    assert can_login() and process_alive(keeper) and roles
    assert all(role_exists(vault_root, r) for r in roles)

    os.kill(int(handle.ref.partition(":")[0]), signal.SIGKILL)

    listing = json.loads(harness(shard_cloud, "shard", "ls", "--json").stdout)
    assert [(r["session"], r["state"]) for r in listing] == [(session_id, "dead")]
    removed = gc(shard_cloud)[session_id]
    assert "shard cmp-k (process)" in removed and "queue compute.cmp-k" in removed
    assert not process_alive(keeper)
    assert not get_launcher("process").alive(handle)
    assert_all_gone(session_id, can_login, roles, vault_root, rabbit_admin, rabbit_vhost,
                    state_dir)
    assert gc(shard_cloud) == {}


def wait_for_launched_shard(harness_process: subprocess.Popen[str]) -> Session:
    """The session of a `shard up` in progress, once its shard process runs."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert harness_process.poll() is None, harness_process.communicate()
        for session in SessionStore().all():
            handles = shard_handles(session)
            if handles and all(get_launcher(h.launcher).alive(h) for h in handles):
                return session
        time.sleep(0.05)
    pytest.fail("shard up never launched its shard")


def test_kill_9_of_the_harness_mid_up_is_collected(
    shard_cloud: Path, rabbit_vhost: str, rabbit_admin: ManagementClient,
    vault_root: hvac.Client, state_dir: Path,
) -> None:
    cloud = cloud_of(shard_cloud)
    # No conductor runs: the shard never reports in, so `shard up` waits until it is killed.
    up = subprocess.Popen([sys.executable, "-m", "harness", "--cloud-config", str(shard_cloud),
                           "shard", "up", "--cloud", cloud.name, "--host", "cmp-m"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        session = wait_for_launched_shard(up)
    finally:
        up.send_signal(signal.SIGKILL)
        up.communicate(timeout=30)
    assert session.state == "starting" and session.of_kind("keeper") == []
    handle = shard_handles(session)[0]
    can_login, roles = shard_login(session.id, "cmp-m"), vault_roles(session.id)
    assert can_login() and all(role_exists(vault_root, r) for r in roles)
    deadline = time.monotonic() + 10  # the shard declares its queue right after it starts
    while "compute.cmp-m" not in {q["name"] for q in rabbit_admin.queues(rabbit_vhost)}:
        assert time.monotonic() < deadline, "the shard never declared compute.cmp-m"
        time.sleep(0.1)

    removed = gc(shard_cloud)[session.id]

    assert "shard cmp-m (process)" in removed
    assert not get_launcher("process").alive(handle)
    assert_all_gone(session.id, can_login, roles, vault_root, rabbit_admin, rabbit_vhost,
                    state_dir)
    assert gc(shard_cloud) == {}
