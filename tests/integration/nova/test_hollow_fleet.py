"""Acceptance, small: a fleet of hollow hosts in one process reports into the real nova cloud,
shows in nova's service and hypervisor lists and in placement, and takes builds the real
scheduler spreads over it (the 500-host figures: benchmarks/nova_hollow_fleet.py)."""

import uuid
from collections import Counter
from pathlib import Path

from harness.config import load_cloud
from harness.dev.services.rabbitmq import local_management
from harness.nova.flavors import private_flavor
from harness.nova.fleet import fleet_listed, hollow_fleet
from harness.nova.layout import endpoint
from harness.nova.rest import compute_client, placement_client
from harness.nova.traffic import nova_traffic

HOSTS = 50
BUILDS = 20


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
