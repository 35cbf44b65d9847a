"""The sandbox's compute API: what nova-api and the conductor's build path do before a cast."""

import uuid as uuidlib
from typing import Any

from harness.bus import RPCClient
from harness.hollow import objects
from harness.hollow.resources import Resources
from harness.sandbox.board import InstanceBoard
from harness.sandbox.scheduler import NoValidHost, Scheduler
from harness.sandbox.store import Store

# The version nova's client pins each of these methods to in the 6.x API.
METHOD_VERSION = "6.0"
DEFAULT_FLAVOR: dict[str, Any] = {"flavorid": "1", "name": "m1.tiny", "memory_mb": 512,
                                  "vcpus": 1, "root_gb": 1, "ephemeral_gb": 0, "swap": 0}
INSTANCE_DATA_FIELDS = ("uuid", "display_name", "user_id", "project_id", "host", "node",
                        "vm_state", "task_state", "power_state", "image_ref")


def instance_primitive(row: dict[str, Any]) -> dict[str, Any]:
    """An Instance primitive (with its Flavor) from a database row, as the API sends it."""
    data = {key: row.get(key) for key in INSTANCE_DATA_FIELDS}
    flavor = {**DEFAULT_FLAVOR, "memory_mb": row["memory_mb"], "vcpus": row["vcpus"],
              "root_gb": row["root_gb"]}
    data["flavor"] = objects.primitive("Flavor", flavor)
    return objects.primitive("Instance", data)


class ComputeApi:
    """Creates instance records, schedules them and casts to `compute.<host>`."""

    def __init__(self, store: Store, scheduler: Scheduler, board: InstanceBoard,
                 compute: RPCClient) -> None:
        self.store = store
        self.scheduler = scheduler
        self.board = board
        self.compute = compute

    def _client(self, host: str) -> RPCClient:
        return self.compute.prepare(server=host, version=METHOD_VERSION)

    def _save(self, instance_uuid: str, changes: dict[str, Any],
              expected: list[str | None] | None = None) -> dict[str, Any]:
        row = self.store.save_instance(instance_uuid, changes, expected)
        self.board.publish(instance_uuid, row)
        return row

    def create(self, ctxt: dict[str, Any], image_id: str,
               flavor: dict[str, Any] | None = None, name: str | None = None) -> str:
        """Record, schedule and cast a build; returns the instance uuid (ERROR if no host)."""
        flavor = flavor or DEFAULT_FLAVOR
        instance_uuid = str(uuidlib.uuid4())
        row = {"uuid": instance_uuid, "display_name": name or f"hollow-{instance_uuid[:8]}",
               "user_id": ctxt.get("user_id"), "project_id": ctxt.get("project_id"),
               "vm_state": "building", "task_state": "scheduling", "power_state": 0,
               "memory_mb": flavor["memory_mb"], "vcpus": flavor["vcpus"],
               "root_gb": flavor["root_gb"], "image_ref": image_id}
        self.store.create_instance(row)
        try:
            host = self.scheduler.select_destination(instance_uuid, Resources.of_flavor(flavor))
        except NoValidHost as error:
            self._save(instance_uuid, {"vm_state": "error", "task_state": None,
                                       "fault": str(error)[:255]})
            return instance_uuid
        row = self._save(instance_uuid, {"host": host, "node": host})
        self._client(host).cast(
            ctxt, "build_and_run_instance", instance=instance_primitive(row),
            image={"id": image_id}, request_spec=None, filter_properties={},
            accel_uuids=[], admin_password=None, injected_files=[], requested_networks=None,
            security_groups=None, block_device_mapping=[], node=host, limits={}, host_list=[],
        )
        return instance_uuid

    def reboot(self, ctxt: dict[str, Any], instance_uuid: str, reboot_type: str = "SOFT") -> None:
        """Mark the instance rebooting and cast reboot_instance to its host."""
        state = "rebooting" if reboot_type == "SOFT" else "rebooting_hard"
        row = self._save(instance_uuid, {"task_state": state}, [None])
        self._client(row["host"]).cast(ctxt, "reboot_instance", instance=instance_primitive(row),
                                       block_device_info=None, reboot_type=reboot_type)

    def stop(self, ctxt: dict[str, Any], instance_uuid: str) -> None:
        """Mark the instance powering-off and cast stop_instance."""
        row = self._save(instance_uuid, {"task_state": "powering-off"}, [None])
        self._client(row["host"]).cast(ctxt, "stop_instance", instance=instance_primitive(row),
                                       clean_shutdown=True)

    def start(self, ctxt: dict[str, Any], instance_uuid: str) -> None:
        """Mark the instance powering-on and cast start_instance."""
        row = self._save(instance_uuid, {"task_state": "powering-on"}, [None])
        self._client(row["host"]).cast(ctxt, "start_instance", instance=instance_primitive(row))

    def delete(self, ctxt: dict[str, Any], instance_uuid: str) -> None:
        """Mark the instance deleting and cast terminate_instance (unplaced: delete it here)."""
        row = self._save(instance_uuid, {"task_state": "deleting"})
        if not row["host"]:
            self.scheduler.release(instance_uuid)
            self.board.publish(instance_uuid, self.store.destroy_instance(instance_uuid))
            return
        self._client(row["host"]).cast(ctxt, "terminate_instance",
                                       instance=instance_primitive(row), bdms=[])

    def console_output(self, ctxt: dict[str, Any], instance_uuid: str,
                       tail_length: int | None = None) -> str:
        """The guest's console, asked of its host with a call."""
        row = self.store.get_instance(instance_uuid)
        return str(self._client(row["host"]).call(
            ctxt, "get_console_output", instance=instance_primitive(row), tail_length=tail_length))
