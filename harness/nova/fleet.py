"""Many hollow compute hosts in a real nova cloud at once: started in one process, counted in
nova's and placement's lists, and all their records removed when they go."""

import subprocess
import sys
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from harness.bus.management import ManagementClient
from harness.config.schema import Cloud
from harness.errors import InfrastructureError
from harness.hollow.compute import DEFAULT_RPC_VERSION
from harness.hollow.shard_set import shard_hosts
from harness.nova.removal import remove_fleet
from harness.nova.rest import (
    RestClient,
    compute_services,
    hypervisors,
)
from harness.nova.shard import COMPUTE_BINARY
from harness.shards.readiness import vhost_of
from harness.system.process import terminate

LIST_POLL_SECONDS = 2.0


def services_up(api: RestClient, placement: RestClient, hosts: Collection[str]) -> int:
    """How many of these hosts are up in nova's service list."""
    return sum(1 for s in compute_services(api) if s["host"] in hosts
               and s["binary"] == COMPUTE_BINARY and s["state"] == "up")


def hypervisors_up(api: RestClient, placement: RestClient, hosts: Collection[str]) -> int:
    """How many of these hosts are up in nova's hypervisor list, which needs their cell mapping
    too (a hollow host's node is named after it)."""
    return sum(1 for node in hypervisors(api) if node["hypervisor_hostname"] in hosts
               and node["state"] == "up")


def providers(api: RestClient, placement: RestClient, hosts: Collection[str]) -> int:
    """How many of these hosts hold a resource provider in placement."""
    return sum(1 for provider in placement.get("/resource_providers")["resource_providers"]
               if provider["name"] in hosts)


# In the order they fill: a host is in the hypervisor list only once it is in the service list.
LISTS: dict[str, Callable[[RestClient, RestClient, Collection[str]], int]] = {
    "services up": services_up, "providers": providers, "hypervisors up": hypervisors_up}


def fleet_listed(api: RestClient, placement: RestClient,
                 hosts: Collection[str]) -> dict[str, int]:
    """How many of these hosts each list holds."""
    return {name: count(api, placement, hosts) for name, count in LISTS.items()}


@dataclass
class HollowFleet:
    """`harness hollow run --count N` against a nova cloud: its hosts and its process."""

    hosts: list[str]
    process: subprocess.Popen[bytes]
    started: float = field(default_factory=time.monotonic)

    def wait_listed(self, api: RestClient, placement: RestClient, timeout: float,
                    poll: float = LIST_POLL_SECONDS) -> dict[str, float]:
        """Seconds from the fleet's start until each of `fleet_listed`'s lists held every one
        of its hosts; InfrastructureError naming the counts when the time is up or the fleet's
        process ended first."""
        wanted, reached, counts = set(self.hosts), dict[str, float](), dict[str, int]()
        deadline = self.started + timeout
        while True:
            for name, count in LISTS.items():
                if name in reached or (name == "hypervisors up" and "services up" not in reached):
                    continue  # the hypervisor list is dear: asked once the services are all up
                counts[name] = count(api, placement, wanted)
                if counts[name] == len(wanted):
                    reached[name] = time.monotonic() - self.started
            if len(reached) == len(LISTS):
                return reached
            if self.process.poll() is not None or time.monotonic() > deadline:
                why = "its process ended" if self.process.poll() is not None else "timed out"
                raise InfrastructureError(f"hollow fleet of {len(wanted)}: {why} with "
                                          f"{counts}")
            time.sleep(poll)


@contextmanager
def hollow_fleet(cloud: Cloud, cloud_config: Path | None, prefix: str, count: int, log: Path,
                 management: ManagementClient,
                 resource_class: str | None = None) -> Iterator[HollowFleet]:
    """COUNT hollow hosts PREFIX-0 ... in one process at the cloud's compute RPC version
    (offering placement only `resource_class` when given: see `private_flavor`); stopped after
    the block, their records removed from nova and placement, their queues deleted."""
    hosts = shard_hosts(prefix, count)
    config = ["--cloud-config", str(cloud_config)] if cloud_config else []
    argv = [sys.executable, "-m", "harness", *config, "hollow", "run", "--cloud", cloud.name,
            "--host", prefix, "--count", str(count),
            "--rpc-version", cloud.rpc_version_caps.get("compute", DEFAULT_RPC_VERSION),
            *(["--resource-class", resource_class] if resource_class else [])]
    with log.open("wb") as output:
        process = subprocess.Popen(argv, stdout=output, stderr=subprocess.STDOUT)
    try:
        yield HollowFleet(hosts, process)
    finally:
        terminate(process.pid)
        process.wait()
        remove_fleet(cloud, hosts)
        vhost = vhost_of(cloud)
        for host in hosts:
            management.delete_queue(vhost, f"compute.{host}")
