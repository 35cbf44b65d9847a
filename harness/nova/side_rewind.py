"""A copied instance put back as the mirrored message describes it.

The row copier reads a new instance from production while production's own compute is already
working on the same message: by then it may have saved the instance once or twice (its state,
its host and node, the system metadata a build adds). The candidate must start from what the
message's sender left, as production's compute did, so the copy's instance row, its metadata
and its block device mappings are set back to the message's own objects.
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any

from harness.nova.identifiers import quoted

DATA = "nova_object.data"
# Columns no compute sets, or that name the row: left as copied.
KEPT = frozenset({"id", "uuid", "deleted", "created_at"})
METADATA = {"system_metadata": "instance_system_metadata", "metadata": "instance_metadata"}
ISO_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?:Z|[+-]00:?00)?$")


def _data(value: Any) -> dict[str, Any] | None:
    """A nova object primitive's fields (None for anything else)."""
    if isinstance(value, dict) and isinstance(value.get(DATA), dict):
        return dict(value[DATA])
    return None


def db_value(value: Any) -> Any:
    """A primitive's scalar as its column holds it (an ISO time as DATETIME text)."""
    if isinstance(value, str) and (found := ISO_TIME.match(value)):
        return f"{found.group(1)} {found.group(2)}"
    return value


def column_values(data: Mapping[str, Any], columns: Iterable[str]) -> dict[str, Any]:
    """The object's plain fields that are columns of its table, as the columns hold them."""
    wanted = set(columns) - KEPT
    return {name: db_value(value) for name, value in data.items()
            if name in wanted and (value is None or isinstance(value, str | int | float))}


def block_device_mappings(args: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The fields of each block device mapping a message carries (a list object or a list)."""
    given = args.get("block_device_mapping")
    listed = _data(given)
    items = listed.get("objects", []) if listed is not None else given
    return [data for item in items or [] if (data := _data(item)) is not None]


def _update(cur: Any, table: str, key: str, value: Any, values: dict[str, Any]) -> None:
    if values:
        assignments = ", ".join(f"{quoted(column)} = %s" for column in values)
        cur.execute(f"UPDATE {table} SET {assignments} WHERE {quoted(key)} = %s",
                    (*values.values(), value))


def rewind(cur: Any, clone: str, columns: Mapping[str, list[str]],
           args: Mapping[str, Any]) -> bool:
    """Set the clone's copy of the message's instance back to the message's objects; whether
    the message carried the instance as an object."""
    instance = _data(args.get("instance"))
    if instance is None or not instance.get("uuid"):
        return False
    uuid, database = str(instance["uuid"]), quoted(clone)
    _update(cur, f"{database}.instances", "uuid", uuid,
            column_values(instance, columns["instances"]))
    for field, table in METADATA.items():
        pairs = instance.get(field)
        if not isinstance(pairs, dict):
            continue  # not loaded in the message: the compute reads it from the clone
        cur.execute(f"DELETE FROM {database}.{quoted(table)} WHERE instance_uuid = %s", (uuid,))
        cur.executemany(f"INSERT INTO {database}.{quoted(table)} (created_at, instance_uuid, "
                        "`key`, value, deleted) VALUES (UTC_TIMESTAMP(), %s, %s, %s, 0)",
                        [(uuid, key, value) for key, value in pairs.items()])
    for mapping in block_device_mappings(args):
        if mapping.get("uuid"):
            _update(cur, f"{database}.block_device_mapping", "uuid", mapping["uuid"],
                    column_values(mapping, columns["block_device_mapping"]))
    return True
