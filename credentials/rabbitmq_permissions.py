"""Which queues and exchanges a shard may touch, as RabbitMQ configure/write/read patterns.

RabbitMQ checks `configure` on declaring or deleting a queue or exchange, `write` on publishing
to an exchange and on binding a queue (the queue's name), and `read` on consuming a queue and on
binding (the exchange's name). The default exchange is named `amq.default` in these checks.
oslo.messaging names what a nova-compute-like server uses: queues `<topic>`, `<topic>.<host>`,
`<topic>_fanout_<uuid hex>` and `reply_<uuid hex>` (with a direct exchange of the same name);
exchanges: the control exchange and `<topic>_fanout`; replies go out on the default exchange.
A shard built on harness.bus also owns one exclusive `harness.wake.<uuid hex>` queue, which its
server loop uses to wake itself (exclusive: no other connection can touch it).
"""

import re
from dataclasses import dataclass

UUID_HEX = "[0-9a-f]{32}"
DEFAULT_EXCHANGE = "amq.default"
EVERYTHING = ".*"
NOTIFICATIONS = "notifications"
PRIORITIES = ("audit", "debug", "info", "warn", "error", "critical", "sample")


@dataclass(frozen=True)
class VhostPermissions:
    """One vhost's three patterns, in the shape the rabbitmq secrets engine's role wants."""

    vhost: str
    configure: str
    write: str
    read: str

    def as_role_entry(self) -> dict[str, dict[str, str]]:
        """{"vhost": {"configure": ..., "write": ..., "read": ...}}."""
        return {self.vhost: {"configure": self.configure, "write": self.write, "read": self.read}}


def exactly(*names: str) -> str:
    """A pattern matching exactly these names (each name a regex fragment already)."""
    return "^(" + "|".join(names) + ")$"


def shadow_permissions(vhost: str) -> VhostPermissions:
    """A shadow shard owns its own vhost entirely and has no right anywhere else."""
    return VhostPermissions(vhost, EVERYTHING, EVERYTHING, EVERYTHING)


def production_permissions(
    vhost: str, host: str, control_exchange: str, topic: str = "compute",
    alt_topics: tuple[str, ...] = (), fanout_casts: tuple[str, ...] = (), numbered: bool = False,
) -> VhostPermissions:
    """A production shard: its own server and reply queues, and the exchanges it publishes to;
    `numbered`: a process serving hosts `<host>-0`, `<host>-1`, ... (many shards, one user).

    Real nova-compute also serves `compute-alt` (alt_topics) and casts to every scheduler
    through `scheduler_fanout` (fanout_casts: declared and written, never read)."""
    h = re.escape(host) + ("-[0-9]+" if numbered else "")
    queues: tuple[str, ...] = (f"reply_{UUID_HEX}", f"harness\\.wake\\.{UUID_HEX}")
    exchanges: tuple[str, ...] = (re.escape(control_exchange), f"reply_{UUID_HEX}")
    for served in (topic, *alt_topics):
        t = re.escape(served)
        queues += (t, f"{t}\\.{h}", f"{t}_fanout_{UUID_HEX}")
        exchanges += (f"{t}_fanout",)
    casts = tuple(f"{re.escape(name)}_fanout" for name in fanout_casts)
    # A notifier declares and binds its `notifications.<priority>` queues (as oslo's does) but
    # never reads them: configure and write only.
    notifications = f"{NOTIFICATIONS}\\.({'|'.join(PRIORITIES)})"
    return VhostPermissions(
        vhost=vhost,
        configure=exactly(*queues, *exchanges, *casts, notifications),
        write=exactly(*queues, *exchanges, *casts, notifications, re.escape(DEFAULT_EXCHANGE)),
        read=exactly(*queues, *exchanges),
    )
