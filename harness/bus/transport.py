"""A transport: one broker URL and control exchange, a thread-safe publisher, a reply waiter."""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import amqp
import kombu
import kombu.exceptions

from harness.bus import envelope, topology
from harness.bus.exceptions import MessageDeliveryFailure
from harness.bus.replies import ReplyWaiter
from harness.errors import InfrastructureError

CONNECT_RETRIES = 3
# What a broker going away or closing the connection raises: socket errors, py-amqp's (a forced
# close on restart is an AMQPError, not an OSError), kombu's, and ours when connecting fails.
BROKER_ERRORS = (OSError, kombu.exceptions.KombuError, amqp.exceptions.AMQPError,
                 InfrastructureError)


@dataclass(frozen=True)
class SentMessage:
    """What the transport just published: for recording effects (kind: call, cast, fanout,
    reply, notification), the inner message before its envelope."""

    kind: str
    exchange: str
    routing_key: str
    message: dict[str, Any]


Observer = Callable[[SentMessage], None]


def connect(url: str, heartbeat: float = 0) -> kombu.Connection:
    """An open kombu connection; InfrastructureError (password masked) when the broker is away."""
    connection = kombu.Connection(url, heartbeat=heartbeat)
    try:
        connection.ensure_connection(max_retries=CONNECT_RETRIES, interval_start=0.2)
    except Exception as error:
        connection.release()
        raise InfrastructureError(f"RabbitMQ at {connection.as_uri()}: {error}") from None
    return connection


def drain_until(conn: kombu.Connection, stop: threading.Event, idle: Callable[[], None],
                timeout: float = 0.2, gate: Callable[[], None] | None = None) -> None:
    """Handle incoming frames until `stop` is set, calling `idle` whenever none came for
    `timeout` seconds and `gate` (which may hold on) before each frame is handled. py-amqp's own
    drain sets and restores the socket's timeout around every frame, three per message: for a
    relay, about a twentieth of its time."""
    amqp_connection = conn.connection
    if not isinstance(amqp_connection, amqp.Connection):  # kombu's in-process transports
        while not stop.is_set():
            if gate is not None:
                gate()
            try:
                conn.drain_events(timeout=timeout)
            except TimeoutError:
                idle()
        return
    transport = amqp_connection.transport
    with transport.having_timeout(timeout):
        while not stop.is_set():
            try:
                frame = transport.read_frame()
            except TimeoutError:
                idle()
                continue
            if gate is not None:
                gate()
            amqp_connection.on_inbound_frame(frame)


def cancel_at_once(channel: Any, consumer_tag: str) -> None:
    """Cancel a consumer without waiting for the broker's reply: a caller holding a frame it has
    not handled yet must not read further ones. Deliveries already sent still arrive after."""
    if isinstance(channel, amqp.Channel):
        channel.basic_cancel(consumer_tag, nowait=True)
    else:  # kombu's in-process channels answer at once
        channel.basic_cancel(consumer_tag)


def bind_at_once(queue: kombu.Queue, bound: bool) -> None:
    """Bind or unbind a bound queue everywhere it is declared to be bound, without waiting for
    the broker's replies, as `cancel_at_once` (an unbind-ok nobody awaits is dropped). Binding
    declares each exchange again: an auto-delete one (oslo's fanout) went with its last binding."""
    for binding in queue.bindings:
        if bound:
            binding.declare(queue.channel, nowait=True)
            binding.bind(queue, nowait=True)
        else:
            binding.unbind(queue, nowait=True)


class Publisher:
    """Publishes enveloped messages on its own connection; safe to share between threads."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._lock = threading.Lock()
        self._connection: kombu.Connection | None = None
        self._producer: kombu.Producer | None = None

    def publish(
        self, body: dict[str, Any], *, exchange: kombu.Exchange, routing_key: str,
        declare: list[Any] | None = None, expiration: float | None = None,
    ) -> None:
        """Publish an enveloped `body` as JSON, delivery mode 2; MessageDeliveryFailure when the
        broker cannot take it (the next publish connects afresh)."""
        with self._lock:
            try:
                if self._producer is None:
                    self._connection = connect(self._url)
                    self._producer = kombu.Producer(self._connection.channel())
                self._producer.publish(
                    body, exchange=exchange, routing_key=routing_key, serializer="json",
                    delivery_mode=envelope.DELIVERY_MODE,
                    declare=declare or [], expiration=expiration, retry=True,
                    retry_policy={"max_retries": CONNECT_RETRIES, "interval_start": 0.2},
                )
            except BROKER_ERRORS as error:
                self._release()
                raise MessageDeliveryFailure(
                    f"could not publish to exchange {exchange.name!r} with key "
                    f"{routing_key!r}: {error}") from error

    def _release(self) -> None:
        """Drop the connection and producer (the caller holds the lock)."""
        if self._connection is not None:
            self._connection.release()
        self._connection = None
        self._producer = None

    def close(self) -> None:
        """Close the connection (a later publish reopens it)."""
        with self._lock:
            self._release()


class Transport:
    """One broker vhost and control exchange; hands out connections, a publisher, replies."""

    def __init__(
        self, url: str, control_exchange: str = topology.DEFAULT_CONTROL_EXCHANGE,
        transient_queues_ttl: int = topology.TRANSIENT_QUEUES_TTL,
    ) -> None:
        self.url = url
        self.control_exchange = control_exchange
        self.transient_queues_ttl = transient_queues_ttl
        self.publisher = Publisher(url)
        self.observers: list[Observer] = []
        self._waiter_lock = threading.Lock()
        self._reply_waiter: ReplyWaiter | None = None

    def connect(self) -> kombu.Connection:
        """A new connection of its own (for a consumer loop)."""
        return connect(self.url)

    def exchange_for(self, target: topology.Target) -> str:
        """The exchange a target's messages use: its own, else the control exchange."""
        return target.exchange or self.control_exchange

    def send(
        self, kind: str, message: dict[str, Any], *, exchange: kombu.Exchange, routing_key: str,
        declare: list[Any] | None = None, expiration: float | None = None,
    ) -> None:
        """Publish one inner message in its envelope, then tell the observers."""
        self.publisher.publish(
            envelope.encode(message), exchange=exchange, routing_key=routing_key, declare=declare,
            expiration=expiration,
        )
        sent = SentMessage(kind, exchange.name, routing_key, message)
        for observe in self.observers:
            observe(sent)

    @property
    def reply_waiter(self) -> ReplyWaiter:
        """The transport's one reply queue and the waiter on it (made on first use);
        MessageDeliveryFailure when the broker cannot give it."""
        with self._waiter_lock:
            if self._reply_waiter is None:
                self._reply_waiter = self._open_reply_waiter()
            return self._reply_waiter

    def _open_reply_waiter(self) -> ReplyWaiter:
        """A reply queue on a connection of its own, released again if the queue fails."""
        try:
            connection = connect(self.url)
        except InfrastructureError as error:
            raise MessageDeliveryFailure(f"could not open a reply queue: {error}") from error
        try:
            return ReplyWaiter(connection, self.transient_queues_ttl)
        except BROKER_ERRORS as error:
            connection.release()
            raise MessageDeliveryFailure(f"could not open a reply queue: {error}") from error

    def close(self) -> None:
        """Close every connection this transport opened."""
        with self._waiter_lock:
            if self._reply_waiter is not None:
                self._reply_waiter.close()
                self._reply_waiter = None
        self.publisher.close()

    def __enter__(self) -> "Transport":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
