"""Acceptance: the collection's playbooks, run by real ansible-core against three containers made
from the base image (the docker connection plugin, host networking), install the harness, log it
in to Vault from a wrapped secret_id, wire a shard and a hollow fleet on every host that join the
broker; a second run and a check run change nothing; `state: absent` leaves nothing; no secret
issued on the way shows in a -vvv run."""

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import hvac
import pytest
import yaml

from credentials.kv import read_kv_key
from harness.bus.management import ManagementClient
from harness.creds.targets import SUFFIX_VARIABLE
from harness.sandbox.cloud import SandboxCloud
from harness.shards.readiness import consumers
from tests.integration.ansible.playbooks import Controller
from tests.integration.shards.harness_cli import cloud_of

# Installing the harness on three hosts and starting nine shards takes minutes on a loaded box.
pytestmark = pytest.mark.timeout(1200)
FLEET_PER_HOST = 2
TOOL = "/opt/shadow-harness/bin/harness"
BUNDLES = "/root/.local/state/shadow-harness/creds/bundles"
TOKEN_FILE = "/etc/shadow-harness/vault/token"
ABSENT = {"shard_state": "absent", "hollow_fleet_state": "absent"}
SECRET_IN_URL = re.compile(r"://[^:/@\s]+:([^@\s]+)@")


def _inventory(controller: Controller, hosts: list[str], cloud_config: Path,
               wheelhouse: Path) -> Path:
    """The three containers as shard and fleet hosts, their clouds.yaml using the token the
    vault_approle role keeps for them."""
    name, cloud = next(iter(yaml.safe_load(cloud_config.read_text())["clouds"].items()))
    host_cloud = {**cloud, "vault": {**cloud["vault"], "auth": {"method": "token",
                                                                 "token_file": TOKEN_FILE}}}
    environment = {SUFFIX_VARIABLE: os.environ[SUFFIX_VARIABLE]}
    harness_group = {
        "hosts": {host: {"shard_host": f"{host}-cmp"} for host in hosts},
        "vars": {"ansible_connection": "community.docker.docker",
                 "ansible_python_interpreter": "/usr/bin/python3",
                 "harness_source": str(Path(__file__).resolve().parents[3]),
                 "harness_wheelhouse": str(wheelhouse),
                 "harness_clouds": {name: host_cloud},
                 "vault_approle_cloud": name,
                 "vault_approle_cloud_config": str(cloud_config),
                 "vault_approle_harness": str(Path(sys.executable).parent / "harness"),
                 "shard_cloud": name, "shard_environment": environment,
                 "shard_ready_timeout": 240,
                 "hollow_fleet_cloud": name, "hollow_fleet_environment": environment,
                 "hollow_fleet_per_host": FLEET_PER_HOST, "hollow_fleet_ready_timeout": 240},
    }
    return controller.inventory("containers", {"all": {"children": {
        "harness_hosts": harness_group,
        "shard_hosts": {"hosts": {host: {} for host in hosts}},
        "fleet_hosts": {"hosts": {host: {} for host in hosts}},
    }}})


def _shards_playbook(controller: Controller) -> str:
    """The collection's shard and hollow_fleet playbooks as one."""
    path = controller.workdir / "shards.yml"
    path.write_text(yaml.safe_dump([
        {"ansible.builtin.import_playbook": "shadow.harness.shard"},
        {"ansible.builtin.import_playbook": "shadow.harness.hollow_fleet"}]))
    return str(path)


def _shard_names(hosts: list[str]) -> list[str]:
    """Every compute host the playbooks should have wired."""
    return [name for host in hosts for name in
            [f"{host}-cmp", *(f"{host}-hollow-{i}" for i in range(FLEET_PER_HOST))]]


def _exec(docker: Any, host: str, *argv: str) -> str:
    """Run a command in a container host and return its output."""
    result = docker.containers.get(host).exec_run(list(argv))
    return str(result.output.decode())


def _files(docker: Any, host: str, directory: str, name: str = "*") -> list[str]:
    """The files under a container host's directory (none when it is gone)."""
    return _exec(docker, host, "sh", "-c",
                 f"find {directory} -type f -name '{name}' 2>/dev/null").split()


def _issued_secrets(docker: Any, hosts: list[str]) -> list[str]:
    """The Vault tokens the hosts keep and every password in their shards' bundles."""
    secrets = []
    for host in hosts:
        secrets.append(_exec(docker, host, "cat", TOKEN_FILE).strip())
        for bundle in _files(docker, host, BUNDLES, "credentials.conf"):
            secrets += SECRET_IN_URL.findall(_exec(docker, host, "cat", bundle))
    return [secret for secret in secrets if secret]


def _host_processes(docker: Any, host: str) -> list[str]:
    """The harness's processes still running on a host (shards and keepers)."""
    listing = _exec(docker, host, "sh", "-c",
                    "for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $f; echo; done")
    return [line for line in listing.splitlines()
            if "harness" in line and ("hollow run" in line or "shard keep" in line)]


def test_playbooks_wire_shards_and_fleets_idempotently_and_leave_nothing(
    controller: Controller, container_hosts: list[str], wheelhouse: Path, docker: Any,
    ansible_cloud: Path, amqp_url: str, rabbit_vhost: str, rabbit_admin: ManagementClient,
    vault_root: hvac.Client,
) -> None:
    inventory = _inventory(controller, container_hosts, ansible_cloud, wheelhouse)
    sandbox = SandboxCloud.from_cloud(cloud_of(ansible_cloud))
    sandbox.start()  # its conductor answers the shards' reports
    try:
        first = controller.play("site", inventory, "-vvv")
        assert first.returncode == 0, first.failures()
        assert all(changed > 0 for changed in first.changed().values())
        names = _shard_names(container_hosts)
        assert {name: consumers(amqp_url, f"compute.{name}") for name in names} == dict.fromkeys(
            names, 1)
        assert sorted(sandbox.wait_for_hosts(len(names))) == sorted(names)

        secrets = _issued_secrets(docker, container_hosts)
        password_ref = cloud_of(ansible_cloud).bus.password
        assert password_ref is not None and password_ref.vault
        bus_password = read_kv_key(vault_root, password_ref.vault)
        assert len(secrets) >= 2 * len(container_hosts)
        assert [secret for secret in [*secrets, bus_password] if secret in first.output] == []

        second = controller.play("site", inventory)
        assert second.returncode == 0, second.failures()
        assert second.changed() == dict.fromkeys(container_hosts, 0)

        shards = _shards_playbook(controller)
        would = controller.play(shards, inventory, "--check", extra_vars=ABSENT)
        assert all(changed > 0 for changed in would.changed().values()), would.failures()
        assert consumers(amqp_url, f"compute.{names[0]}") == 1  # a check run removed nothing

        gone = controller.play(shards, inventory, extra_vars=ABSENT)
        assert gone.returncode == 0, gone.failures()
    finally:
        sandbox.stop()
    assert {name: consumers(amqp_url, f"compute.{name}") for name in names} == dict.fromkeys(
        names, 0)
    assert [q["name"] for q in rabbit_admin.queues(rabbit_vhost)
            if q["name"].startswith(("compute.", "compute_fanout_"))] == []
    for host in container_hosts:
        assert json.loads(_exec(docker, host, TOOL, "shard", "ls", "--json")) == []
        assert _host_processes(docker, host) == []
        assert _files(docker, host, BUNDLES) == []
    again = controller.play(shards, inventory, "--check", extra_vars=ABSENT)
    assert again.changed() == dict.fromkeys(container_hosts, 0), again.failures()

