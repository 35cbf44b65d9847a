"""A flavor of one's own in a shared nova cloud: its builds land only on hosts offering a
custom resource class, and no other flavor's builds land there (they ask for vCPUs, memory and
disk, which those hosts do not offer)."""

from collections.abc import Iterator
from contextlib import contextmanager

from harness.nova.layout import FLAVOR
from harness.nova.rest import RestClient


@contextmanager
def private_flavor(api: RestClient, placement: RestClient, resource_class: str) -> Iterator[str]:
    """A flavor (its id) asking placement for one unit of `resource_class` and none of the
    standard resources, as ironic's flavors do; deleted after the block with the class."""
    placement.request("PUT", f"/resource_classes/{resource_class}")
    flavor_id = f"harness-{resource_class.lower().replace('_', '-')}"
    api.request("POST", "/flavors", {"flavor": {**FLAVOR, "id": flavor_id,
                                                "name": f"harness.{resource_class.lower()}"}})
    try:
        specs = {"resources:VCPU": "0", "resources:MEMORY_MB": "0", "resources:DISK_GB": "0",
                 f"resources:{resource_class}": "1"}
        api.request("POST", f"/flavors/{flavor_id}/os-extra_specs", {"extra_specs": specs})
        yield flavor_id
    finally:
        api.request("DELETE", f"/flavors/{flavor_id}", ok=(202, 204, 404))
        placement.request("DELETE", f"/resource_classes/{resource_class}", ok=(204, 404))
