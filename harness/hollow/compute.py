"""The hollow compute: nova-compute's RPC API served over a fake hypervisor.

Each behaviour lives in its own small method so that a candidate variant can subclass and
change exactly one (wrong accounting, a missing notification, a changed argument, ...).
Every operation that leaves the shard goes through `self.external`, i.e. through shims.
"""

import datetime
import functools
import logging
import threading
import uuid as uuid_module
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any, TypeVar

from harness.bus import Target
from harness.hollow import objects
from harness.hollow.context import admin_context
from harness.hollow.http_client import HttpCallError
from harness.hollow.hypervisor import FakeHypervisor, HypervisorError, PowerState
from harness.hollow.resources import DEFAULT_HOST_CAPACITY, Resources
from harness.hollow.services import ShardServices
from shims.causes import handling

R = TypeVar("R")

log = logging.getLogger(__name__)

COMPUTE_TOPIC = "compute"
DEFAULT_RPC_VERSION = "6.4"
BINARY = "nova-compute"
# nova's SERVICE_VERSION of each compute RPC API: a conductor refuses a Service.create older
# than the rest of its deployment (ServiceTooOld), so the hollow claims its RPC's.
SERVICE_VERSIONS = {"6.4": 66, "6.5": 74}
# What the scheduler asks of a nova host (OWNER_NOVA) and its image type pre-filter.
PROVIDER_TRAITS = ("OWNER_NOVA", "COMPUTE_NODE", "COMPUTE_IMAGE_TYPE_QCOW2",
                   "COMPUTE_IMAGE_TYPE_RAW")
HYPERVISOR_TYPE = "hollow"


@contextmanager
def periodic_context() -> Iterator[dict[str, Any]]:
    """An admin context for periodic work; its effects carry its request id (no message)."""
    ctxt = admin_context()
    with handling(None, ctxt["request_id"]):
        yield ctxt


def per_instance(method: Callable[..., R]) -> Callable[..., R]:
    """Run an RPC method holding its instance's lock, as nova's synchronized(instance.uuid):
    a reboot arriving while the build still runs waits for it instead of racing it."""

    @functools.wraps(method)
    def locked(self: "HollowCompute", ctxt: dict[str, Any], instance: dict[str, Any],
               *args: Any, **kwargs: Any) -> R:
        with self.instance_lock(self.uuid(instance)):
            return method(self, ctxt, instance, *args, **kwargs)

    return locked


def _record_id(reply: Any) -> int | None:
    """The id a conductor's object_action reply gives the created record (None: none given)."""
    updates = reply[0] if isinstance(reply, list | tuple) and reply else None
    found = updates.get("id") if isinstance(updates, dict) else None
    return found if isinstance(found, int) else None


def _now() -> str:
    """Naive UTC now in oslo's wire format."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None).isoformat()


class HollowCompute:
    """One hollow nova-compute host: its RPC endpoint, fake hypervisor and periodic reports."""

    port_owner = "compute:nova"  # the device_owner its ports are bound with

    def __init__(self, host: str, services: ShardServices,
                 rpc_version: str = DEFAULT_RPC_VERSION,
                 capacity: Resources = DEFAULT_HOST_CAPACITY,
                 resource_class: str | None = None) -> None:
        self.host = host
        self.resource_class = resource_class  # offered to placement instead of the standard
        self.services = services
        self.target = Target(topic=COMPUTE_TOPIC, server=host, version=rpc_version)
        self.hypervisor = FakeHypervisor(host, capacity)
        self.report_count = 0
        self.service_version = SERVICE_VERSIONS.get(rpc_version, SERVICE_VERSIONS["6.4"])
        self.service_id: int | None = None  # the conductor's record ids, once created
        self.node_id: int | None = None
        self.node_uuid = str(uuid_module.uuid5(uuid_module.NAMESPACE_DNS, host))
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def instance_lock(self, uuid: str) -> threading.Lock:
        """The lock serialising one instance's operations on this host."""
        with self._locks_guard:
            return self._locks.setdefault(uuid, threading.Lock())

    # -- the RPC API (casts return nothing; get_console_output is a call) ------------------

    @per_instance
    def build_and_run_instance(self, ctxt: dict[str, Any], instance: dict[str, Any],
                               image: dict[str, Any] | None = None,
                               requested_networks: list[Any] | None = None,
                               **_unused: Any) -> None:
        """Build a guest: network, image, spawn, save ACTIVE; ERROR (with a fault) on failure."""
        self.notify_instance(ctxt, instance, "create", "start")
        ports: list[dict[str, Any]] = []
        try:
            instance = self.save_instance(ctxt, instance, ["scheduling", None],
                                          host=self.host, node=self.host, **self.node_ref(),
                                          vm_state="building", task_state="networking")
            image_meta = self.fetch_image(ctxt, self.image_id(instance, image))
            ports = self.bind_ports(ctxt, instance, requested_networks)
            instance = self.save_instance(ctxt, instance, ["networking"], task_state="spawning")
            power_state = self.spawn(ctxt, instance, image_meta)
            instance = self.save_instance(ctxt, instance, ["spawning"], vm_state="active",
                                          task_state=None, power_state=power_state,
                                          launched_at=_now())
        except Exception as error:
            log.info("%s: build of %s failed: %s", self.host, self.uuid(instance), error)
            self.abort_build(ctxt, instance, ports, error)
            return
        self.report_resources(ctxt)
        self.notify_instance(ctxt, instance, "create", "end")

    @per_instance
    def terminate_instance(self, ctxt: dict[str, Any], instance: dict[str, Any],
                           bdms: Any = None, **_unused: Any) -> None:
        """Delete a guest: destroy it, release its ports, destroy the instance record."""
        self.notify_instance(ctxt, instance, "delete", "start")
        self.destroy_guest(ctxt, instance)
        self.unbind_ports(ctxt, instance)
        self.destroy_instance(ctxt, instance)
        self.release_allocations(ctxt, instance)
        self.report_after_delete(ctxt)
        self.notify_instance(ctxt, instance, "delete", "end")
        with self._locks_guard:
            self._locks.pop(self.uuid(instance), None)

    @per_instance
    def reboot_instance(self, ctxt: dict[str, Any], instance: dict[str, Any],
                        block_device_info: Any = None, reboot_type: str = "SOFT",
                        **_unused: Any) -> None:
        """Reboot a guest and save it ACTIVE and running."""
        self.notify_instance(ctxt, instance, "reboot", "start")
        power_state = self.hypervisor_call(ctxt, "reboot", instance, reboot_type=reboot_type)
        instance = self.save_instance(
            ctxt, instance, ["rebooting", "reboot_pending", "reboot_started",
                             "rebooting_hard", "reboot_pending_hard", "reboot_started_hard"],
            vm_state="active", task_state=None, power_state=power_state)
        self.notify_instance(ctxt, instance, "reboot", "end")

    @per_instance
    def stop_instance(self, ctxt: dict[str, Any], instance: dict[str, Any],
                      clean_shutdown: bool = True, **_unused: Any) -> None:
        """Power a guest off and save it STOPPED."""
        self.power_cycle(ctxt, instance, "power_off", "powering-off", "stopped")

    @per_instance
    def start_instance(self, ctxt: dict[str, Any], instance: dict[str, Any],
                       **_unused: Any) -> None:
        """Power a guest on and save it ACTIVE."""
        self.power_cycle(ctxt, instance, "power_on", "powering-on", "active")

    def power_cycle(self, ctxt: dict[str, Any], instance: dict[str, Any], action: str,
                    task_state: str, vm_state: str) -> None:
        """power_off or power_on: notify, ask the hypervisor, save the new state, notify."""
        self.notify_instance(ctxt, instance, action, "start")
        power_state = self.hypervisor_call(ctxt, action, instance)
        instance = self.save_instance(ctxt, instance, [task_state], vm_state=vm_state,
                                      task_state=None, power_state=power_state)
        self.notify_instance(ctxt, instance, action, "end")

    def get_console_output(self, ctxt: dict[str, Any], instance: dict[str, Any],
                           tail_length: int | None = None, **_unused: Any) -> str:
        """The guest's console text (a call: the caller waits for it)."""
        return str(self.hypervisor_call(ctxt, "console_output", instance,
                                        tail_length=tail_length))

    def get_host_uptime(self, ctxt: dict[str, Any], **_unused: Any) -> str:
        """The host's uptime (a call: nova-api's hypervisor detail asks each host)."""
        return str(self.services.external("hypervisor", self.host, "uptime", {},
                                          self.hypervisor.uptime, ""))

    # -- behaviours a candidate may change -------------------------------------------------

    @staticmethod
    def uuid(instance: dict[str, Any]) -> str:
        """An instance primitive's uuid."""
        return str(objects.fields(instance).get("uuid"))

    def image_id(self, instance: dict[str, Any], image: dict[str, Any] | None) -> str:
        """Which image to boot: the request's image, else the instance's image_ref."""
        if image and image.get("id"):
            return str(image["id"])
        return str(objects.fields(instance).get("image_ref"))

    def guest_resources(self, instance: dict[str, Any]) -> Resources:
        """What a guest takes: its flavor's memory, vCPUs and root + ephemeral disk."""
        flavor = objects.fields(instance).get("flavor")
        return Resources.of_flavor(objects.fields(flavor) if flavor else {})

    def spawn(self, ctxt: dict[str, Any], instance: dict[str, Any],
              image_meta: dict[str, Any]) -> int:
        """Create the guest on the hypervisor; returns its power state."""
        uuid, wants = self.uuid(instance), self.guest_resources(instance)
        image = str(image_meta.get("id", ""))
        return self.services.external(
            "hypervisor", self.host, "spawn",
            {"instance": uuid, "image": image, **wants.as_dict()},
            lambda: self.hypervisor.spawn(uuid, wants, image).power_state,
            PowerState.RUNNING,
        )

    def hypervisor_call(self, ctxt: dict[str, Any], method: str, instance: dict[str, Any],
                        **kwargs: Any) -> Any:
        """reboot, power_off, power_on or console_output on the hypervisor, through shims."""
        uuid = self.uuid(instance)
        stand_ins = {"console_output": "", "power_off": PowerState.SHUTDOWN}
        operation = getattr(self.hypervisor, method)
        return self.services.external(
            "hypervisor", self.host, method, {"instance": uuid, **kwargs},
            lambda: operation(uuid, **kwargs), stand_ins.get(method, PowerState.RUNNING),
        )

    def destroy_guest(self, ctxt: dict[str, Any], instance: dict[str, Any]) -> None:
        """Remove the guest from the hypervisor (a missing guest is fine)."""
        uuid = self.uuid(instance)
        self.services.external("hypervisor", self.host, "destroy", {"instance": uuid},
                               lambda: self.hypervisor.destroy(uuid), None)

    def fetch_image(self, ctxt: dict[str, Any], image_id: str) -> dict[str, Any]:
        """The image's metadata from the image service."""
        meta = self.services.http(ctxt, "image", "GET", f"/v2/images/{image_id}", None,
                                  {"id": image_id, "status": "active"})
        if not isinstance(meta, dict) or meta.get("status") != "active":
            raise HypervisorError(f"image {image_id} is not active")
        return meta

    def bind_ports(self, ctxt: dict[str, Any], instance: dict[str, Any],
                   requested_networks: list[Any] | None) -> list[dict[str, Any]]:
        """Create and bind one port on this host for the guest."""
        uuid = self.uuid(instance)
        body = {"port": {"device_id": uuid, "device_owner": self.port_owner,
                         "binding:host_id": self.host}}
        answer = self.services.http(ctxt, "network", "POST", "/v2.0/ports", body,
                                    {"port": {"id": "stand-in", "device_id": uuid}})
        return [answer["port"]]

    def unbind_ports(self, ctxt: dict[str, Any], instance: dict[str, Any]) -> None:
        """Delete every port bound to the guest."""
        uuid = self.uuid(instance)
        found = self.services.http(ctxt, "network", "GET", f"/v2.0/ports?device_id={uuid}",
                                   None, {"ports": []})
        for port_id in self.ports_to_delete(uuid, found.get("ports", [])):
            self.services.http(ctxt, "network", "DELETE", f"/v2.0/ports/{port_id}", None, None)

    def ports_to_delete(self, uuid: str, found: list[dict[str, Any]]) -> list[str]:
        """The ids of the guest's ports to delete: every port found bound to it."""
        return [str(port["id"]) for port in found]

    def save_instance(self, ctxt: dict[str, Any], instance: dict[str, Any],
                      expected_task_state: list[str | None] | None,
                      **updates: Any) -> dict[str, Any]:
        """Instance.save() through the conductor; returns the instance with the updates."""
        changed = objects.with_updates(instance, **updates)
        self.services.object_action(ctxt, changed, "save",
                                    {"expected_task_state": expected_task_state})
        return objects.primitive("Instance", objects.fields(changed))

    def destroy_instance(self, ctxt: dict[str, Any], instance: dict[str, Any]) -> None:
        """Instance.destroy() through the conductor."""
        self.services.object_action(ctxt, objects.primitive("Instance", objects.fields(instance)),
                                    "destroy", {})

    def release_allocations(self, ctxt: dict[str, Any], instance: dict[str, Any]) -> None:
        """Give back what the scheduler claimed in placement for the guest, as nova-compute
        does once the instance is destroyed (only where the cloud has a placement)."""
        if "placement" not in self.services.endpoints:
            return
        try:
            self.services.http(ctxt, "placement", "DELETE",
                               f"/allocations/{self.uuid(instance)}", None, None)
        except HttpCallError as error:
            if error.status != HTTPStatus.NOT_FOUND:  # none held: nothing to give back
                raise

    def abort_build(self, ctxt: dict[str, Any], instance: dict[str, Any],
                    ports: list[dict[str, Any]], error: Exception) -> None:
        """Undo a failed build and save the instance ERROR with its fault."""
        try:
            if ports:
                self.unbind_ports(ctxt, instance)
            if self.hypervisor.has_guest(self.uuid(instance)):
                self.destroy_guest(ctxt, instance)
            instance = self.save_instance(ctxt, instance, None, vm_state="error",
                                          task_state=None, fault=str(error)[:255])
        finally:
            self.notify_instance(ctxt, instance, "create", "error", fault=str(error))

    def notify_instance(self, ctxt: dict[str, Any], instance: dict[str, Any], action: str,
                        phase: str, fault: str | None = None) -> None:
        """The versioned notification instance.<action>.<phase> (ERROR priority on error)."""
        payload = self.instance_payload(instance, action, fault)
        priority = "ERROR" if phase == "error" else "INFO"
        self.services.notify(ctxt, f"compute.{self.host}", f"instance.{action}.{phase}",
                             payload, priority)

    def instance_payload(self, instance: dict[str, Any], action: str,
                         fault: str | None) -> dict[str, Any]:
        """An InstanceActionPayload-shaped primitive describing the instance."""
        data = objects.fields(instance)
        flavor = data.get("flavor")
        return {
            "nova_object.name": f"Instance{action.title().replace('_', '')}Payload",
            "nova_object.namespace": "nova",
            "nova_object.version": "1.0",
            "nova_object.data": {
                "uuid": data.get("uuid"), "host": self.host, "node": self.host,
                "state": data.get("vm_state"), "task_state": data.get("task_state"),
                "power_state": data.get("power_state"), "image_uuid": data.get("image_ref"),
                "tenant_id": data.get("project_id"), "user_id": data.get("user_id"),
                "flavor": objects.fields(flavor) if flavor else None,
                "fault": fault,
            },
        }

    # -- the periodic reports --------------------------------------------------------------

    def start_reporting(self) -> None:
        """At start, as nova-compute does: Service.create(), then the first resource report."""
        with periodic_context() as ctxt:
            reply = self.services.object_action(ctxt, self.service_record(), "create", {})
            self.service_id = _record_id(reply)
            reply = self.services.object_action(ctxt, self.compute_node_record(), "create", {})
            self.node_id = _record_id(reply)
            if "placement" in self.services.endpoints:
                self.report_provider(ctxt)

    def heartbeat(self) -> None:
        """The servicegroup report: Service.save() with report_count bumped."""
        self.report_count += 1
        with periodic_context() as ctxt:
            self.services.object_action(ctxt, self.service_record(), "save", {})

    def service_record(self) -> dict[str, Any]:
        """This host's Service object, every field marked changed."""
        data = {"host": self.host, "binary": BINARY, "topic": COMPUTE_TOPIC,
                "report_count": self.report_count, "version": self.service_version,
                "disabled": False}
        if self.service_id is not None:
            data["id"] = self.service_id
        return objects.primitive("Service", data, list(data))

    def report_resources(self, ctxt: dict[str, Any] | None = None) -> None:
        """The resource tracker's update: ComputeNode.save() with capacity and usage."""
        if ctxt is not None:
            self.services.object_action(ctxt, self.compute_node_record(), "save", {})
            return
        with periodic_context() as own:
            self.services.object_action(own, self.compute_node_record(), "save", {})

    def report_after_delete(self, ctxt: dict[str, Any]) -> None:
        """The resource tracker's update once a guest is gone."""
        self.report_resources(ctxt)

    def compute_node_record(self) -> dict[str, Any]:
        """This host's ComputeNode object with what the hypervisor has and uses."""
        capacity, (used, guests) = self.hypervisor.capacity, self.hypervisor.usage()
        data: dict[str, Any] = {
            "host": self.host, "hypervisor_type": HYPERVISOR_TYPE, "hypervisor_version": 1,
            "hypervisor_hostname": self.host, "uuid": self.node_uuid, "cpu_info": "{}",
            "host_ip": "127.0.0.1", "supported_hv_specs": [], "current_workload": 0,
            "memory_mb": capacity.memory_mb, "memory_mb_used": used.memory_mb,
            "free_ram_mb": capacity.memory_mb - used.memory_mb,
            "vcpus": capacity.vcpus, "vcpus_used": used.vcpus,
            "local_gb": capacity.disk_gb, "local_gb_used": used.disk_gb,
            "free_disk_gb": capacity.disk_gb - used.disk_gb,
            "disk_available_least": capacity.disk_gb - used.disk_gb,
            "running_vms": guests}
        for key, value in (("id", self.node_id), ("service_id", self.service_id)):
            if value is not None:
                data[key] = value
        return objects.primitive("ComputeNode", data, list(data))

    def node_ref(self) -> dict[str, Any]:
        """The compute node id an instance placed here records (real nova refuses a node
        without it), when the conductor gave one."""
        return {} if self.node_id is None else {"compute_id": self.node_id}

    def provider_inventory(self, ctxt: dict[str, Any]) -> dict[str, int]:
        """What the host offers placement: vCPUs, memory and disk; or, given a custom resource
        class, that class alone (one unit a vCPU, the class created when missing), so that only
        builds whose flavor asks for it land here."""
        capacity = self.hypervisor.capacity
        if self.resource_class is None:
            return {"VCPU": capacity.vcpus, "MEMORY_MB": capacity.memory_mb,
                    "DISK_GB": capacity.disk_gb}
        self.services.http(ctxt, "placement", "PUT", f"/resource_classes/{self.resource_class}",
                           None, None)
        return {self.resource_class: capacity.vcpus}

    def report_provider(self, ctxt: dict[str, Any]) -> None:
        """This host's resource provider and inventory in placement, as the resource tracker
        keeps them (the provider's uuid is the compute node's)."""
        path = f"/resource_providers/{self.node_uuid}"
        found = self.services.http(ctxt, "placement", "GET", "/resource_providers?name="
                                   f"{self.host}", None, {"resource_providers": []})
        if not found.get("resource_providers"):
            self.services.http(ctxt, "placement", "POST", "/resource_providers",
                               {"name": self.host, "uuid": self.node_uuid}, None)
        provider = self.services.http(ctxt, "placement", "GET", path, None, {"generation": 0})
        inventories = self.provider_inventory(ctxt)
        body = {"resource_provider_generation": provider["generation"],
                "inventories": {rc: {"total": total} for rc, total in inventories.items()}}
        stored = self.services.http(ctxt, "placement", "PUT", f"{path}/inventories", body,
                                    {"resource_provider_generation": 0})
        traits = {"resource_provider_generation": stored["resource_provider_generation"],
                  "traits": list(PROVIDER_TRAITS)}
        self.services.http(ctxt, "placement", "PUT", f"{path}/traits", traits, None)
