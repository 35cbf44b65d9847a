"""Observe production without touching its code: a tap on its control exchange.

A queue of the harness's own (bounded, expiring) copies what production sends to its peers:
calls and casts to other topics, and notifications. Each copy is tied to the mirrored message
that caused it by the request id its context carries, and written as an effect of the same
shape the shims record, so the comparator can match the two sides.
"""

import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import kombu

from harness.bus import envelope, topology
from harness.bus.exceptions import MalformedMessage
from harness.bus.transport import connect
from harness.shadow.background import BROKER_GONE, BackgroundLoop

log = logging.getLogger(__name__)
TAP_MAX_LENGTH = 100_000
TAP_EXPIRES_MS = 600_000
PENDING_SECONDS = 5.0


def tap_queue(session: str, exchange: str, routing_keys: Sequence[str]) -> kombu.Queue:
    """The tap's queue in production's vhost, bound to the peers' topics production uses."""
    control = topology.control_exchange(exchange)
    return kombu.Queue(f"harness.tap.{session}",
                       bindings=[kombu.binding(control, routing_key=k) for k in routing_keys],
                       durable=False, auto_delete=False,
                       queue_arguments={"x-max-length": TAP_MAX_LENGTH,
                                        "x-expires": TAP_EXPIRES_MS})


def as_effect(inner: dict[str, Any], routing_key: str, session: str) -> dict[str, Any] | None:
    """A tapped message as a production effect (None for what is not one)."""
    request_id = inner.get("_context_request_id")
    if "event_type" in inner:  # a notification
        return {"session": session, "shard": inner.get("publisher_id"), "side": "production",
                "real": True, "request_id": request_id, "kind": "notification",
                "target": inner.get("publisher_id"), "method": inner.get("event_type"),
                "version": None, "payload": {"priority": str(inner.get("priority")).upper(),
                                             "payload": inner.get("payload")}}
    if isinstance(inner.get("method"), str):
        return {"session": session, "shard": None, "side": "production", "real": True,
                "request_id": request_id,
                "kind": "rpc_call" if inner.get("_msg_id") else "rpc_cast",
                "target": routing_key.split(".", 1)[0], "method": inner["method"],
                "version": inner.get("version"), "payload": inner.get("args")}
    return None


class Tap(BackgroundLoop):
    """Writes production's effects for the session's triggers to a JSONL file."""

    thread_name = "tap"

    def __init__(self, production_url: str, session: str, exchange: str,
                 routing_keys: Sequence[str], output: Path,
                 cause_of: Callable[[str], str | None]) -> None:
        super().__init__()
        self.url, self.session, self.exchange = production_url, session, exchange
        self.routing_keys = list(routing_keys)
        self.output, self.cause_of = output, cause_of
        self.counters: Counter[str] = Counter()
        self._seq = 0
        self._pending: list[tuple[float, dict[str, Any]]] = []

    def declare(self) -> kombu.Queue:
        """Create the tap's queue (before production's traffic is mirrored)."""
        queue = tap_queue(self.session, self.exchange, self.routing_keys)
        with connect(self.url) as conn:
            queue(conn.default_channel).declare()
        return queue

    def _handle(self, out: Any, message: kombu.Message) -> None:
        try:
            inner = envelope.decode(envelope.decode_body(message.body))
        except MalformedMessage:
            self.counters["tap_undecodable"] += 1
            message.ack()
            return
        effect = as_effect(inner, message.delivery_info.get("routing_key", ""), self.session)
        if effect is not None:
            self._seq += 1
            effect.update(seq=self._seq, ts=time.time())
            self._pending.append((time.monotonic() + PENDING_SECONDS, effect))
        else:
            self.counters["tap_unrelated"] += 1
        message.ack()
        self._resolve(out)

    def _resolve(self, out: Any) -> None:
        """Write pending effects whose trigger the relay has seen; drop the expired ones.

        Production may answer a message before the relay has recorded it as a trigger, so an
        effect waits a few seconds for its cause before it counts as unrelated traffic.
        """
        still, now = [], time.monotonic()
        for deadline, effect in self._pending:
            cause = self.cause_of(str(effect.get("request_id") or ""))
            if cause is not None:
                effect["caused_by"] = cause
                out.write(json.dumps(effect, default=str, sort_keys=True) + "\n")
                self.counters["tapped"] += 1
            elif deadline < now:
                self.counters["tap_unrelated"] += 1
            else:
                still.append((deadline, effect))
        self._pending = still

    def run(self) -> None:
        """Tap until stopped, reconnecting when the broker goes away."""
        self.output.parent.mkdir(parents=True, exist_ok=True)
        with self.output.open("a", buffering=1) as out:
            while not self._stop.is_set():
                try:
                    with connect(self.url) as conn:
                        queue = tap_queue(self.session, self.exchange, self.routing_keys)
                        with conn.Consumer([queue], on_message=lambda m: self._handle(out, m),
                                           prefetch_count=500):
                            while not self._stop.is_set():
                                try:
                                    conn.drain_events(timeout=0.2)
                                except TimeoutError:
                                    self._resolve(out)
                except BROKER_GONE as error:
                    log.warning("tap lost the broker (%s); reconnecting", error)
                    time.sleep(0.5)
