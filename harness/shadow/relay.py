"""The relay: move each mirrored copy into every shadow vhost, marked, sampled, and counted."""

import json
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

import amqp
import kombu

from credentials.redaction import MASK
from harness.bus import envelope, topology
from harness.bus.exceptions import MalformedMessage
from harness.bus.transport import BROKER_ERRORS, bind_at_once, cancel_at_once, connect, drain_until
from harness.shadow.background import BackgroundLoop
from harness.shadow.host_load import HostLoad
from harness.shadow.mirror import MirrorSpec, mirror_queues
from harness.shadow.sampling import instance_uuid, sampled

log = logging.getLogger(__name__)
SHADOW_MARK = "_context_shadow"
ACK_EVERY = 100
MIRROR_CONSUMER = "mirror"
# a held relay goes on only once the host stayed under its limit this long: production at a
# steady load dips under it now and then, and each dip let a burst of shadow work through
RESUME_AFTER = 0.25
# Where the inner message's JSON text starts in a raw 2.0 envelope, and the mark as it reads
# inside that (escaped) text: splicing it in spares re-encoding the whole message.
INNER_MESSAGE = re.compile(r'"oslo\.message"\s*:\s*"')
ESCAPED_MARK = json.dumps(f'"{SHADOW_MARK}": true, ')[1:-1]
Delivery: TypeAlias = "amqp.Message | kombu.Message"  # py-amqp's on RabbitMQ, kombu's in process


@dataclass(frozen=True)
class Trigger:
    """One mirrored message both shadows received: what their effects will be grouped by."""

    id: str  # the _msg_id of a call, else the _unique_id
    method: str
    request_id: str
    routing_key: str
    ts: float
    instance: str = ""  # the instance the message is about, if any
    args: str = ""  # its arguments in short, for the report


# Argument names that carry secrets, as oslo_utils.strutils masks them.
SECRET_ARGUMENT_WORDS = ("pass", "secret", "token", "private_key", "encrypted_key")


def in_short(args: Any, width: int = 40) -> str:
    """Arguments as `name=value` in short: an object by its class, a long value cut, a secret
    (a guest's admin_password, a token) masked, since triggers are kept and reported."""
    if not isinstance(args, dict):
        return ""
    shown = []
    for name, value in args.items():
        if value is None or value == [] or value == {}:
            continue
        if any(word in name.lower() for word in SECRET_ARGUMENT_WORDS):
            text = MASK
        elif isinstance(value, dict) and "nova_object.name" in value:
            text = f"<{value['nova_object.name']}>"
        elif isinstance(value, dict | list):
            text = f"<{type(value).__name__} of {len(value)}>"
        else:
            text = repr(value)
        shown.append(f"{name}={text if len(text) <= width else text[:width - 3] + '...'}")
    return ", ".join(shown)


def spliced(text: str, payload: Any) -> str | None:
    """The raw envelope with the mark spliced into its inner message, or None when it cannot be.

    The splice point is found, not guessed: the text parsed as a two-key envelope, and inside
    its escaped inner string every quote is `\\"`, so the first `"oslo.message": "` is the key
    itself; the inner text must open an object there (a `\\u007b` or the like falls back).
    """
    if not envelope.is_enveloped(payload) or len(payload) != 2:
        return None
    found = INNER_MESSAGE.search(text)
    if found is None or text[found.end():found.end() + 1] != "{":
        return None
    return text[:found.end() + 1] + ESCAPED_MARK + text[found.end() + 1:]


class ShadowLink:
    """A connection into one shadow vhost, declaring there what production's peers would."""

    def __init__(self, url: str, spec: MirrorSpec) -> None:
        self.connection = connect(url)
        self.channel = self.connection.channel()
        self.exchange = topology.control_exchange(spec.exchange, spec.durable)
        self.fanout = topology.fanout_exchange(spec.topic)
        self.exchange.declare(channel=self.channel)
        self.fanout.declare(channel=self.channel)
        self.reply_queues: set[str] = set()

    def publish(self, body: bytes, inner: dict[str, Any], routing_key: str, fanout: bool) -> None:
        """Publish the marked copy; pre-declare the caller's reply queue so replies stay here."""
        reply_q = inner.get("_reply_q")
        if reply_q and reply_q not in self.reply_queues:
            kombu.Queue(reply_q, exchange=topology.default_exchange(), routing_key=reply_q,
                        durable=False, auto_delete=False,
                        queue_arguments=topology.transient_arguments()
                        )(self.channel).declare()
            self.reply_queues.add(reply_q)
        # Straight onto the channel: the exchanges were declared once, the body is already bytes.
        self.channel.basic_publish(
            self.channel.prepare_message(
                body, content_type=envelope.CONTENT_TYPE, content_encoding="utf-8",
                properties={"delivery_mode": envelope.DELIVERY_MODE}),
            exchange=(self.fanout if fanout else self.exchange).name, routing_key=routing_key)

    def close(self) -> None:
        """Release the connection."""
        self.connection.release()


class Relay(BackgroundLoop):
    """Consumes the mirror in production's vhost and republishes into each shadow vhost."""

    thread_name = "relay"

    def __init__(self, production_url: str, spec: MirrorSpec, shadow_urls: list[str],
                 sample: float = 1.0, on_trigger: Callable[[Trigger], None] | None = None,
                 yield_above: float | None = None, shed: bool = False,
                 prepare: Callable[[str, dict[str, Any]], None] | None = None) -> None:
        super().__init__()
        self.spec, self.sample = spec, sample
        # given each relayed message's instance uuid and arguments before the shadows
        self.prepare = prepare
        self.yield_above = yield_above  # hold while the host's CPUs are busier than this
        self.shed = shed  # and unbind the mirror meanwhile: the broker copies nothing then
        self.production_url, self.shadow_urls = production_url, shadow_urls
        self.on_trigger = on_trigger  # None: nobody records triggers, none is built
        self.counters: Counter[str] = Counter()
        self.ready = threading.Event()  # set while the mirror is bound and being consumed
        self._unacked: Delivery | None = None
        self._pending = 0

    def declare(self) -> None:
        """Create the mirror (and its drop counter) in production's vhost."""
        with connect(self.production_url) as conn:
            for queue in mirror_queues(self.spec):
                queue(conn.default_channel).declare()

    def _mark(self, body: bytes) -> tuple[bytes, dict[str, Any]]:
        """Decode, mark as shadow, re-encode; MalformedMessage when it is not a message."""
        try:
            text = body.decode("utf-8") if isinstance(body, bytes) else body
        except UnicodeDecodeError as error:
            raise MalformedMessage("not_json", str(error)) from None
        payload = envelope.decode_body(text)
        inner = envelope.decode(payload)
        if not isinstance(inner.get("method"), str):
            raise MalformedMessage("no_method", "mirrored message has no method")
        marked = None if SHADOW_MARK in inner else spliced(text, payload)
        inner[SHADOW_MARK] = True
        if marked is None:  # a legacy bare message, or an envelope spelled unusually
            marked = json.dumps(envelope.encode(inner))
        return marked.encode(), inner

    def _handle(self, links: list[ShadowLink], message: Delivery) -> None:
        self.counters["mirrored"] += 1
        try:
            body, inner = self._mark(message.body)
        except MalformedMessage:
            self.counters["undecodable"] += 1
        else:
            args = inner.get("args")
            if sampled(args, self.sample):
                uuid = instance_uuid(args)
                if self.prepare is not None and uuid and isinstance(args, dict):
                    self.prepare(uuid, args)
                fanout = message.delivery_info.get("exchange") == f"{self.spec.topic}_fanout"
                key = message.delivery_info.get("routing_key") or self.spec.routing_keys[0]
                for link in links:
                    link.publish(body, inner, key, fanout)
                self.counters["relayed"] += 1
                if self.on_trigger is not None:
                    self.on_trigger(Trigger(
                        str(inner.get("_msg_id") or inner.get("_unique_id") or ""),
                        inner["method"], str(inner.get("_context_request_id") or ""), key,
                        time.time(), uuid or "", in_short(args)))
            else:
                self.counters["sampled_out"] += 1
        self._ack_later(message)

    def _ack_later(self, message: Delivery) -> None:
        """Ack in batches: one frame acknowledges every message up to this one."""
        self._unacked, self._pending = message, self._pending + 1
        if self._pending >= ACK_EVERY:
            self._flush_acks()

    def _flush_acks(self) -> None:
        if self._unacked is not None:
            self._unacked.channel.basic_ack(self._unacked.delivery_tag, multiple=True)
        self._unacked, self._pending = None, 0

    def _yielding(self, channel: Any, consume: Callable[[], None], mirror: kombu.Queue
                  ) -> Callable[[], None] | None:
        """A gate that holds the relay (so the shadows get no new work, and the broker does none
        for them) while this host's CPUs are busier than `yield_above`, and goes on only once they
        stayed under it for RESUME_AFTER: on a shared box the shadow side then runs in
        production's idle time. The mirror's consumer is cancelled meanwhile, so the broker
        delivers nothing to a relay that is not reading (it had pushed up to a prefetch's worth
        into the socket) and copies wait in the mirror, as with nothing attached. A shedding
        relay also unbinds the mirror: the broker's copy of each message is what is left of a
        session's cost to production, and production's messages meanwhile are never mirrored."""
        if self.yield_above is None:
            return None
        load, limit = HostLoad(), self.yield_above

        def gate() -> None:
            if load.busy() < limit:
                return
            self._flush_acks()
            cancel_at_once(channel, MIRROR_CONSUMER)
            if self.shed:
                bind_at_once(mirror, bound=False)
            held = quiet_since = time.monotonic()
            while not self._stop.wait(load.window):
                if load.busy() >= limit:
                    quiet_since = time.monotonic()
                elif time.monotonic() - quiet_since >= RESUME_AFTER:
                    break
            if self.shed:
                bind_at_once(mirror, bound=True)
            consume()
            spent = "shed_ms" if self.shed else "held_ms"
            self.counters[spent] += round((time.monotonic() - held) * 1000)
        return gate

    def _count_drop(self, message: Delivery) -> None:
        self.counters["dropped"] += 1
        message.channel.basic_ack(message.delivery_tag)

    def run(self) -> None:
        """Relay until stop(); reconnect and carry on when the broker goes away."""
        while not self._stop.is_set():
            try:
                self._run_once()
            except BROKER_ERRORS as error:
                self.ready.clear()
                self.counters["reconnects"] += 1
                log.warning("relay lost the broker (%s); reconnecting", error)
                self._unacked, self._pending = None, 0
                time.sleep(0.5)

    def _run_once(self) -> None:
        links = [ShadowLink(url, self.spec) for url in self.shadow_urls]
        try:
            with connect(self.production_url) as conn:
                channel = conn.default_channel
                mirror, drops = (q(channel) for q in mirror_queues(self.spec))
                mirror.declare()
                drops.declare()
                # py-amqp's own consumers: its raw message, without kombu's wrapper around each
                # (about a tenth of the relay's time), and the body relayed without decoding twice
                channel.basic_qos(0, ACK_EVERY * 5, False)

                def consume() -> None:  # without waiting: a gate may hold a frame unhandled
                    channel.basic_consume(queue=mirror.name, no_ack=False, nowait=True,
                                          consumer_tag=MIRROR_CONSUMER,
                                          callback=lambda m: self._handle(links, m))
                consume()
                channel.basic_consume(queue=drops.name, no_ack=False, consumer_tag="drops",
                                      callback=self._count_drop)
                self.ready.set()
                drain_until(conn, self._stop, idle=self._flush_acks,
                            gate=self._yielding(channel, consume, mirror))
                for tag in (MIRROR_CONSUMER, "drops"):  # no delivery arrives on a closing channel
                    channel.basic_cancel(tag)
                self._flush_acks()
        finally:
            for link in links:
                link.close()
