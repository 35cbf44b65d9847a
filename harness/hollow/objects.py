"""nova's versioned-object primitives, the shape instances and services travel in over RPC."""

from typing import Any

NAMESPACE = "nova"
OBJECT_VERSIONS = {"Instance": "2.8", "Flavor": "1.2", "Service": "1.22", "ComputeNode": "1.19"}


def primitive(name: str, data: dict[str, Any], changes: list[str] | None = None) -> dict[str, Any]:
    """Wrap fields as a nova object primitive; `changes` lists the fields to be saved."""
    wrapped: dict[str, Any] = {
        "nova_object.name": name,
        "nova_object.namespace": NAMESPACE,
        "nova_object.version": OBJECT_VERSIONS[name],
        "nova_object.data": data,
    }
    if changes is not None:
        wrapped["nova_object.changes"] = sorted(changes)
    return wrapped


def object_name(obj: Any) -> str:
    """The class name of a primitive, or raise ValueError naming what is wrong with it."""
    if not isinstance(obj, dict) or "nova_object.name" not in obj:
        raise ValueError(f"not a nova object primitive: {str(obj)[:120]}")
    return str(obj["nova_object.name"])


def fields(obj: Any) -> dict[str, Any]:
    """The data fields of a primitive (a copy, so callers may change it)."""
    object_name(obj)
    data = obj.get("nova_object.data")
    if not isinstance(data, dict):
        raise ValueError("nova object primitive has no nova_object.data mapping")
    return dict(data)


def changed(obj: dict[str, Any]) -> dict[str, Any]:
    """The fields a primitive marks as changed, with their new values."""
    data = fields(obj)
    return {key: data[key] for key in obj.get("nova_object.changes", []) if key in data}


def with_updates(obj: dict[str, Any], **updates: Any) -> dict[str, Any]:
    """A copy of a primitive with fields updated and marked as the changes to save."""
    data = fields(obj)
    data.update(updates)
    return primitive(object_name(obj), data, list(updates))
