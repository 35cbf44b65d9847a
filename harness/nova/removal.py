"""Many compute hosts' records removed from nova and placement at once, from one reading of
nova's service list."""

from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from harness.config.schema import Cloud
from harness.nova.rest import compute_client, compute_services, placement_client
from harness.nova.shard import COMPUTE_BINARY, remove_compute_records

# nova-api serves a few requests at a time: more callers only queue.
PARALLEL_REQUESTS = 4
# nova-api's hypervisor list asks the database for every listed node's service and cell: for
# hundreds of hosts on a loaded machine, minutes.
LISTING_TIMEOUT = 600.0


def _remove(cloud: Cloud, listed: list[dict[str, Any]], hosts: Collection[str]) -> None:
    """Remove these hosts' records, a few hosts at a time, given one reading of the service
    list (each costs nova-api every host's service)."""
    with ThreadPoolExecutor(PARALLEL_REQUESTS) as pool:
        list(pool.map(lambda host: remove_compute_records(cloud, host, listed=listed), hosts))


def remove_fleet(cloud: Cloud, hosts: Collection[str]) -> None:
    """Remove every host's records from nova and placement."""
    api = compute_client(str(cloud.endpoints["compute"]), LISTING_TIMEOUT)
    _remove(cloud, compute_services(api), hosts)


def remove_hosts_named(cloud: Cloud, prefix: str) -> list[str]:
    """Remove the records of every compute host whose name starts with `prefix`, in nova's
    service list or in placement's providers; the hosts removed."""
    api = compute_client(str(cloud.endpoints["compute"]), LISTING_TIMEOUT)
    placement = placement_client(str(cloud.endpoints["placement"]), LISTING_TIMEOUT)
    listed = compute_services(api)
    named = [s["host"] for s in listed if s["binary"] == COMPUTE_BINARY]
    named += [p["name"] for p in placement.get("/resource_providers")["resource_providers"]]
    hosts = sorted({host for host in named if host.startswith(prefix)})
    _remove(cloud, listed, hosts)
    return hosts
