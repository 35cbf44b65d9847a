"""Fixtures for the Ansible tests: the collection on a path, a wheelhouse, container hosts."""

import contextlib
import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hvac
import hvac.exceptions
import pytest
import yaml

from credentials.layout import VaultLayout
from harness.dev.local_cloud import local_cloud
from tests.conftest import ROOT_TOKEN_FILE, unique
from tests.integration.ansible.playbooks import REPOSITORY, Controller
from tests.integration.shards.conftest import free_port

SOURCE_PACKAGES = ("harness", "shims", "credentials", "ddl_check")
HOSTS = 3


@pytest.fixture(scope="session")
def controller(tmp_path_factory: pytest.TempPathFactory) -> Controller:
    """ansible-playbook with this tree's collection installed as shadow.harness (a symlink)."""
    root = tmp_path_factory.mktemp("collections")
    namespace = root / "ansible_collections" / "shadow"
    namespace.mkdir(parents=True)
    (namespace / "harness").symlink_to(REPOSITORY / "ansible")
    return Controller(root, tmp_path_factory.mktemp("runs"))


def _source_digest() -> str:
    """A digest of everything a wheel of the harness holds, so a cached wheelhouse is rebuilt
    exactly when the source changed."""
    digest = hashlib.sha256((REPOSITORY / "pyproject.toml").read_bytes())
    for package in SOURCE_PACKAGES:
        for path in sorted((REPOSITORY / package).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(REPOSITORY)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def wheelhouse() -> Path:
    """Where the harness role builds (once per source state) and finds the harness's wheels;
    the wheelhouses of earlier source states are removed."""
    cache = Path.home() / ".cache" / "shadow-harness" / "ansible-tests"
    current = cache / _source_digest()
    for stale in cache.glob("*"):
        if stale.is_dir() and stale != current:
            shutil.rmtree(stale)
        elif stale.is_file() and stale.name != f"{current.name}.tar":
            stale.unlink()
    return current


@pytest.fixture(scope="session")
def container_hosts(docker: Any, base_image: str) -> Iterator[list[str]]:
    """Three hosts made from the base image, on the host's network, removed even after a crash
    of an earlier run by their label."""
    label = unique("ansible")
    names = [f"{label.replace('_', '-')}-{index}" for index in range(HOSTS)]
    for name in names:
        # A host's harness runs as root and confines each shard in a mount namespace of its
        # own, which inside a container takes CAP_SYS_ADMIN.
        docker.containers.run(base_image, ["sleep", "infinity"], name=name, detach=True,
                              network_mode="host", init=True, cap_add=["SYS_ADMIN"],
                              labels={"harness.test": label})
    yield names
    for container in docker.containers.list(all=True,
                                            filters={"label": f"harness.test={label}"}):
        container.remove(force=True)


@pytest.fixture
def ansible_cloud(tmp_path: Path, rabbit_vhost: str, mariadb_database: str, state_dir: Path,
                  vault_layout: VaultLayout, vault_root: hvac.Client) -> Iterator[Path]:
    """The local cloud moved to the test's vhost, database and Vault layout, not yet
    bootstrapped (the vault_approle role does it), its leases and AppRole tokens long enough
    for every run of a test on a loaded box."""
    name = unique("ans")
    cloud = local_cloud()
    cloud["bus"]["url"] = f"{cloud['bus']['url'].rstrip('/')}/{rabbit_vhost}"
    cloud["vault"].update(lease_ttl=60, max_lease_ttl=1800,
                          auth={"method": "token", "token_file": str(ROOT_TOKEN_FILE)})
    cloud["database"] = {"url": mariadb_database}
    cloud["endpoints"] = {"image": f"http://127.0.0.1:{free_port()}/",
                          "network": f"http://127.0.0.1:{free_port()}/"}
    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump({"clouds": {name: cloud}}))
    yield path
    with contextlib.suppress(hvac.exceptions.InvalidPath):  # never bootstrapped: nothing to drop
        # After a failed run shards may still hold database users: drop them while Vault still
        # knows the connection, then the connection itself.
        vault_root.sys.revoke_prefix(f"{vault_layout.database}/creds")
        vault_root.adapter.delete(f"/v1/{vault_layout.database}/config/{name}")
