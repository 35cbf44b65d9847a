"""Conductor calls as the comparator reads them: nova object calls by object and method, a save
by the fields it changed (not its whole primitive), noise left out.

Real nova-compute (and the hollow) save through `object_action` (`objinst`, `objmethod`) and
ask through `object_class_action_versions` (`objname`, `objmethod`). Both become effects whose
method is `Object.method` (`Instance.save`, `InstanceActionEvent.event_start`) and whose payload
holds what the call says about behaviour:

- `changes`: for an `object_action`, the primitive's `nova_object.changes` and their values;
- `capacity`: for a `ComputeNode`, what the host has (memory, vCPUs, disk, hypervisor), which
  no interleaving of instances changes;
- `usage`: a `ComputeNode`'s totals over its instances, shown as evidence but compared only by
  the aggregates check (`is_usage_path`);
- `args`, `kwargs`: the call's own arguments (`expected_task_state`, an event's host);
- `object_version`: the primitive's version.

Nested primitives are reduced to their data. What says *when* a side ran or which id it drew
(request ids, a heartbeat's `report_count`, the object-version manifest, generated ids: `NOISE`)
is left out; `*_at` fields are hidden by the default ignore rules.
"""

from collections.abc import Mapping
from typing import Any

from harness.shadow.compare.observation import Effect

OBJECT_ACTION = "object_action"
CLASS_ACTIONS = ("object_class_action_versions", "object_class_action")
NAME, DATA, CHANGES, VERSION = ("nova_object.name", "nova_object.data", "nova_object.changes",
                                "nova_object.version")
TOTALS_OBJECT = "ComputeNode"
USAGE_KEY = "usage"
# ComputeNode fields that sum over the host's instances (checked by the aggregates module)
USAGE = frozenset({"running_vms", "memory_mb_used", "vcpus_used", "local_gb_used",
                   "free_ram_mb", "free_disk_gb", "disk_available_least", "current_workload",
                   "stats"})
# (not the allocation ratios: a node reports its initial ones until the resource tracker's
# first update sets the configured ones, so which a save carries is timing)
CAPACITY = ("memory_mb", "vcpus", "local_gb", "hypervisor_type", "hypervisor_version")
# Fields and arguments that differ between any two runs of the same code: request ids, a
# heartbeat's count, the object-version manifest, ids a database or the side generated (a
# created object's `uuid`, row ids, the compute node's, EC2 ids derived from row ids, the
# reservation id nova-api drew).
NOISE = frozenset({"request_id", "global_request_id", "report_count", "object_versions",
                   "uuid", "id", "compute_id", "ec2_ids", "reservation_id"})


def is_usage_path(path: str) -> bool:
    """Whether a flattened path is a host's usage total, which no trigger alone decides."""
    return path == USAGE_KEY or path.startswith(f"{USAGE_KEY}.")


def is_primitive(value: Any) -> bool:
    """Whether a value is a nova versioned-object primitive."""
    return isinstance(value, dict) and NAME in value and isinstance(value.get(DATA), dict)


def reduced(value: Any) -> Any:
    """A value with nested primitives replaced by their data and noise keys dropped."""
    if is_primitive(value):
        return reduced(value[DATA])
    if isinstance(value, dict):
        return {k: reduced(v) for k, v in value.items() if k not in NOISE}
    if isinstance(value, list):
        return [reduced(v) for v in value]
    return value


def _action_view(args: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(Object.method, payload) of an object_action, None when it carries no primitive."""
    objinst = args.get("objinst")
    if not isinstance(objinst, dict) or not is_primitive(objinst):
        return None
    name, data = str(objinst[NAME]), objinst[DATA]
    changed = [f for f in objinst.get(CHANGES, []) if f in data]
    if name == TOTALS_OBJECT:
        changed = [f for f in changed if f not in USAGE]
    payload: dict[str, Any] = {
        "changes": {f: reduced(data[f]) for f in sorted(changed) if f not in NOISE},
        "args": reduced(args.get("args", [])), "kwargs": reduced(args.get("kwargs", {})),
        "object_version": objinst.get(VERSION)}
    if name == TOTALS_OBJECT:
        payload["capacity"] = {f: data[f] for f in CAPACITY if f in data}
        payload[USAGE_KEY] = {f: reduced(data[f]) for f in sorted(USAGE) if f in data}
    return f"{name}.{args.get('objmethod')}", payload


def _class_action_view(args: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(Object.method, payload) of a class action."""
    if "objname" not in args:
        return None
    return (f"{args['objname']}.{args.get('objmethod')}",
            {"args": reduced(args.get("args", [])), "kwargs": reduced(args.get("kwargs", {}))})


def _carries_primitives(value: Any) -> bool:
    if is_primitive(value):
        return True
    if isinstance(value, dict):
        return any(_carries_primitives(v) for v in value.values())
    return isinstance(value, list) and any(_carries_primitives(v) for v in value)


def object_view(effect: Effect) -> Effect:
    """A conductor object call as `Object.method` with its behaviour-bearing payload; another
    message carrying nova objects (a cast of instances to the schedulers) with them reduced;
    any other effect as it is."""
    payload, method = effect.get("payload"), effect.get("method")
    if effect.get("kind") not in ("rpc_call", "rpc_cast") or not isinstance(payload, dict):
        return effect
    view = None
    if effect.get("kind") == "rpc_call" and method == OBJECT_ACTION:
        view = _action_view(payload)
    elif effect.get("kind") == "rpc_call" and method in CLASS_ACTIONS:
        view = _class_action_view(payload)
    if view is not None:
        return {**effect, "method": view[0], "payload": view[1]}
    return {**effect, "payload": reduced(payload)} if _carries_primitives(payload) else effect
