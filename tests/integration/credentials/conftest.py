"""Credentials test fixtures: a private Vault layout, a throwaway cloud, a private state dir."""

from pathlib import Path

import hvac
import pytest
import yaml

from credentials.bootstrap import BootstrapPlan, bootstrap
from credentials.layout import VaultLayout
from harness.config import Cloud, load_cloud
from harness.creds.targets import bootstrap_plan
from harness.dev.services.openbao import ADDRESS, root_token_file
from harness.dev.services.rabbitmq import local_bus

# Resolved now: tests point HARNESS_STATE_DIR elsewhere, which moves root_token_file().
ROOT_TOKEN_FILE = str(root_token_file())


@pytest.fixture
def layout(vault_layout: VaultLayout) -> VaultLayout:
    """This test's own Vault layout (see tests/conftest.py)."""
    return vault_layout


def write_clouds(path: Path, name: str, database_url: str, vault: dict[str, object],
                 ttl: int = 60, max_ttl: int = 120) -> Path:
    """A clouds.yaml with one cloud on the local services; secrets only by reference."""
    cloud = {
        "bus": local_bus(""),
        "vault": {**vault, "lease_ttl": ttl, "max_lease_ttl": max_ttl},
        "database": {"url": database_url},
    }
    path.write_text(yaml.safe_dump({"clouds": {name: cloud}}))
    return path


def root_auth(address: str = ADDRESS) -> dict[str, object]:
    """The dev server's root token by file reference (tests only)."""
    return {"address": address, "auth": {"method": "token", "token_file": ROOT_TOKEN_FILE}}


@pytest.fixture
def cloud_file(tmp_path: Path, mariadb_database: str) -> Path:
    """A clouds.yaml whose cloud `credtest` uses the test's own MariaDB database."""
    return write_clouds(tmp_path / "clouds.yaml", "credtest", mariadb_database, root_auth())


@pytest.fixture
def cloud(cloud_file: Path) -> Cloud:
    """The test cloud."""
    return load_cloud("credtest", cloud_file)


@pytest.fixture
def bootstrapped(vault_root: hvac.Client, cloud: Cloud, layout: VaultLayout) -> BootstrapPlan:
    """The test layout bootstrapped for the test cloud."""
    plan = bootstrap_plan(cloud, layout)
    bootstrap(vault_root, plan)
    return plan
