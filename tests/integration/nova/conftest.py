"""The nova tests share the one local nova cloud `harness dev up --nova` runs."""

from pathlib import Path

import hvac
import pytest
import yaml

from credentials.bootstrap import bootstrap
from credentials.layout import VaultLayout
from harness.config import load_cloud
from harness.creds.targets import bootstrap_plan
from harness.dev.services.nova import nova_installed, nova_services
from harness.nova.control_plane import nova_local_cloud
from harness.nova.layout import PLACEMENT_ACCESS_LOG, nova_dir
from tests.conftest import ROOT_TOKEN_FILE

# Resolved at import: other fixtures point HARNESS_STATE_DIR elsewhere, which moves nova_dir().
NOVA_DIR = nova_dir()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here is a nova test."""
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.nova)


@pytest.fixture(scope="session")
def nova_cloud() -> None:
    """Fail at once, saying what to run, when the local nova cloud is not up."""
    if not nova_installed() or not all(s.probe().answering for s in nova_services()):
        pytest.fail("the local nova cloud is not running: run `harness dev up --nova`")


@pytest.fixture
def nova_config(tmp_path: Path, state_dir: Path, vault_layout: VaultLayout,
                vault_root: hvac.Client, nova_cloud: None) -> Path:
    """A clouds.yaml holding the local nova cloud under a test name, Vault bootstrapped for it."""
    entry = nova_local_cloud("6.5")
    entry["access_logs"] = {"placement": str(NOVA_DIR / PLACEMENT_ACCESS_LOG)}
    entry["vault"] = {**entry["vault"], "auth": {"method": "token",
                                                 "token_file": str(ROOT_TOKEN_FILE)},
                      "lease_ttl": 120, "max_lease_ttl": 600}
    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump({"clouds": {"nova-test": entry}}))
    bootstrap(vault_root, bootstrap_plan(load_cloud("nova-test", path), vault_layout))
    return path
