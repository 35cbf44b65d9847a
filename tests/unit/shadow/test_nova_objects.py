"""The comparator on real nova-compute's effects: one lifecycle (build, reboot, delete) captured
from the broker (`nova_lifecycle_effects.json`, host and instance already normalised). A copy
with only noise changed shows nothing; each behaviour change is named by object, method and
field."""

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.shadow.compare import compare
from harness.shadow.compare.aggregates import AT_REST
from harness.shadow.compare.nova_objects import object_view
from harness.shadow.compare.observation import PERIODIC

CAPTURED = Path(__file__).with_name("nova_lifecycle_effects.json")
BUILD, REBOOT, DELETE = "0:build_and_run_instance", "0:reboot_instance", "0:terminate_instance"
TRIGGERS = {BUILD: "build_and_run_instance", REBOOT: "reboot_instance",
            DELETE: "terminate_instance"}
Effects = list[dict[str, Any]]


def captured() -> Effects:
    return list(json.loads(CAPTURED.read_text()))


def saves(effects: Effects, trigger: str, name: str = "Instance") -> list[dict[str, Any]]:
    """The primitives of one trigger's saves of an object, in order."""
    return [e["payload"]["objinst"] for e in effects
            if e["caused_by"] == trigger and e["method"] == "object_action"
            and e["payload"]["objinst"]["nova_object.name"] == name
            and e["payload"]["objmethod"] == "save"]


def named(production: Effects, candidate: Effects) -> set[tuple[str, str, str, str]]:
    comparison = compare(production, candidate, triggers=TRIGGERS)
    return {(r.method, r.category, r.effect, r.path) for r in comparison.reported}


def test_a_save_is_read_as_the_fields_it_changed() -> None:
    last_build_save = [e for e in captured() if e["caused_by"] == BUILD
                       and e["method"] == "object_action"][-1]
    view = object_view(last_build_save)
    assert view["method"] == "Instance.save"
    assert set(view["payload"]["changes"]) == {"launched_at", "power_state", "task_state",
                                               "vm_state"}  # ec2_ids: derived from row ids
    assert view["payload"]["kwargs"] == {"expected_task_state": "spawning"}


def _noise(effects: Effects) -> Effects:
    """Another run of the same code: other request ids, clocks, row and EC2 ids."""
    text = json.dumps(effects)
    for old, new in [("2026-12-06T09:0", "2027-01-01T10:1"), ("i-00000015", "i-00000099"),
                     ('"id": 21', '"id": 77'), ('"compute_id": 33', '"compute_id": 34')]:
        text = text.replace(old, new)
    changed: Effects = json.loads(text)
    for effect in changed:
        effect["request_id"] = "req-other"
    return changed


def test_the_same_lifecycle_with_other_ids_and_clocks_shows_nothing() -> None:
    production = captured()
    comparison = compare(production, _noise(production), triggers=TRIGGERS)
    assert comparison.reported == [] and not comparison.unexplained
    assert comparison.compared[PERIODIC] == 1


def _power_state_after_spawn(effects: Effects) -> None:
    saves(effects, BUILD)[-1]["nova_object.data"]["power_state"] = 4


def _vm_state_after_reboot(effects: Effects) -> None:
    saves(effects, REBOOT)[-1]["nova_object.data"]["vm_state"] = "stopped"


def _extra_save(effects: Effects) -> None:
    last = max(i for i, e in enumerate(effects) if e["caused_by"] == REBOOT
               and e["method"] == "object_action")
    extra = copy.deepcopy(effects[last])
    extra["payload"]["objinst"]["nova_object.changes"] = []
    effects.insert(last + 1, extra)


def _no_scheduler_update(effects: Effects) -> None:
    effects[:] = [e for e in effects if e["method"] != "update_instance_info"]


def _memory_doubled(effects: Effects) -> None:
    for save in saves(effects, PERIODIC, "ComputeNode"):
        save["nova_object.data"]["memory_mb"] *= 2


def _no_host_in_events(effects: Effects) -> None:
    for effect in effects:
        if effect["payload"].get("objmethod") == "event_start":
            effect["payload"]["kwargs"]["host"] = None


CHANGES: dict[str, tuple[Callable[[Effects], None], tuple[str, str, str, str]]] = {
    "spawn-shutdown": (_power_state_after_spawn, (
        "build_and_run_instance", "value", "rpc_call:conductor:Instance.save",
        "changes.power_state")),
    "reboot-leaves-stopped": (_vm_state_after_reboot, (
        "reboot_instance", "value", "rpc_call:conductor:Instance.save", "changes.vm_state")),
    "extra-instance-save": (_extra_save, (
        "reboot_instance", "extra", "rpc_call:conductor:Instance.save", "")),
    "scheduler-not-told": (_no_scheduler_update, (
        "build_and_run_instance", "missing", "rpc_cast:scheduler:update_instance_info", "")),
    "memory-doubled": (_memory_doubled, (
        PERIODIC, "value", "rpc_call:conductor:ComputeNode.save", "capacity.memory_mb")),
    "event-host-missing": (_no_host_in_events, (
        "reboot_instance", "type", "rpc_call:conductor:InstanceActionEvent.event_start",
        "kwargs.host")),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_each_behaviour_change_is_named_by_object_method_and_field(change: str) -> None:
    production = captured()
    candidate = _noise(production)
    alter, expected = CHANGES[change]
    alter(candidate)
    assert expected in named(production, candidate)


def test_periodic_work_is_compared_whatever_the_timers_did() -> None:
    production = captured()
    candidate = _noise(production)
    heartbeat = saves(candidate, PERIODIC, "Service")[0]
    effect = next(e for e in candidate if e["payload"].get("objinst") is heartbeat)
    candidate += [dict(effect, seq=1000 + n) for n in range(5)]  # its timer fired more often
    candidate.append(dict(effect, seq=2000, method="object_class_action_versions", payload={
        "objname": "InstanceList", "objmethod": "get_by_filters", "args": [], "kwargs": {}}))
    assert named(production, candidate) == set()


def test_host_totals_left_wrong_at_rest_are_named() -> None:
    production = captured()
    candidate = _noise(production)
    saves(candidate, PERIODIC, "ComputeNode")[-1]["nova_object.data"]["running_vms"] = 1
    assert (AT_REST, "value", "aggregate:ComputeNode:save", "running_vms") in named(
        production, candidate)
