"""`shadow start --of HOST` asks production whether it has HOST: the broker's management API
for consumers of compute.HOST, then the conductor for a nova-compute service on it."""

import time
from pathlib import Path

from harness.cloud.clients import CloudClients
from harness.hollow.shard_set import ShardSet
from harness.sandbox.cloud import SandboxCloud
from harness.sessions import SessionStore
from harness.shadow.preflight import check_host
from tests.integration.shadow.conftest import HOST
from tests.integration.shards.harness_cli import cloud_of, harness


def test_a_host_production_does_not_have_is_refused(
    shard_cloud: Path, production: tuple[SandboxCloud, ShardSet],
) -> None:
    cloud = cloud_of(shard_cloud)
    before = {s.id for s in SessionStore().all()}
    done = harness(shard_cloud, "shadow", "start", "--cloud", cloud.name, "--of",
                   "no-such-host", "--candidate", "hollow", "--json", check=False)
    assert done.returncode == 2, done.stderr
    assert "--of no-such-host: production has no such host" in done.stderr
    assert "nothing consumes compute.no-such-host" in done.stderr
    assert "the conductor knows no nova-compute service on it" in done.stderr
    assert "--force" in done.stderr and "Traceback" not in done.stderr
    assert {s.id for s in SessionStore().all()} == before  # nothing was started


def test_a_host_with_a_consumer_is_known_by_the_broker(
    shard_cloud: Path, production: tuple[SandboxCloud, ShardSet],
) -> None:
    clients = CloudClients(cloud_of(shard_cloud))
    deadline = time.monotonic() + 15  # the API lists consumers as of its last statistics
    while (check := check_host(clients, HOST)).consumers == 0 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert check.exists and check.consumers == 1


def test_a_host_without_a_consumer_is_known_by_the_conductor(
    shard_cloud: Path, production: tuple[SandboxCloud, ShardSet],
) -> None:
    sandbox, _ = production
    sandbox.store.upsert_service("cmp-resting", "nova-compute", {"topic": "compute"})
    check = check_host(CloudClients(cloud_of(shard_cloud)), "cmp-resting")
    assert check.consumers == 0 and check.service_known is True and check.exists
    missing = check_host(CloudClients(cloud_of(shard_cloud)), "cmp-typo")
    assert missing.service_known is False and not missing.exists
