"""Notifications in oslo's messagingv2 format: the message, its routing, and the Notifier."""

import datetime
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from harness.bus import topology
from harness.bus.envelope import pack_context, unpack_context
from harness.bus.exceptions import MalformedMessage
from harness.bus.transport import Transport

DEFAULT_TOPIC = "notifications"
# Context keys that carry credentials: never sent on the notification bus (oslo redacts them).
REDACTED_CONTEXT_KEYS = frozenset({"auth_token", "service_token", "password", "secret"})


@dataclass(frozen=True)
class Notification:
    """One received notification, its context split off."""

    message_id: str
    publisher_id: str
    event_type: str
    priority: str
    payload: Any
    timestamp: str
    ctxt: dict[str, Any] = field(default_factory=dict)


def notification_message(
    publisher_id: str, event_type: str, priority: str, payload: Any,
) -> dict[str, Any]:
    """The inner notification oslo's Notifier builds (priority upper-case, naive UTC time)."""
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    return {
        "message_id": str(uuid.uuid4()), "publisher_id": publisher_id,
        "event_type": event_type, "priority": priority.upper(), "payload": payload,
        "timestamp": str(now),
    }


def parse_notification(inner: dict[str, Any]) -> Notification:
    """A Notification from a decoded inner message; MalformedMessage("bad_notification")."""
    body = dict(inner)
    ctxt = unpack_context(body)
    missing = [key for key in ("event_type", "priority") if not isinstance(body.get(key), str)]
    if missing:
        raise MalformedMessage("bad_notification", f"missing {', '.join(missing)}")
    return Notification(
        message_id=str(body.get("message_id", "")), publisher_id=str(body.get("publisher_id", "")),
        event_type=body["event_type"], priority=body["priority"], payload=body.get("payload"),
        timestamp=str(body.get("timestamp", "")), ctxt=ctxt,
    )


def _at_priority(priority: str) -> Callable[["Notifier", dict[str, Any], str, Any], None]:
    """A Notifier method sending at one priority (oslo's info(), error(), ...)."""

    def send(self: "Notifier", ctxt: dict[str, Any], event_type: str, payload: Any) -> None:
        self.notify(ctxt, event_type, payload, priority)

    send.__doc__ = f"Send a {priority} notification."
    return send


@dataclass(frozen=True)
class Notifier:
    """Sends notifications to `<topic>.<priority>` on the control exchange, like oslo's."""

    transport: Transport
    publisher_id: str
    topics: tuple[str, ...] = (DEFAULT_TOPIC,)
    exchange: str | None = None

    def prepare(self, publisher_id: str) -> "Notifier":
        """The same notifier under another publisher id."""
        return replace(self, publisher_id=publisher_id)

    def notify(self, ctxt: dict[str, Any], event_type: str, payload: Any, priority: str) -> None:
        """Send one notification to every topic (a queue per key is declared, as oslo does)."""
        name = self.exchange or self.transport.control_exchange
        exchange = topology.control_exchange(name)
        safe = {k: v for k, v in ctxt.items() if k not in REDACTED_CONTEXT_KEYS}
        for topic in self.topics:
            message = notification_message(self.publisher_id, event_type, priority, payload)
            message["_unique_id"] = uuid.uuid4().hex
            pack_context(message, safe)
            key = topology.notification_routing_key(topic, priority)
            queue = topology.topic_queue(name, key)
            self.transport.send(
                "notification", message, exchange=exchange, routing_key=key,
                declare=[exchange, queue],
            )

    audit = _at_priority("AUDIT")
    debug = _at_priority("DEBUG")
    info = _at_priority("INFO")
    warn = warning = _at_priority("WARN")
    error = _at_priority("ERROR")
    critical = _at_priority("CRITICAL")
    sample = _at_priority("SAMPLE")
