"""The oslo.messaging 2.0 envelope and the `_context_*` keys that carry a request context."""

import datetime
import json
import uuid
from typing import Any

import orjson

from harness.bus.exceptions import MalformedMessage
from harness.bus.versions import version_is_compatible

ENVELOPE_VERSION = "2.0"
VERSION_KEY = "oslo.version"
MESSAGE_KEY = "oslo.message"
CONTEXT_PREFIX = "_context_"
CONTENT_TYPE = "application/json"
DELIVERY_MODE = 2


def dumps(value: Any) -> str:
    """JSON text the way oslo's jsonutils writes it (datetimes, sets, UUIDs made primitive)."""
    return json.dumps(value, default=_primitive)


def _primitive(value: Any) -> Any:
    """Fallback for values json cannot encode, after oslo_serialization's to_primitive."""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    return str(value)


def encode(message: dict[str, Any]) -> dict[str, str]:
    """Wrap an inner message in the 2.0 envelope (the dict kombu then serialises as JSON)."""
    return {VERSION_KEY: ENVELOPE_VERSION, MESSAGE_KEY: dumps(message)}


def loads(text: str) -> Any:
    """JSON text as Python: orjson (four times faster, most of a relay's decoding), else the
    standard library for what oslo's may write and orjson refuses (NaN, integers over 64 bits)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def decode_body(body: bytes | str) -> Any:
    """Parse a raw AMQP body as JSON; MalformedMessage(kind="not_json") when it is not."""
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        return loads(text)
    except (UnicodeDecodeError, ValueError) as error:
        raise MalformedMessage("not_json", str(error)) from None


def decode(payload: Any) -> dict[str, Any]:
    """Unwrap an enveloped message; a bare dict passes through as oslo's legacy 1.0 format.

    Raises MalformedMessage with kind "not_a_message" (not a JSON object), "bad_envelope_version"
    (an envelope this side does not read) or "not_json" (the inner message does not parse).
    """
    if not isinstance(payload, dict):
        kind = type(payload).__name__
        raise MalformedMessage("not_a_message", f"body is a {kind}, not an object")
    if VERSION_KEY not in payload or MESSAGE_KEY not in payload:
        return payload
    version = payload[VERSION_KEY]
    try:
        compatible = version_is_compatible(ENVELOPE_VERSION, str(version))
    except ValueError:
        compatible = False
    if not compatible:
        raise MalformedMessage("bad_envelope_version", f"envelope version {version!r}")
    inner = decode_body(payload[MESSAGE_KEY]) if isinstance(payload[MESSAGE_KEY], str) else None
    if not isinstance(inner, dict):
        raise MalformedMessage("not_a_message", "the envelope's message is not a JSON object")
    return inner


def is_enveloped(payload: Any) -> bool:
    """Whether a decoded body carries the 2.0 envelope keys."""
    return isinstance(payload, dict) and VERSION_KEY in payload and MESSAGE_KEY in payload


def pack_context(message: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """Add each context key to the message as `_context_<key>` (in place; returns it)."""
    message.update((f"{CONTEXT_PREFIX}{key}", value) for key, value in context.items())
    return message


def unpack_context(message: dict[str, Any]) -> dict[str, Any]:
    """Remove the `_context_*` keys from a message and return them as a context dict."""
    keys = [key for key in message if isinstance(key, str) and key.startswith(CONTEXT_PREFIX)]
    return {key[len(CONTEXT_PREFIX):]: message.pop(key) for key in keys}


def new_id() -> str:
    """A `_msg_id` / `_unique_id` as oslo makes them: a uuid4's 32 hex digits."""
    return uuid.uuid4().hex
