"""Acceptance, small: a fleet of hollow hosts in one process reports into the real nova cloud,
shows in nova's service and hypervisor lists and in placement, and takes builds the real
scheduler spreads over it (the 500-host figures: benchmarks/nova_hollow_fleet.py); its hosts,
with servers on them, are removed at once and leave nothing."""

import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness.config import Cloud, load_cloud
from harness.dev.services.rabbitmq import local_management
from harness.nova.flavors import private_flavor
from harness.nova.fleet import HollowFleet, fleet_listed, hollow_fleet
from harness.nova.layout import endpoint
from harness.nova.rest import (
    RestClient,
    compute_client,
    compute_services,
    placement_client,
    resource_providers,
)
from harness.nova.shard import remove_compute_records
from harness.nova.traffic import nova_traffic
from harness.system.process import terminate
from tests.integration.nova.servers import boot_server

HOSTS = 50
BUILDS = 20
REMOVED_AT_ONCE = 6
NOTHING_LISTED = {"services up": 0, "providers": 0, "hypervisors up": 0}


@dataclass
class Fleet:
    """A listed fleet, the flavor that lands only on it, and the clients that see it."""

    cloud: Cloud
    api: RestClient
    placement: RestClient
    flavor: str
    hollow: HollowFleet


@contextmanager
def listed_fleet(nova_config: Path, tmp_path: Path, hosts: int) -> Iterator[Fleet]:
    """A fleet with a resource class of its own, in every list: other hosts of the shared cloud
    take none of its builds, and it takes none of theirs."""
    cloud = load_cloud("nova-test", nova_config)
    api, placement = compute_client(endpoint("compute")), placement_client(endpoint("placement"))
    tag = uuid.uuid4().hex[:6]
    resource_class = f"CUSTOM_TEST_FLEET_{tag.upper()}"
    with (private_flavor(api, placement, resource_class) as flavor,
          hollow_fleet(cloud, nova_config, f"tf{tag}", hosts, tmp_path / "fleet.log",
                       local_management(), resource_class) as hollow):
        hollow.wait_listed(api, placement, timeout=600)
        yield Fleet(cloud, api, placement, flavor, hollow)
    assert fleet_listed(api, placement, set(hollow.hosts)) == NOTHING_LISTED


def test_hollow_fleet_takes_builds_the_real_scheduler_spreads(nova_config: Path,
                                                                tmp_path: Path) -> None:
    with listed_fleet(nova_config, tmp_path, HOSTS) as fleet:
        lifecycles, traffic = nova_traffic(endpoint("compute"), ("build", "delete"), 300,
                                           fleet.flavor)
        traffic.run(BUILDS, rate=4)
        assert traffic.book.failures == {}
        placed = Counter(lifecycles.hosts.values())
        assert sum(placed.values()) == BUILDS and set(placed) <= set(fleet.hollow.hosts)
        assert len(placed) > 1, f"the scheduler put every build on one host: {placed}"
        # Deleted servers gave back what the scheduler claimed for them.
        for host in placed:
            provider = resource_providers(fleet.placement, host)[0]
            usages = fleet.placement.get(f"/resource_providers/{provider['uuid']}/usages")
            assert set(usages["usages"].values()) <= {0}, (host, usages)


def test_hosts_with_servers_removed_at_once_leave_nothing(nova_config: Path,
                                                           tmp_path: Path) -> None:
    with listed_fleet(nova_config, tmp_path, REMOVED_AT_ONCE) as fleet:
        hosts = fleet.hollow.hosts
        with ThreadPoolExecutor(REMOVED_AT_ONCE) as pool:
            placed = list(pool.map(lambda _: boot_server(flavor=fleet.flavor), hosts))
        assert set(placed) <= set(hosts)
        terminate(fleet.hollow.process.pid)
        with ThreadPoolExecutor(REMOVED_AT_ONCE) as pool:
            list(pool.map(lambda host: remove_compute_records(fleet.cloud, host), hosts))
        assert fleet_listed(fleet.api, fleet.placement, set(hosts)) == NOTHING_LISTED
        assert not [s for s in compute_services(fleet.api) if s["host"] in hosts]
        for host in hosts:
            assert fleet.api.get(f"/servers?all_tenants=1&host={host}")["servers"] == []
