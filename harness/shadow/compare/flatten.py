"""Flatten nested payloads into path -> leaf, so differences can be named field by field."""

from typing import Any


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Map every leaf of nested dicts and lists to a dotted path (lists as [i])."""
    if isinstance(value, dict) and value:
        flat: dict[str, Any] = {}
        for key in sorted(value):
            flat.update(flatten(value[key], f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(value, list) and value:
        flat = {}
        for index, item in enumerate(value):
            flat.update(flatten(item, f"{prefix}[{index}]"))
        return flat
    return {prefix: value}


def shape(value: Any) -> str:
    """A leaf's type name, which structural mode compares instead of its value."""
    if isinstance(value, dict | list):
        return "empty " + type(value).__name__
    return type(value).__name__
