"""What a server set consumes: an RPC target's queues, or notification queues, on one channel."""

import abc
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from typing import Any

import kombu
import kombu.message

from harness.bus import envelope, topology
from harness.bus.counters import Counters
from harness.bus.dedup import SeenIds
from harness.bus.dispatcher import Dispatcher
from harness.bus.exceptions import MalformedMessage, NoSuchMethod, UnsupportedVersion
from harness.bus.failures import serialize_failure
from harness.bus.messages import Incoming, parse_request, reply
from harness.bus.notifications import Notification, parse_notification
from harness.bus.transport import Transport
from shims.causes import handling

log = logging.getLogger(__name__)

_FAILURE_KINDS: dict[type[Exception], str] = {
    NoSuchMethod: "no_such_method",
    UnsupportedVersion: "unsupported_version",
}


def decode_raw(message: kombu.message.Message, counters: Counters) -> dict[str, Any] | None:
    """The inner message of a delivery, or None (rejected and counted) when it is malformed."""
    try:
        payload = envelope.decode_body(message.body)
        inner = envelope.decode(payload)
        if not envelope.is_enveloped(payload):
            counters.bump("no_envelope")
        return inner
    except MalformedMessage as error:
        counters.bump(error.kind)
        log.warning("rejected a malformed message: %s", error)
        message.reject()
        return None


class Listener(abc.ABC):
    """A set of queues consumed on one channel of the server set's connection."""

    def __init__(self, queues: Sequence[kombu.Queue]) -> None:
        self.queues = list(queues)
        self.counters = Counters()
        self.consumer: kombu.Consumer | None = None

    def attach(self, channel: Any) -> None:
        """Declare the queues on `channel` and start consuming them."""
        self.consumer = kombu.Consumer(channel, self.queues, on_message=self.on_message)
        self.consumer.consume()

    def detach(self) -> None:
        """Stop consuming and close the channel (the queues stay, as oslo leaves them)."""
        consumer, self.consumer = self.consumer, None
        if consumer is not None:
            consumer.cancel()
            consumer.channel.close()  # type: ignore[union-attr]

    def on_message(self, message: kombu.message.Message) -> None:
        """Decode one delivery (malformed ones are rejected and counted), ack it, receive it."""
        inner = decode_raw(message, self.counters)
        if inner is not None:
            message.ack()
            self.receive(inner)

    @abc.abstractmethod
    def receive(self, inner: dict[str, Any]) -> None:
        """Handle one decoded, acknowledged message; never raises."""


class RPCListener(Listener):
    """An RPC server for one (topic, host) target: `<topic>`, `<topic>.<host>`, its fanout queue."""

    def __init__(
        self, transport: Transport, target: topology.Target, endpoints: Sequence[object],
        executor: Executor | None = None, fanout: bool = True,
    ) -> None:
        exchange = transport.exchange_for(target)
        queues = topology.server_queues(exchange, target.topic, target.server)
        if fanout:
            queues.append(topology.fanout_queue(target.topic, transport.transient_queues_ttl))
        super().__init__(queues)
        self.transport = transport
        self.target = target
        self.dispatcher = Dispatcher(endpoints)
        self.executor = executor
        self._seen = SeenIds()

    def receive(self, inner: dict[str, Any]) -> None:
        """Already acked, as oslo does; drop repeats, dispatch inline or on the executor."""
        try:
            incoming = parse_request(inner)
        except MalformedMessage as error:
            self.counters.bump(error.kind)
            self._answer(inner.get("_msg_id"), inner.get("_reply_q"), None, error)
            return
        if self._seen.repeated(incoming.unique_id):
            self.counters.bump("duplicate")
            return
        if self.executor is None:
            self.handle(incoming)
        else:
            self.executor.submit(self.handle, incoming)

    def handle(self, incoming: Incoming) -> None:
        """Dispatch one request under its cause and reply when it is a call; never raises."""
        with handling(incoming.cause, incoming.ctxt.get("request_id")):
            try:
                result, failure = self.dispatcher.dispatch(incoming), None
                self.counters.bump("handled")
            except Exception as error:
                result, failure = None, error
                kind = _FAILURE_KINDS.get(type(error), "endpoint_error")
                self.counters.bump(kind)
                if kind == "endpoint_error":  # as oslo: a cast's failure has no caller to tell
                    log.exception("exception during message handling of %s", incoming.method)
            self._answer(incoming.msg_id, incoming.reply_q, result, failure)

    def _answer(
        self, msg_id: Any, reply_q: Any, result: Any, failure: Exception | None,
    ) -> None:
        """Send the reply of a call (casts get none); a failed send is counted, not raised."""
        if not (isinstance(msg_id, str) and isinstance(reply_q, str)):
            return
        body = reply(msg_id, result, serialize_failure(failure) if failure else None)
        try:
            self.transport.send(
                "reply", body, exchange=topology.default_exchange(), routing_key=reply_q,
            )
        except Exception as error:
            self.counters.bump("reply_failed")
            log.error("reply to %s on %s failed: %s", msg_id, reply_q, error)


NotificationCallback = Callable[[Notification], None]


class NotificationListener(Listener):
    """Receives notifications `<topic>.<priority>` and hands each to a callback."""

    def __init__(
        self, transport: Transport, topics: Sequence[str], callback: NotificationCallback,
        priorities: Sequence[str] = topology.NOTIFICATION_PRIORITIES,
        pool: str | None = None, exchange: str | None = None,
    ) -> None:
        name = exchange or transport.control_exchange
        super().__init__([
            topology.notification_queue(name, topic, priority, pool)
            for topic in topics for priority in priorities
        ])
        self.callback = callback

    def receive(self, inner: dict[str, Any]) -> None:
        """Deliver one notification; a callback error is counted, never raised."""
        try:
            notification = parse_notification(inner)
        except MalformedMessage as error:
            self.counters.bump(error.kind)
            return
        try:
            self.callback(notification)
            self.counters.bump("handled")
        except Exception:
            self.counters.bump("callback_error")
            log.exception("notification callback failed for %s", notification.event_type)
