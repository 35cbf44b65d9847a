"""Fixtures for shadow tests: vhosts removed afterwards, a production shard, session helpers."""

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.bus.management import ManagementClient
from harness.dev.services.rabbitmq import local_amqp_url, local_user
from harness.hollow.effects import EffectRecorder
from harness.hollow.shard_set import ShardOptions, ShardSet
from harness.sandbox.cloud import SandboxCloud
from tests.conftest import unique
from tests.integration.shards.conftest import shard_cloud  # noqa: F401 (a fixture)
from tests.integration.shards.harness_cli import cloud_of, harness


def url_for(vhost: str) -> str:
    """The administrator's AMQP URL for a vhost."""
    return local_amqp_url(vhost)


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
