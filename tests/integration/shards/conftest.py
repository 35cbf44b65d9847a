"""Fixtures for shard tests: a throwaway cloud with Vault bootstrapped."""

import socket
from collections.abc import Iterator
from pathlib import Path

import hvac
import pytest
import yaml

from credentials.bootstrap import bootstrap
from credentials.layout import VaultLayout
from harness.config import load_cloud
from harness.creds.targets import bootstrap_plan
from harness.dev.services.rabbitmq import local_bus
from tests.conftest import ROOT_TOKEN_FILE, unique


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def shard_cloud(tmp_path: Path, rabbit_vhost: str, mariadb_database: str, state_dir: Path,
                vault_layout: VaultLayout, vault_root: hvac.Client) -> Iterator[Path]:
    """A cloud on the test's vhost and database, with Vault bootstrapped for it."""
    name = unique("sc")
    cloud = {
        "bus": local_bus(rabbit_vhost),
        "vault": {"address": "http://127.0.0.1:8200",
                  "auth": {"method": "token", "token_file": str(ROOT_TOKEN_FILE)},
                  "lease_ttl": 60, "max_lease_ttl": 300},
        "database": {"url": mariadb_database},
        "endpoints": {"image": f"http://127.0.0.1:{free_port()}/",
                      "network": f"http://127.0.0.1:{free_port()}/"},
        "rpc_version_caps": {"compute": "6.4"},
    }
    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump({"clouds": {name: cloud}}))
    loaded = load_cloud(name, path)
    bootstrap(vault_root, bootstrap_plan(loaded, vault_layout))
    yield path
    vault_root.adapter.delete(f"/v1/{vault_layout.database}/config/{name}")
