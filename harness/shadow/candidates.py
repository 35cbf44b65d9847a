"""Deliberate behaviour changes of the hollow compute: candidates the comparator must name.

Each is the smallest subclass that changes one behaviour, the way a real patch would; `slower`
changes only timing, which must never count as a difference.
"""

import time
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


class Slower(HollowCompute):
    """Does everything production does, 20 ms later: not a difference."""

    def spawn(self, ctxt: dict[str, Any], instance: dict[str, Any],
              image_meta: dict[str, Any]) -> int:
        time.sleep(0.02)
        return super().spawn(ctxt, instance, image_meta)


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
    Change("slower", Slower, is_difference=False),
)}
