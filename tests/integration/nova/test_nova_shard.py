"""Acceptance: `shard up --nova` joins a real nova-compute to the local nova cloud with
Vault-issued credentials confined to what nova-compute needs; servers booted through nova-api
land on it; `shard down` leaves no process, queue, record, provider or working login."""

import json
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import amqp
import yaml

from harness.bus.management import ManagementClient
from harness.config import load_cloud
from harness.creds import state as creds_state
from harness.launchers import ShardHandle, get_launcher
from harness.nova.layout import VHOST, endpoint
from harness.nova.rest import compute_client, compute_services, placement_client, resource_providers
from harness.nova.shard import host_mapped
from harness.system.containers import docker_client as docker_engine
from tests.integration.nova.servers import boot_server
from tests.integration.shards.harness_cli import harness, shard_login

REFUSED = (amqp.exceptions.AccessRefused, amqp.exceptions.NotAllowed)
SERVERS = 20


def _bundle_login(session: str, host: str) -> tuple[str, str]:
    """The broker user and password the shard was issued (read from its bundle)."""
    bundle = creds_state.bundles_dir(session, host) / "credentials.conf"
    url = bundle.read_text().split("transport_url = ")[1].split()[0].replace("$$", "$")
    login = url.split("//", 1)[1].split("@", 1)[0]
    user, password = login.split(":", 1)
    return user, password


def _refused(user: str, password: str, attempt: Callable[[amqp.Channel], Any]) -> bool:
    """Whether the broker refuses one operation of this user in the nova vhost."""
    conn = amqp.Connection("127.0.0.1:5672", userid=user, password=password,
                           virtual_host=VHOST, connect_timeout=5)
    conn.connect()
    try:
        attempt(conn.channel())
        conn.drain_events(timeout=0.5)  # a refused publish arrives as a channel close
    except REFUSED:
        return True
    except TimeoutError:
        return False
    finally:
        conn.close()
    return False


def test_real_compute_joins_takes_builds_and_leaves_nothing(
        nova_config: Path, rabbit_admin: ManagementClient) -> None:
    host = f"cmp-{uuid.uuid4().hex[:6]}"
    up = harness(nova_config, "shard", "up", "--cloud", "nova-test", "--host", host, "--nova",
                 "--no-agent", "--ready-timeout", "120", "--json")
    started = json.loads(up.stdout)
    session, handle = started["session"], ShardHandle.from_dict(started["shards"][0])
    try:
        assert get_launcher("process").alive(handle)
        conf = (creds_state.bundles_dir(session, host) / "nova-compute.conf").read_text()
        assert "[database]" not in conf and "fake.PredictableNodeUUIDDriver" in conf
        # Servers booted through nova-api land on it (this test's host is the only one up): ready
        # means mapped to a cell too, so the first build already can.
        with ThreadPoolExecutor(4) as pool:
            hosts = list(pool.map(lambda _: boot_server(), range(SERVERS)))
        assert hosts == [host] * SERVERS
        # `sandbox boot` drives whole lifecycles through nova-api and reports percentiles.
        boot = harness(nova_config, "sandbox", "boot", "--cloud", "nova-test", "--count", "4",
                       "--rate", "4", "--timeout", "120", "--json")
        operations = json.loads(boot.stdout)["operations"]
        assert {name: row["count"] for name, row in operations.items()} == {
            "build": 4, "reboot": 4, "delete": 4}

        user, password = _bundle_login(session, host)
        for attempt in (
            lambda ch: ch.basic_get("conductor"),
            lambda ch: ch.basic_get("scheduler"),
            lambda ch: ch.basic_get("compute.another-host"),
            lambda ch: ch.queue_declare("compute.another-host", auto_delete=True),
            lambda ch: ch.exchange_declare("other", "topic"),
            lambda ch: ch.queue_bind(f"compute_fanout_{uuid.uuid4().hex}", "scheduler_fanout",
                                     "x"),
            lambda ch: ch.basic_publish(amqp.Message("x"), "amq.topic", "conductor"),
        ):
            assert _refused(user, password, attempt)
        can_login = shard_login(session, host)
        assert can_login()
    finally:
        harness(nova_config, "shard", "down", session)

    assert not get_launcher("process").alive(handle)
    assert not can_login()
    assert not any(f".{host}" in q["name"] for q in rabbit_admin.queues(VHOST))
    assert compute_services(compute_client(endpoint("compute")), host) == []
    assert resource_providers(placement_client(endpoint("placement")), host) == []
    assert compute_client(endpoint("compute")).get(
        f"/servers?all_tenants=1&host={host}")["servers"] == []


def test_real_compute_in_a_container_goes_ready_and_leaves_nothing(
        nova_config: Path, rabbit_admin: ManagementClient) -> None:
    host = f"cmp-{uuid.uuid4().hex[:6]}"
    up = harness(nova_config, "shard", "up", "--cloud", "nova-test", "--host", host, "--nova",
                 "--launcher", "docker", "--no-agent", "--ready-timeout", "180", "--json")
    started = json.loads(up.stdout)
    session, handle = started["session"], ShardHandle.from_dict(started["shards"][0])
    docker = get_launcher("docker")
    try:
        assert docker.alive(handle)
        # Ready means mapped to a cell too; the image's Python runs the mounted venv's nova.
        assert host_mapped(load_cloud("nova-test", nova_config), host)
        assert docker_engine().containers.get(handle.ref).attrs["Config"]["Cmd"][0] == (
            "python3.11")
    finally:
        harness(nova_config, "shard", "down", session)
    assert not docker.alive(handle)
    assert not docker_engine().containers.list(all=True, filters={"id": handle.ref})
    assert not any(f".{host}" in q["name"] for q in rabbit_admin.queues(VHOST))
    assert compute_services(compute_client(endpoint("compute")), host) == []
    assert resource_providers(placement_client(endpoint("placement")), host) == []


def test_a_path_without_nova_is_refused_and_leaves_nothing(nova_config: Path,
                                                           tmp_path: Path) -> None:
    empty = tmp_path / "not-nova"
    empty.mkdir()
    done = harness(nova_config, "shard", "up", "--cloud", "nova-test", "--host", "cmp-x",
                   "--nova", str(empty), "--no-agent", check=False)
    assert done.returncode == 2 and "neither a virtual environment" in done.stderr
    assert json.loads(harness(nova_config, "shard", "ls", "--json").stdout) == []


def test_a_nova_older_than_the_clouds_caps_is_refused_naming_both(nova_config: Path) -> None:
    data = yaml.safe_load(nova_config.read_text())
    data["clouds"]["nova-test"]["rpc_version_caps"]["compute"] = "6.9"
    nova_config.write_text(yaml.safe_dump(data))
    done = harness(nova_config, "shard", "up", "--cloud", "nova-test", "--host", "cmp-x",
                   "--nova", "--no-agent", check=False)
    assert done.returncode == 2
    assert "compute RPC 6.5" in done.stderr and "6.9" in done.stderr
    assert json.loads(harness(nova_config, "shard", "ls", "--json").stdout) == []
