"""Replies, observed through RabbitMQ's firehose: opt-in, and bounded to the session.

oslo's replies go to the default exchange, which no binding of ours can copy; with a vhost's
firehose on, the broker CCs every publish to `amq.rabbitmq.trace` as `publish.<exchange>`, so
a tap bound to `publish.` (the default exchange has no name) sees every reply in that vhost.
The same tap on each shadow's vhost sees that shadow's replies, so both sides are observed
the same way. A reply counts only when its `_msg_id` is a relayed call's: every other reply
in the vhost (production's other callers, the responders' answers) is unrelated.
"""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kombu

from harness.shadow.tap import EffectTap

TRACE_EXCHANGE = "amq.rabbitmq.trace"
DEFAULT_EXCHANGE_PUBLISHES = "publish."
REPLY_TAP_MAX_LENGTH = 100_000
REPLY_TAP_EXPIRES_MS = 600_000


def reply_tap_queue(session: str, side: str) -> kombu.Queue:
    """The tap's queue for one side's vhost: the firehose's copies of default-exchange publishes."""
    trace = kombu.Exchange(TRACE_EXCHANGE, type="topic", durable=True, passive=True)
    return kombu.Queue(f"harness.replies.{session}.{side}", exchange=trace,
                       routing_key=DEFAULT_EXCHANGE_PUBLISHES, durable=False, auto_delete=False,
                       queue_arguments={"x-max-length": REPLY_TAP_MAX_LENGTH,
                                        "x-expires": REPLY_TAP_EXPIRES_MS})


def _failure(text: Any) -> dict[str, Any] | None:
    """What a reply's failure says, without its traceback (which names lines, not behaviour)."""
    if not text:
        return None
    try:
        found = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return {"message": str(text)}
    if not isinstance(found, dict):
        return {"message": str(found)}
    return {key: found.get(key) for key in ("class", "module", "message")}


def reply_effect(inner: dict[str, Any], session: str, side: str) -> dict[str, Any] | None:
    """A traced reply as an effect of its side (None for a publish that is not a reply)."""
    msg_id = inner.get("_msg_id")
    if not isinstance(msg_id, str) or not ({"result", "failure"} & inner.keys()):
        return None
    return {"session": session, "shard": None, "side": side, "real": side == "production",
            "request_id": None, "kind": "rpc_reply", "target": "caller", "method": None,
            "version": None, "msg_id": msg_id,
            "payload": {"result": inner.get("result"), "failure": _failure(inner.get("failure"))}}


class ReplyTap(EffectTap):
    """Writes one side's replies to the session's relayed calls."""

    thread_name = "reply-tap"

    def __init__(self, url: str, session: str, side: str, output: Path,
                 method_of: Callable[[str], str | None]) -> None:
        super().__init__(url, session, output)
        self.side, self.method_of = side, method_of
        self.counter_prefix = f"{side}_replies"

    def queue(self) -> kombu.Queue:
        return reply_tap_queue(self.session, self.side)

    def effect(self, inner: dict[str, Any], message: kombu.Message) -> dict[str, Any] | None:
        return reply_effect(inner, self.session, self.side)

    def attribute(self, effect: dict[str, Any]) -> bool:
        method = self.method_of(effect["msg_id"])
        if method is not None:
            effect.update(caused_by=effect.pop("msg_id"), method=method)
        return method is not None
