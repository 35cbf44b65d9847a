"""Deliberate behaviour changes of the hollow compute: candidates the comparator must name.

Each is the smallest subclass that changes one behaviour, the way a real patch would. The
`slower*` and `jittery` ones change only timing (up to 100 ms per operation), which must never
count as a difference.
"""

import functools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.hollow import objects
from harness.hollow.compute import HollowCompute
from harness.hollow.hypervisor import HypervisorError
from harness.hollow.resources import Resources
from harness.hollow.services import CONDUCTOR_VERSION


class WrongResourceAccounting(HollowCompute):
    """Counts every guest's memory twice."""

    def guest_resources(self, instance: dict[str, Any]) -> Resources:
        wants = super().guest_resources(instance)
        return Resources(wants.memory_mb * 2, wants.vcpus, wants.disk_gb)


class MissingNotification(HollowCompute):
    """Forgets instance.create.end."""

    def notify_instance(self, ctxt: dict[str, Any], instance: dict[str, Any], action: str,
                        phase: str, fault: str | None = None) -> None:
        if (action, phase) != ("create", "end"):
            super().notify_instance(ctxt, instance, action, phase, fault)


class ChangedArgument(HollowCompute):
    """Binds ports with another device_owner."""

    port_owner = "compute:hollow"


class ExtraCall(HollowCompute):
    """Refreshes the instance from the conductor once more after spawning."""

    def spawn(self, ctxt: dict[str, Any], instance: dict[str, Any],
              image_meta: dict[str, Any]) -> int:
        power_state = super().spawn(ctxt, instance, image_meta)
        self.services.object_action(ctxt, instance, "refresh", {})
        return power_state


class VersionAboveCap(HollowCompute):
    """Saves instances with a conductor API version newer than the cloud allows."""

    def save_instance(self, ctxt: dict[str, Any], instance: dict[str, Any],
                      expected_task_state: list[str | None] | None,
                      **updates: Any) -> dict[str, Any]:
        changed = objects.with_updates(instance, **updates)
        major, minor = CONDUCTOR_VERSION.split(".")
        self.services.object_action(ctxt, changed, "save",
                                    {"expected_task_state": expected_task_state},
                                    version=f"{major}.{int(minor) + 1}")
        return objects.primitive("Instance", objects.fields(changed))


class ReorderedEffects(HollowCompute):
    """Binds the network before fetching the image (production does the opposite)."""

    def fetch_image(self, ctxt: dict[str, Any], image_id: str) -> dict[str, Any]:
        self._image_id = image_id
        return {"id": image_id, "status": "active"}

    def bind_ports(self, ctxt: dict[str, Any], instance: dict[str, Any],
                   requested_networks: list[Any] | None) -> list[dict[str, Any]]:
        ports = super().bind_ports(ctxt, instance, requested_networks)
        HollowCompute.fetch_image(self, ctxt, self._image_id)
        return ports


class FailureInsteadOfSuccess(HollowCompute):
    """Every spawn fails: builds end in ERROR."""

    def spawn(self, ctxt: dict[str, Any], instance: dict[str, Any],
              image_meta: dict[str, Any]) -> int:
        raise HypervisorError("candidate: spawn refused")


class MissingCleanup(HollowCompute):
    """Deleting an instance leaves its ports bound."""

    def unbind_ports(self, ctxt: dict[str, Any], instance: dict[str, Any]) -> None:
        return None


class ChangedReply(HollowCompute):
    """Answers get_console_output without the console's last newline (seen only in replies)."""

    def get_console_output(self, ctxt: dict[str, Any], instance: dict[str, Any],
                           tail_length: int | None = None, **_unused: Any) -> str:
        return super().get_console_output(ctxt, instance, tail_length).rstrip("\n")


class WrongPortDeleted(HollowCompute):
    """Deletes a port named after the instance instead of the ports it found."""

    def ports_to_delete(self, uuid: str, found: list[dict[str, Any]]) -> list[str]:
        return [uuid]


class TotalsOffByOne(HollowCompute):
    """Counts one guest too many in every resource report."""

    def compute_node_record(self) -> dict[str, Any]:
        record = super().compute_node_record()
        record["nova_object.data"]["running_vms"] += 1
        return record


class NoUsageAfterDelete(HollowCompute):
    """Does not report its resource usage after deleting a guest."""

    def report_after_delete(self, ctxt: dict[str, Any]) -> None:
        return None


# The RPC methods the hollow compute serves: a delay in any of them is timing only.
RPC_METHODS = ("build_and_run_instance", "terminate_instance", "reboot_instance",
               "stop_instance", "start_instance", "get_console_output")
MAX_DELAY = 0.1  # seconds per operation a timing-only candidate may take longer


def _delayed(method: str, delay: Callable[[], float]) -> Callable[..., Any]:
    """Production's RPC method, after sleeping `delay()` seconds."""
    original = getattr(HollowCompute, method)

    @functools.wraps(original)
    def slower(self: HollowCompute, *args: Any, **kwargs: Any) -> Any:
        time.sleep(delay())
        return original(self, *args, **kwargs)

    return slower


def slower_in(method: str, seconds: float = MAX_DELAY) -> type[HollowCompute]:
    """Production's code, `seconds` later in one RPC method: not a difference."""
    return type(f"SlowerIn_{method}", (HollowCompute,), {
        "__doc__": f"Handles {method} {seconds * 1000:.0f} ms later: not a difference.",
        method: _delayed(method, lambda: seconds)})


class Slower(HollowCompute):
    """Spawns every guest 50 ms later: not a difference."""

    def spawn(self, ctxt: dict[str, Any], instance: dict[str, Any],
              image_meta: dict[str, Any]) -> int:
        time.sleep(0.05)
        return super().spawn(ctxt, instance, image_meta)


Jittery = type("Jittery", (HollowCompute,), {
    "__doc__": "Handles every RPC method after a random 0-100 ms: not a difference.",
    **{m: _delayed(m, lambda: random.uniform(0, MAX_DELAY)) for m in RPC_METHODS}})


@dataclass(frozen=True)
class Change:
    """A named behaviour change and whether the comparator must report it."""

    name: str
    shard: type[HollowCompute]
    is_difference: bool = True
    summary: str = ""

    @property
    def description(self) -> str:
        """What the change does: its summary, else its class's docstring."""
        return self.summary or (self.shard.__doc__ or self.name).strip()


CHANGES = {change.name: change for change in (
    Change("none", HollowCompute, is_difference=False, summary="the same code as production"),
    Change("resource-accounting", WrongResourceAccounting),
    Change("missing-notification", MissingNotification),
    Change("changed-argument", ChangedArgument),
    Change("extra-call", ExtraCall),
    Change("version-above-cap", VersionAboveCap),
    Change("reordered-effects", ReorderedEffects),
    Change("failure", FailureInsteadOfSuccess),
    Change("missing-cleanup", MissingCleanup),
    Change("changed-reply", ChangedReply),
    Change("wrong-port-deleted", WrongPortDeleted),
    Change("totals-off-by-one", TotalsOffByOne),
    Change("no-usage-after-delete", NoUsageAfterDelete),
    Change("slower", Slower, is_difference=False),
    Change("jittery", Jittery, is_difference=False),
    *(Change(f"slower-{m.removesuffix('_instance').replace('_', '-')}", slower_in(m),
             is_difference=False) for m in RPC_METHODS),
)}
TIMING_ONLY = tuple(name for name, change in CHANGES.items()
                    if not change.is_difference and change.shard is not HollowCompute)
