"""Fixtures giving each test its own vhost, database, Vault mount or container, cleaned up after."""

import contextlib
import fcntl
import functools
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hvac
import psycopg2
import pymysql
import pytest

from credentials.client import call_vault, token_client
from credentials.errors import CredentialsError
from credentials.layout import VaultLayout
from credentials.mounts import disable_auth_method, disable_secrets_engine
from credentials.policies import delete_policies
from credentials.redaction import remove_log_filter
from harness.bus.management import ManagementClient
from harness.config import Cloud, load_cloud
from harness.creds.targets import SUFFIX_VARIABLE
from harness.dev.services.openbao import ADDRESS as VAULT_ADDRESS
from harness.dev.services.openbao import root_token_file
from harness.dev.services.rabbitmq import local_amqp_url, local_management, local_user
from harness.images import build_hollow_image
from harness.system.base_image import base_image_tag
from harness.system.containers import docker_client

# Resolved at import: tests point HARNESS_STATE_DIR elsewhere, which moves root_token_file().
ROOT_TOKEN_FILE = root_token_file()


# Tests that change what every other test uses (the shared broker, the dev cloud), leave a shard
# any gc may take, or judge the whole run: `make test` runs them in a pass of their own, after
# the parallel one.
SERIAL = ("tests/integration/shadow/test_broker_restart.py",
          "tests/integration/dev/test_local_cloud.py::test_dev_up_again_starts_nothing_new",
          "tests/integration/sessions/test_gc.py::test_gc_of_another_state_dir_stops_only_what",
          "tests/integration/test_zz_hygiene.py",
          "tests/integration/ddl/test_ddl_mariadb_it.py::test_no_scratch_database_is_left",
          # Their builds are not forced onto their host: no other compute may be up.
          "tests/integration/nova/test_nova_shard.py::test_real_compute_joins_takes_builds",
          "tests/integration/nova/test_conductor_calls.py",
          # Judged by this host's CPU load, which parallel workers keep high.
          "tests/integration/shadow/test_relay.py::test_a_yielding_relay",
          "tests/integration/shadow/test_relay.py::test_a_shedding_relay",
          "tests/integration/scale/test_scale_run.py::test_ctrl_c_stops")


@pytest.hookimpl(tryfirst=True)  # before -m selects by the marks added here
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark tests by folder (tests/unit unit, tests/integration integration) and the serial
    ones. Slow tests (minutes long: a real OpenStack tree, many
    real nova lifecycles) run only when -m names them."""
    run_slow = "slow" in (config.option.markexpr or "")
    for item in items:
        parts = Path(str(item.fspath)).parts
        if "integration" in parts:
            item.add_marker(pytest.mark.integration)
        elif "unit" in parts:
            item.add_marker(pytest.mark.unit)
        if item.get_closest_marker("slow") and not run_slow:
            item.add_marker(pytest.mark.skip(reason="slow: select it with -m slow"))
        if item.nodeid.startswith(SERIAL):
            item.add_marker(pytest.mark.serial)


@contextlib.contextmanager
def run_wide_lock(factory: pytest.TempPathFactory, name: str) -> Iterator[Path]:
    """An exclusive lock shared by every xdist worker of this run, and a folder beside it for
    what they share (without xdist: this process's own)."""
    base = factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield shared


def unique(prefix: str) -> str:
    """A name no other test (or earlier run) uses."""
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def local_cloud() -> Cloud:
    """The `local` cloud that `harness dev up` wrote."""
    return load_cloud("local")


@pytest.fixture(scope="session")
def rabbit_admin() -> ManagementClient:
    """The management API of the local broker, as its administrator."""
    return local_management()


@pytest.fixture
def rabbit_vhost(rabbit_admin: ManagementClient) -> Iterator[str]:
    """A fresh vhost the administrator may use, deleted after the test."""
    vhost = unique("test").replace("_", ".")
    rabbit_admin.create_vhost(vhost)
    rabbit_admin.set_permissions(vhost, local_user())
    yield vhost
    rabbit_admin.delete_vhost(vhost)


@pytest.fixture
def amqp_url(rabbit_vhost: str) -> str:
    """An administrator's AMQP URL for the test's own vhost."""
    return local_amqp_url(rabbit_vhost)


@pytest.fixture
def mariadb_database() -> Iterator[str]:
    """A fresh MariaDB database; yields its SQLAlchemy URL, dropped after the test."""
    name = unique("test")
    conn = pymysql.connect(host="127.0.0.1", user="root", autocommit=True)
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}`")
    yield f"mysql+pymysql://root@127.0.0.1:3306/{name}"
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
    conn.close()


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database; yields its SQLAlchemy URL, dropped after the test."""
    name = unique("test")
    conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


@pytest.fixture(scope="session")
def vault_root() -> hvac.Client:
    """The dev OpenBao's root client (tests only: the harness itself uses scoped tokens)."""
    return token_client(VAULT_ADDRESS, ROOT_TOKEN_FILE.read_text().strip())


@pytest.fixture
def vault_kv_mount(vault_root: hvac.Client) -> Iterator[str]:
    """A fresh KV v2 mount, disabled (and its data gone) after the test."""
    mount = unique("test-kv").replace("_", "-")
    call_vault(VAULT_ADDRESS, lambda: vault_root.sys.enable_secrets_engine(
        "kv", path=mount, options={"version": "2"}))
    yield mount
    vault_root.sys.disable_secrets_engine(mount)


@pytest.fixture
def vault_layout(vault_root: hvac.Client, monkeypatch: pytest.MonkeyPatch
                 ) -> Iterator[VaultLayout]:
    """Mounts, policies and roles named for this test only (every harness command in the test
    uses them through $HARNESS_CREDS_MOUNT_SUFFIX); all removed afterwards."""
    suffix = uuid.uuid4().hex[:8]
    monkeypatch.setenv(SUFFIX_VARIABLE, suffix)
    chosen = VaultLayout().suffixed(suffix)
    yield chosen
    remove_log_filter()
    cleanups = [*(functools.partial(disable_secrets_engine, vault_root, path)
                  for path in (chosen.rabbitmq, chosen.database, chosen.pki)),
                functools.partial(disable_auth_method, vault_root, chosen.approle),
                functools.partial(delete_policies, vault_root, chosen)]
    failures = []
    for cleanup in cleanups:  # one failing (say, a dropped database) must not strand the rest
        try:
            cleanup()
        except CredentialsError as error:
            failures.append(str(error))
    assert failures == []


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private harness state directory, so session files never mix with a real user's."""
    path = tmp_path / "state"
    monkeypatch.setenv("HARNESS_STATE_DIR", str(path))
    return path


@pytest.fixture(scope="session")
def docker() -> Any:
    """A Docker SDK client for the local engine."""
    return docker_client()


@pytest.fixture(scope="session")
def base_image() -> str:
    """The registry-free base image `harness dev up` built."""
    return base_image_tag()


@pytest.fixture(scope="session")
def hollow_image(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The hollow compute's image, built once per run from this tree (by one xdist worker)."""
    tag = "shadow-harness/hollow:test"
    with run_wide_lock(tmp_path_factory, "hollow-image") as shared:
        built = shared / "hollow-image.built"
        if not built.exists():
            build_hollow_image(tag)
            built.touch()
    return tag


@pytest.fixture
def container_labels() -> dict[str, str]:
    """Labels that let a test's containers be found and removed, even after a crash."""
    return {"harness.test": unique("t")}
