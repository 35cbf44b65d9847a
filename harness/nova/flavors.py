"""Flavors of one's own in a shared nova cloud: one whose builds land only on hosts offering a
custom resource class, where no other flavor's builds land (they ask for vCPUs, memory and disk,
which those hosts do not offer); and one of standard resources, pinned to a set of hosts by an
availability zone of their own (`pinned_zone`)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from harness.nova.layout import FLAVOR
from harness.nova.rest import RestClient


def custom_class_flavor_id(resource_class: str) -> str:
    """The id of the flavor asking for `resource_class`."""
    return f"harness-{resource_class.lower().replace('_', '-')}"


def create_flavor(api: RestClient, flavor_id: str, specs: dict[str, str]) -> None:
    """A flavor the size of harness.tiny under its own id, with these extra specs."""
    name = f"harness.{flavor_id.removeprefix('harness-')}"
    api.request("POST", "/flavors", {"flavor": {**FLAVOR, "id": flavor_id, "name": name}})
    if specs:
        api.request("POST", f"/flavors/{flavor_id}/os-extra_specs", {"extra_specs": specs})


def delete_flavor(api: RestClient, flavor_id: str) -> None:
    """Delete it (gone already is fine)."""
    api.request("DELETE", f"/flavors/{flavor_id}", ok=(202, 204, 404))


def create_custom_class_flavor(api: RestClient, placement: RestClient,
                               resource_class: str) -> str:
    """The class in placement, and a flavor (its id) asking for one unit of it and none of the
    standard resources, as ironic's flavors do."""
    placement.request("PUT", f"/resource_classes/{resource_class}")
    flavor_id = custom_class_flavor_id(resource_class)
    create_flavor(api, flavor_id, {"resources:VCPU": "0", "resources:MEMORY_MB": "0",
                                   "resources:DISK_GB": "0", f"resources:{resource_class}": "1"})
    return flavor_id


def delete_resource_class(placement: RestClient, resource_class: str) -> None:
    """Delete a custom resource class (gone already is fine)."""
    placement.request("DELETE", f"/resource_classes/{resource_class}", ok=(204, 404))


@contextmanager
def private_flavor(api: RestClient, placement: RestClient, resource_class: str) -> Iterator[str]:
    """A custom-class flavor (its id) for the block; deleted after it, with the class."""
    flavor_id = custom_class_flavor_id(resource_class)
    try:
        yield create_custom_class_flavor(api, placement, resource_class)
    finally:
        delete_flavor(api, flavor_id)
        delete_resource_class(placement, resource_class)


def create_zone(api: RestClient, name: str) -> int:
    """A host aggregate that is an availability zone of the same name; its id. nova maps a
    build asking for the zone to the aggregate in placement, so it lands on the zone's hosts."""
    body = {"aggregate": {"name": name, "availability_zone": name}}
    return int(api.request("POST", "/os-aggregates", body)[1]["aggregate"]["id"])


def zone_id(api: RestClient, name: str) -> int | None:
    """The id of the host aggregate of that name (None: there is none)."""
    found = [a for a in api.get("/os-aggregates")["aggregates"] if a["name"] == name]
    return int(found[0]["id"]) if found else None


def add_zone_hosts(api: RestClient, aggregate: int, hosts: list[str]) -> None:
    """Put compute hosts (mapped to a cell, their providers in placement) into the zone."""
    for host in hosts:
        api.request("POST", f"/os-aggregates/{aggregate}/action", {"add_host": {"host": host}})


def delete_zone(api: RestClient, aggregate: int) -> None:
    """Take every host out of the aggregate, then delete it (gone already is fine)."""
    status, body = api.request("GET", f"/os-aggregates/{aggregate}", ok=(200, 404))
    if status == 404:
        return
    found: dict[str, Any] = body["aggregate"]
    for host in found.get("hosts") or []:
        api.request("POST", f"/os-aggregates/{aggregate}/action",
                    {"remove_host": {"host": host}}, ok=(200, 404))
    api.request("DELETE", f"/os-aggregates/{aggregate}", ok=(200, 204, 404))
