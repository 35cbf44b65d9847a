"""The sandbox conductor: answers the hollow compute's object calls and keeps state in the DB."""

import logging
from collections.abc import Callable
from typing import Any

from harness.bus import Target
from harness.hollow import objects
from harness.sandbox.store import Store

log = logging.getLogger(__name__)

CONDUCTOR_VERSION = "3.0"
SERVICE_FIELDS = ("topic", "report_count", "version", "disabled")
NODE_FIELDS = ("hypervisor_type", "memory_mb", "memory_mb_used", "vcpus", "vcpus_used",
               "local_gb", "local_gb_used", "running_vms")

ActionResult = list[Any]
InstanceHook = Callable[[str, dict[str, Any]], None]


class UnsupportedObjectAction(Exception):
    """The sandbox conductor does not implement this object method."""


class Conductor:
    """nova-conductor's object_action endpoint for Instance, Service and ComputeNode objects."""

    target = Target(version=CONDUCTOR_VERSION)

    def __init__(self, store: Store, on_instance: InstanceHook | None = None) -> None:
        self.store = store
        self.on_instance = on_instance
        self._actions: dict[tuple[str, str], Callable[[dict[str, Any], dict[str, Any]], Any]] = {
            ("Instance", "save"): self._instance_save,
            ("Instance", "destroy"): self._instance_destroy,
            ("Service", "create"): self._service_save,
            ("Service", "save"): self._service_save,
            ("ComputeNode", "create"): self._compute_node_save,
            ("ComputeNode", "save"): self._compute_node_save,
        }

    def object_action(self, ctxt: dict[str, Any], objinst: dict[str, Any], objmethod: str,
                      args: list[Any] | None = None,
                      kwargs: dict[str, Any] | None = None) -> ActionResult:
        """Run objmethod on the object; returns nova's (updates, result) pair."""
        name = objects.object_name(objinst)
        action = self._actions.get((name, objmethod))
        if action is None:
            raise UnsupportedObjectAction(f"{name}.{objmethod} is not served by the sandbox")
        return [{}, action(objinst, kwargs or {})]

    def object_class_action_versions(self, ctxt: dict[str, Any], objname: str, objmethod: str,
                                     object_versions: dict[str, str] | None = None,
                                     args: list[Any] | None = None,
                                     kwargs: dict[str, Any] | None = None) -> Any:
        """A class method of an object: only Service.get_by_host_and_binary (None: no such
        service, as nova answers)."""
        if (objname, objmethod) != ("Service", "get_by_host_and_binary"):
            raise UnsupportedObjectAction(f"{objname}.{objmethod} is not served by the sandbox")
        host, binary = [*(args or []), *(kwargs or {}).values()][:2]
        row = self.store.get_service(str(host), str(binary))
        if row is None:
            return None
        return objects.primitive("Service", {k: row[k] for k in ("host", "binary",
                                                               *SERVICE_FIELDS)})

    def _instance_save(self, objinst: dict[str, Any], kwargs: dict[str, Any]) -> None:
        uuid = objects.fields(objinst)["uuid"]
        expected = kwargs.get("expected_task_state")
        if isinstance(expected, str):
            expected = [expected]
        row = self.store.save_instance(uuid, objects.changed(objinst), expected)
        self._published(uuid, row)

    def _instance_destroy(self, objinst: dict[str, Any], _kwargs: dict[str, Any]) -> None:
        uuid = objects.fields(objinst)["uuid"]
        self._published(uuid, self.store.destroy_instance(uuid))

    def _published(self, uuid: str, row: dict[str, Any]) -> None:
        """Hand the instance's new row to whoever serves the API in this process, if anyone."""
        if self.on_instance is not None:
            self.on_instance(uuid, row)

    def _service_save(self, objinst: dict[str, Any], _kwargs: dict[str, Any]) -> None:
        data = objects.fields(objinst)
        self.store.upsert_service(data["host"], data["binary"],
                                  {k: data[k] for k in SERVICE_FIELDS if k in data})

    def _compute_node_save(self, objinst: dict[str, Any], _kwargs: dict[str, Any]) -> None:
        data = objects.fields(objinst)
        self.store.upsert_compute_node(data["host"], {k: data[k] for k in NODE_FIELDS})
