"""Consistent sampling: an instance is shadowed for all its messages or for none."""

import hashlib
from typing import Any

SCALE = 2**32


def instance_uuid(args: Any) -> str | None:
    """The instance a compute message is about, as nova passes it (object, dict or uuid arg)."""
    if not isinstance(args, dict):
        return None
    instance = args.get("instance")
    if isinstance(instance, dict):
        data = instance.get("nova_object.data", instance)
        if isinstance(data, dict) and data.get("uuid"):
            return str(data["uuid"])
    for key in ("instance_uuid", "instance_id"):
        if isinstance(args.get(key), str):
            return str(args[key])
    return None


def sampled(args: Any, fraction: float) -> bool:
    """True when the message's instance falls in the sample; host-level messages always do."""
    if fraction >= 1.0:
        return True
    uuid = instance_uuid(args)
    if uuid is None:
        return True
    digest = int.from_bytes(hashlib.sha1(uuid.encode()).digest()[:4], "big")
    return digest / SCALE < fraction
