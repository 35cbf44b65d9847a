"""Observe a side without touching its code: taps, queues of the harness's own on its vhost.

`Tap` copies what production sends to its peers on the control exchange: calls and casts to
other topics, and notifications. Each copy is tied to the mirrored message that caused it by
the request id its context carries, and written as an effect of the same shape the shims
record, so the comparator can match the two sides. `EffectTap` is what every tap shares.
"""

import json
import logging
import time
from abc import abstractmethod
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import kombu

from harness.bus import envelope, topology
from harness.bus.exceptions import MalformedMessage
from harness.bus.transport import BROKER_ERRORS, connect
from harness.shadow.background import BackgroundLoop

log = logging.getLogger(__name__)
TAP_MAX_LENGTH = 100_000
TAP_EXPIRES_MS = 600_000
PENDING_SECONDS = 5.0
RESOLVE_EVERY = 0.1  # seconds between passes over the effects waiting for their cause


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


class EffectTap(BackgroundLoop):
    """Consumes one queue of the harness's own and writes the effects it sees to a JSONL file,
    each once its cause (a relayed trigger) is known; uncaused ones count as unrelated."""

    counter_prefix = "tap"

    def __init__(self, url: str, session: str, output: Path) -> None:
        super().__init__()
        self.url, self.session, self.output = url, session, output
        self.counters: Counter[str] = Counter()
        self._seq = 0
        self._pending: list[tuple[float, dict[str, Any]]] = []
        self._resolved_at = 0.0

    @abstractmethod
    def queue(self) -> kombu.Queue:
        """The tap's queue, bound where it sees what it observes."""

    @abstractmethod
    def effect(self, inner: dict[str, Any], message: kombu.Message) -> dict[str, Any] | None:
        """A decoded message as an effect (None for what is not one)."""

    @abstractmethod
    def attribute(self, effect: dict[str, Any]) -> bool:
        """Set the effect's cause (`caused_by`) when the relay has seen it; False while not."""

    def _count(self, what: str) -> None:
        self.counters[f"{self.counter_prefix}_{what}"] += 1

    def declare(self) -> kombu.Queue:
        """Create the tap's queue (before production's traffic is mirrored)."""
        queue = self.queue()
        with connect(self.url) as conn:
            queue(conn.default_channel).declare()
        return queue

    def _handle(self, out: Any, message: kombu.Message) -> None:
        try:
            inner = envelope.decode(envelope.decode_body(message.body))
        except MalformedMessage:
            self._count("undecodable")
            message.ack()
            return
        effect = self.effect(inner, message)
        if effect is not None:
            self._seq += 1
            effect.update(seq=self._seq, ts=time.time())
            self._pending.append((time.monotonic() + PENDING_SECONDS, effect))
        else:
            self._count("unrelated")
        message.ack()
        if time.monotonic() - self._resolved_at >= RESOLVE_EVERY:
            self._resolve(out)

    def _resolve(self, out: Any) -> None:
        """Write pending effects whose trigger the relay has seen; drop the expired ones.

        A side may act on a message before the relay has recorded it as a trigger, so an
        effect waits a few seconds for its cause before it counts as unrelated traffic.
        """
        still, now = [], time.monotonic()
        for deadline, effect in self._pending:
            if self.attribute(effect):
                out.write(json.dumps(effect, default=str, sort_keys=True) + "\n")
                self._count("seen")
            elif deadline < now:
                self._count("unrelated")
            else:
                still.append((deadline, effect))
        self._pending, self._resolved_at = still, now

    def run(self) -> None:
        """Tap until stopped, reconnecting when the broker goes away."""
        self.output.parent.mkdir(parents=True, exist_ok=True)
        with self.output.open("a", buffering=1) as out:
            while not self._stop.is_set():
                try:
                    with connect(self.url) as conn, conn.Consumer(
                            [self.queue()], on_message=lambda m: self._handle(out, m),
                            prefetch_count=500):
                        while not self._stop.is_set():
                            try:
                                conn.drain_events(timeout=0.2)
                            except TimeoutError:
                                self._resolve(out)
                except BROKER_ERRORS as error:
                    log.warning("%s lost the broker (%s); reconnecting", self.thread_name, error)
                    time.sleep(0.5)
            self._resolve(out)


class Tap(EffectTap):
    """Writes production's messages to its peers, for the session's triggers."""

    thread_name = "tap"

    def __init__(self, production_url: str, session: str, exchange: str,
                 routing_keys: Sequence[str], output: Path,
                 cause_of: Callable[[str], str | None]) -> None:
        super().__init__(production_url, session, output)
        self.exchange, self.routing_keys, self.cause_of = exchange, list(routing_keys), cause_of

    def queue(self) -> kombu.Queue:
        return tap_queue(self.session, self.exchange, self.routing_keys)

    def effect(self, inner: dict[str, Any], message: kombu.Message) -> dict[str, Any] | None:
        return as_effect(inner, message.delivery_info.get("routing_key", ""), self.session)

    def attribute(self, effect: dict[str, Any]) -> bool:
        cause = self.cause_of(str(effect.get("request_id") or ""))
        if cause is not None:
            effect["caused_by"] = cause
        return cause is not None
