"""Acceptance, small: a fleet of hollow hosts in one process reports into the real nova cloud,
shows in nova's service and hypervisor lists and in placement, and takes builds the real
scheduler spreads over it (the 500-host figures: benchmarks/nova_hollow_fleet.py)."""

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from harness.config import load_cloud
from harness.dev.services.rabbitmq import local_management
from harness.nova.flavors import private_flavor
from harness.nova.fleet import fleet_listed, hollow_fleet
from harness.nova.layout import endpoint
from harness.nova.rest import compute_client, compute_services, placement_client
from harness.nova.shard import remove_compute_records
from harness.nova.traffic import nova_traffic
from harness.system.process import terminate
from tests.integration.nova.servers import boot_server

HOSTS = 50
BUILDS = 20
REMOVED_AT_ONCE = 6


def test_hollow_fleet_takes_builds_the_real_scheduler_spreads(nova_config: Path,
                                                                tmp_path: Path) -> None:
    cloud = load_cloud("nova-test", nova_config)
    api, placement = compute_client(endpoint("compute")), placement_client(endpoint("placement"))
    tag = uuid.uuid4().hex[:6]
    # A resource class of the fleet's own: other hosts of the shared cloud take none of these
    # builds, and the fleet takes none of theirs.
    resource_class = f"CUSTOM_TEST_FLEET_{tag.upper()}"
    with (private_flavor(api, placement, resource_class) as flavor,
          hollow_fleet(cloud, nova_config, f"tf{tag}", HOSTS, tmp_path / "fleet.log",
                       local_management(), resource_class) as fleet):
        fleet.wait_listed(api, placement, timeout=600)
        lifecycles, traffic = nova_traffic(endpoint("compute"), ("build", "delete"), 300, flavor)
        traffic.run(BUILDS, rate=4)
        assert traffic.book.failures == {}
        placed = Counter(lifecycles.hosts.values())
        assert sum(placed.values()) == BUILDS and set(placed) <= set(fleet.hosts)
        assert len(placed) > 1, f"the scheduler put every build on one host: {placed}"
    assert fleet_listed(api, placement, set(fleet.hosts)) == {
        "services up": 0, "hypervisors up": 0, "providers": 0}


def test_hosts_with_servers_removed_at_once_leave_nothing(nova_config: Path,
                                                           tmp_path: Path) -> None:
    cloud = load_cloud("nova-test", nova_config)
    api, placement = compute_client(endpoint("compute")), placement_client(endpoint("placement"))
    tag = uuid.uuid4().hex[:6]
    resource_class = f"CUSTOM_TEST_FLEET_{tag.upper()}"
    with (private_flavor(api, placement, resource_class) as flavor,
          hollow_fleet(cloud, nova_config, f"tr{tag}", REMOVED_AT_ONCE, tmp_path / "fleet.log",
                       local_management(), resource_class) as fleet):
        fleet.wait_listed(api, placement, timeout=300)
        with ThreadPoolExecutor(REMOVED_AT_ONCE) as pool:
            placed = list(pool.map(lambda _: boot_server(flavor=flavor), fleet.hosts))
        assert set(placed) <= set(fleet.hosts)
        terminate(fleet.process.pid)
        with ThreadPoolExecutor(REMOVED_AT_ONCE) as pool:
            list(pool.map(lambda host: remove_compute_records(cloud, host), fleet.hosts))
        assert fleet_listed(api, placement, set(fleet.hosts)) == {
            "services up": 0, "hypervisors up": 0, "providers": 0}
        assert not [s for s in compute_services(api) if s["host"] in fleet.hosts]
        for host in fleet.hosts:
            assert api.get(f"/servers?all_tenants=1&host={host}")["servers"] == []
