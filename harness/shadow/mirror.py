"""The mirror: a bounded, expiring queue of the harness's own, bound with production's keys.

The broker copies each message at enqueue, so production's path gets no extra hop; the queue's
name never equals a production routing key, so no production consumer's work is taken.
Overflowed and expired copies are dead-lettered to a counting queue so every drop is counted.
"""

from dataclasses import dataclass
from typing import Any

import kombu

from harness.bus import topology


@dataclass(frozen=True)
class MirrorSpec:
    """What to mirror: one production host's compute topic, and how much to hold."""

    session: str
    host: str
    exchange: str  # production's control exchange
    topic: str = "compute"
    max_length: int = 100_000
    durable: bool = False  # as production's queues are (oslo's amqp_durable_queues)
    expires_ms: int = 600_000  # the broker deletes the mirror if the harness is gone this long

    @property
    def name(self) -> str:
        """The mirror queue's name (never a production routing key)."""
        return f"harness.mirror.{self.session}.{self.host}"

    @property
    def dropped_exchange(self) -> str:
        """Where the broker dead-letters copies it drops (overflow, expiry)."""
        return f"harness.mirror.{self.session}.dropped"

    @property
    def routing_keys(self) -> list[str]:
        """Production's keys for this host: the server topic (the fanout is bound separately)."""
        return [f"{self.topic}.{self.host}"]


def mirror_arguments(spec: MirrorSpec) -> dict[str, Any]:
    """The mirror's bound, expiry and dead-lettering of what it drops."""
    return {"x-max-length": spec.max_length, "x-overflow": "drop-head",
            "x-expires": spec.expires_ms, "x-dead-letter-exchange": spec.dropped_exchange}


def mirror_queues(spec: MirrorSpec) -> tuple[kombu.Queue, kombu.Queue]:
    """The mirror queue (bound to the control and fanout exchanges) and its drop counter."""
    dropped = kombu.Exchange(spec.dropped_exchange, type="fanout", durable=True,
                             auto_delete=False)
    arguments = mirror_arguments(spec)
    control = topology.control_exchange(spec.exchange, spec.durable)
    bindings = [kombu.binding(control, routing_key=key) for key in spec.routing_keys]
    bindings.append(kombu.binding(topology.fanout_exchange(spec.topic), routing_key=spec.topic))
    # Durable only when production's queues are: a restart then keeps the same messages for
    # both sides. A durable mirror of transient queues would hand the shadow messages production
    # lost, and makes the broker write every (persistent) copy to disk on production's path.
    mirror = kombu.Queue(spec.name, bindings=bindings, durable=spec.durable, auto_delete=False,
                         queue_arguments=arguments)
    drops = kombu.Queue(f"{spec.name}.dropped", exchange=dropped, routing_key="", durable=True,
                        auto_delete=False, queue_arguments={"x-expires": spec.expires_ms})
    return mirror, drops
