"""Fixtures for shadow tests: vhosts removed afterwards, a production shard, session helpers."""

import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pymysql
import pytest

from ddl_check.engines.mariadb import MariaDB
from harness.bus.management import ManagementClient
from harness.dev.services.rabbitmq import local_amqp_url, local_user
from harness.hollow.effects import EffectRecorder
from harness.hollow.shard_set import ShardOptions, ShardSet
from harness.nova.side import root_server
from harness.sandbox.cloud import SandboxCloud
from tests.conftest import unique
from tests.integration.shards.conftest import shard_cloud  # noqa: F401 (a fixture)
from tests.integration.shards.harness_cli import cloud_of, harness


def url_for(vhost: str) -> str:
    """The administrator's AMQP URL for a vhost."""
    return local_amqp_url(vhost)


def root_cursor() -> Any:
    """A cursor of the dev MariaDB's administrator (autocommit)."""
    return pymysql.connect(host="127.0.0.1", user="root", autocommit=True).cursor()


@pytest.fixture
def scratch_database() -> Iterator[str]:
    """A new, uniquely named database on the dev MariaDB; it and `<name>_clone` dropped
    afterwards."""
    engine, name = MariaDB(root_server()), f"scratch_{uuid.uuid4().hex[:8]}"
    engine.create(name)
    try:
        yield name
    finally:
        engine.drop(name)
        engine.drop(f"{name}_clone")


@pytest.fixture
def make_vhost(rabbit_admin: ManagementClient) -> Iterator[Callable[[str], str]]:
    """Create named vhosts for one test; every one is deleted afterwards."""
    made: list[str] = []

    def make(prefix: str) -> str:
        vhost = unique(prefix).replace("_", ".")
        rabbit_admin.create_vhost(vhost)
        rabbit_admin.set_permissions(vhost, local_user())
        made.append(vhost)
        return vhost

    yield make
    for vhost in made:
        rabbit_admin.delete_vhost(vhost)


HOST = "cmp-p"


@pytest.fixture
def production(shard_cloud: Path) -> Iterator[tuple[SandboxCloud, ShardSet]]:  # noqa: F811
    """The sandbox cloud and one production hollow compute on the test's vhost."""
    cloud = cloud_of(shard_cloud)
    sandbox = SandboxCloud.from_cloud(cloud)
    sandbox.start()
    url = sandbox.bus_url
    shards = ShardSet(url, "nova", [HOST], sandbox.endpoints, EffectRecorder(),
                      ShardOptions(report_interval=5))
    shards.start()
    try:
        sandbox.wait_for_hosts(1)
        yield sandbox, shards
    finally:
        shards.stop()
        sandbox.stop()


def start_session(config: Path, *extra: str,
                  candidate: str = "hollow:missing-notification") -> str:
    """`harness shadow start` of HOST with a control; the session's id."""
    cloud = cloud_of(config)
    done = harness(config, "shadow", "start", "--cloud", cloud.name, "--of", HOST,
                   "--candidate", candidate, "--control", "hollow", "--json", *extra)
    session: str = json.loads(done.stdout)["session"]
    return session


def status(config: Path, session: str) -> dict[str, Any]:
    """A session's row in `harness shadow status --json`."""
    rows = json.loads(harness(config, "shadow", "status", session, "--json").stdout)
    return rows[0] if rows else {}


def drive(config: Path, session: str, sandbox: SandboxCloud, lifecycles: int) -> dict[str, Any]:
    """Run build-reboot-delete lifecycles through production (none may fail) and wait until the
    session relayed their three messages each; the session's status then."""
    traffic = sandbox.traffic(timeout=30)
    traffic.run(lifecycles, rate=5)
    assert traffic.book.failures == {}
    deadline = time.monotonic() + 30
    while (status(config, session).get("relayed", 0) < 3 * lifecycles
           and time.monotonic() < deadline):
        time.sleep(0.5)
    return status(config, session)
