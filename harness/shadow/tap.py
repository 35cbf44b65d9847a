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
from harness.shadow.compare.observation import PERIODIC  # no mirrored message caused it

log = logging.getLogger(__name__)
TAP_MAX_LENGTH = 100_000
TAP_EXPIRES_MS = 600_000
PENDING_SECONDS = 5.0
RESOLVE_EVERY = 0.1  # seconds between passes over the effects waiting for their cause


def tap_queue(session: str, exchange: str, routing_keys: Sequence[str],
              fanouts: Sequence[str] = ()) -> kombu.Queue:
    """The tap's queue in a side's vhost, bound to the peers' topics the side uses, and to the
    fanout exchanges of the topics it casts to every server of."""
    control = topology.control_exchange(exchange)
    bindings = [kombu.binding(control, routing_key=k) for k in routing_keys]
    bindings += [kombu.binding(topology.fanout_exchange(topic)) for topic in fanouts]
    return kombu.Queue(f"harness.tap.{session}", bindings=bindings,
                       durable=False, auto_delete=False,
                       queue_arguments={"x-max-length": TAP_MAX_LENGTH,
                                        "x-expires": TAP_EXPIRES_MS})


def as_effect(inner: dict[str, Any], routing_key: str, session: str,
              side: str = "production") -> dict[str, Any] | None:
    """A tapped message as an effect of a side (None for what is not one); only production's
    are real."""
    request_id, real = inner.get("_context_request_id"), side == "production"
    if "event_type" in inner:  # a notification
        return {"session": session, "shard": inner.get("publisher_id"), "side": side,
                "real": real, "request_id": request_id, "kind": "notification",
                "target": inner.get("publisher_id"), "method": inner.get("event_type"),
                "version": None, "payload": {"priority": str(inner.get("priority")).upper(),
                                             "payload": inner.get("payload")}}
    if isinstance(inner.get("method"), str):
        return {"session": session, "shard": None, "side": side, "real": real,
                "request_id": request_id,
                "kind": "rpc_call" if inner.get("_msg_id") else "rpc_cast",
                "target": routing_key.split(".", 1)[0], "method": inner["method"],
                "version": inner.get("version"), "payload": inner.get("args")}
    return None


class EffectLog(BackgroundLoop):
    """Writes the effects a side's observer sees to a JSONL file, each once its cause (a relayed
    trigger) is known; uncaused ones count as unrelated, or are kept as periodic."""

    counter_prefix = "tap"

    def __init__(self, session: str, output: Path,
                 cause_of: Callable[[str], str | None] | None = None,
                 periodic: Callable[[dict[str, Any]], bool] | None = None) -> None:
        super().__init__()
        self.session, self.output = session, output
        self.cause_of, self._periodic = cause_of, periodic
        self.counters: Counter[str] = Counter()
        self._seq = 0
        self._pending: list[tuple[float, dict[str, Any]]] = []
        self._resolved_at = 0.0

    def attribute(self, effect: dict[str, Any]) -> bool:
        """Set the effect's cause (`caused_by`) when the relay has seen it; False while not.
        By default the cause is the trigger whose request id the effect carries."""
        cause = self.cause_of(str(effect.get("request_id") or "")) if self.cause_of else None
        if cause is not None:
            effect["caused_by"] = cause
        return cause is not None

    def periodic(self, effect: dict[str, Any]) -> bool:
        """Whether an effect no trigger caused is the observed host's own periodic work (it is
        then kept, caused_by `periodic`); by default none is."""
        return self._periodic is not None and self._periodic(effect)

    def declare(self) -> None:
        """Create what the observer reads from before production's traffic is mirrored."""

    def _count(self, what: str) -> None:
        self.counters[f"{self.counter_prefix}_{what}"] += 1

    def _accept(self, out: Any, effect: dict[str, Any] | None) -> None:
        """Queue an effect for attribution (None: what was seen is not one)."""
        if effect is not None:
            self._seq += 1
            effect.update(seq=self._seq, ts=time.time())
            self._pending.append((time.monotonic() + PENDING_SECONDS, effect))
        else:
            self._count("unrelated")
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
            elif deadline < now and self.periodic(effect):
                effect["caused_by"] = PERIODIC
                out.write(json.dumps(effect, default=str, sort_keys=True) + "\n")
                self._count("periodic")
            elif deadline < now:
                self._count("unrelated")
            else:
                still.append((deadline, effect))
        self._pending, self._resolved_at = still, now


class EffectTap(EffectLog):
    """Consumes one queue of the harness's own and writes the effects it sees."""

    def __init__(self, url: str, session: str, output: Path,
                 cause_of: Callable[[str], str | None] | None = None,
                 periodic: Callable[[dict[str, Any]], bool] | None = None) -> None:
        super().__init__(session, output, cause_of, periodic)
        self.url = url

    @abstractmethod
    def queue(self) -> kombu.Queue:
        """The tap's queue, bound where it sees what it observes."""

    @abstractmethod
    def effect(self, inner: dict[str, Any], message: kombu.Message) -> dict[str, Any] | None:
        """A decoded message as an effect (None for what is not one)."""

    def declare(self) -> None:
        """Create the tap's queue (before production's traffic is mirrored)."""
        with connect(self.url) as conn:
            self.queue()(conn.default_channel).declare()

    def _handle(self, out: Any, message: kombu.Message) -> None:
        try:
            inner = envelope.decode(envelope.decode_body(message.body))
        except MalformedMessage:
            self._count("undecodable")
            message.ack()
            return
        self._accept(out, self.effect(inner, message))
        message.ack()

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
    """Writes a side's messages to its peers, for the session's triggers: production's in its
    vhost, or a real nova shadow's in the shadow's vhost (`side`)."""

    thread_name = "tap"

    def __init__(self, url: str, session: str, exchange: str, routing_keys: Sequence[str],
                 output: Path, cause_of: Callable[[str], str | None], *,
                 side: str = "production", fanouts: Sequence[str] = (),
                 keep: Callable[[dict[str, Any]], bool] | None = None,
                 periodic: Callable[[dict[str, Any]], bool] | None = None) -> None:
        super().__init__(url, session, output, cause_of, periodic)
        self.exchange, self.routing_keys = exchange, list(routing_keys)
        self.side, self.fanouts, self.keep = side, list(fanouts), keep
        if side != "production":
            self.thread_name = self.counter_prefix = f"tap_{side}"

    def queue(self) -> kombu.Queue:
        return tap_queue(self.session, self.exchange, self.routing_keys, self.fanouts)

    def effect(self, inner: dict[str, Any], message: kombu.Message) -> dict[str, Any] | None:
        if self.keep is not None and not self.keep(inner):
            return None
        key = message.delivery_info.get("routing_key", "")
        exchange = message.delivery_info.get("exchange", "")
        if exchange.endswith("_fanout"):  # a cast to every server of a topic
            key = exchange.removesuffix("_fanout")
        return as_effect(inner, key, self.session, self.side)
