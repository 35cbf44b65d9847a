"""Exactly the exchanges and queues oslo.messaging's rabbit driver declares for a target.

Mirrors oslo.messaging 18.3 with its defaults: `amqp_durable_queues=False`,
`amqp_auto_delete=False`, `rabbit_transient_queues_ttl=1800` (x-expires on reply and fanout
queues only), no quorum/HA/stream queues.
"""

import uuid
from dataclasses import dataclass, replace

import kombu

DEFAULT_CONTROL_EXCHANGE = "openstack"
TRANSIENT_QUEUES_TTL = 1800
NOTIFICATION_PRIORITIES = ("audit", "debug", "info", "warn", "error", "critical", "sample")


@dataclass(frozen=True)
class Target:
    """Where a message goes, or what a server listens on (oslo's Target, minus legacy bits).

    `exchange` None means the transport's control exchange; `server` is the host.
    """

    topic: str = ""
    server: str | None = None
    exchange: str | None = None
    fanout: bool = False
    version: str | None = None
    namespace: str | None = None

    def but(self, **changes: object) -> "Target":
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


def transient_arguments(ttl: int = TRANSIENT_QUEUES_TTL) -> dict[str, int]:
    """Queue arguments of reply and fanout queues: x-expires in ms, none when ttl is 0."""
    return {"x-expires": ttl * 1000} if ttl else {}


def control_exchange(name: str, durable: bool = False) -> kombu.Exchange:
    """The control exchange: a topic exchange, non-durable, not auto-deleted."""
    return kombu.Exchange(name, type="topic", durable=durable, auto_delete=False)


def topic_queue(exchange: str, name: str, durable: bool = False) -> kombu.Queue:
    """A competing-consumer server queue (`<topic>` or `<topic>.<host>`) bound by its name."""
    return kombu.Queue(
        name, exchange=control_exchange(exchange, durable), routing_key=name,
        durable=durable, auto_delete=False,
    )


def server_queues(exchange: str, topic: str, host: str | None) -> list[kombu.Queue]:
    """The queues an RPC server on `topic` at `host` consumes: `<topic>`, `<topic>.<host>`."""
    names = [topic] if host is None else [topic, f"{topic}.{host}"]
    return [topic_queue(exchange, name) for name in names]


def fanout_exchange(topic: str) -> kombu.Exchange:
    """The fanout exchange `<topic>_fanout`: non-durable, auto-deleted."""
    return kombu.Exchange(f"{topic}_fanout", type="fanout", durable=False, auto_delete=True)


def fanout_queue(topic: str, ttl: int = TRANSIENT_QUEUES_TTL) -> kombu.Queue:
    """A server's own fanout queue `<topic>_fanout_<uuid hex>`, expiring when unused."""
    return kombu.Queue(
        f"{topic}_fanout_{uuid.uuid4().hex}", exchange=fanout_exchange(topic), routing_key=topic,
        durable=False, auto_delete=False, queue_arguments=transient_arguments(ttl),
    )


def default_exchange() -> kombu.Exchange:
    """The default exchange `""`, which replies are published to."""
    return kombu.Exchange("", type="direct", durable=False, auto_delete=False)


def reply_queue(ttl: int = TRANSIENT_QUEUES_TTL) -> kombu.Queue:
    """A caller's reply queue `reply_<uuid hex>` on the default exchange, expiring when unused."""
    return kombu.Queue(
        f"reply_{uuid.uuid4().hex}", exchange=default_exchange(), routing_key="",
        durable=False, auto_delete=False, queue_arguments=transient_arguments(ttl),
    )


def notification_routing_key(topic: str, priority: str) -> str:
    """`<topic>.<priority>` with the priority lower-cased, as oslo routes notifications."""
    return f"{topic}.{priority.lower()}"


def notification_queue(
    exchange: str, topic: str, priority: str, pool: str | None = None,
) -> kombu.Queue:
    """A notification listener's queue: `<topic>.<priority>` (or the pool's name) on the key."""
    key = notification_routing_key(topic, priority)
    return kombu.Queue(
        pool or key, exchange=control_exchange(exchange), routing_key=key,
        durable=False, auto_delete=False,
    )
