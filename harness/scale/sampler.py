"""Samples the control plane and the broker once a second while a scale job runs."""

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from harness.bus.management import ManagementClient
from harness.errors import HarnessError
from harness.periodic import Periodic
from harness.scale.cpu import CpuMeter
from harness.scale.database_probe import DatabaseProbe

log = logging.getLogger(__name__)
INTERVAL = 1.0
CONDUCTOR_QUEUE = "conductor"


@dataclass(frozen=True)
class Sample:
    """One reading: when (seconds into the run), at which ramp step and host count, and what."""

    t: float
    step: int
    hosts: int
    conductor_cpu: float | None
    database_cpu: float | None
    db_statements_per_s: float | None
    queue_messages: int | None
    queue_max: int | None
    conductor_queue: int | None
    connections: int | None
    heartbeats: int
    late_heartbeats: int

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON and CSV."""
        return asdict(self)


@dataclass
class Broker:
    """The cloud's vhost as its management API shows it."""

    management: ManagementClient
    vhost: str

    def queues(self) -> tuple[int, int, int]:
        """Messages waiting for a service in the vhost (queues somebody consumes: the
        notification queues nobody reads in a sandbox would only grow), in the fullest such
        queue, and in the conductor's."""
        queues = self.management.queues(self.vhost)
        depths = {q["name"]: int(q.get("messages") or 0) for q in queues
                  if q.get("consumers")}
        return (sum(depths.values()), max(depths.values(), default=0),
                depths.get(CONDUCTOR_QUEUE, 0))

    def connections(self) -> int:
        """Client connections to the vhost."""
        return len(self.management.connections(self.vhost))


def _guarded(read: Callable[[], Any], what: str) -> Any:
    """One reading, or None when its source does not answer this time (logged)."""
    try:
        return read()
    except (HarnessError, SQLAlchemyError, OSError) as error:
        log.debug("sampling %s: %s", what, str(error).splitlines()[0] if str(error) else error)
        return None


class Sampler:
    """A daemon thread taking a Sample each INTERVAL; `position` says the step and host count."""

    def __init__(self, conductor: CpuMeter, database: CpuMeter, probe: DatabaseProbe,
                 broker: Broker, position: Callable[[], tuple[int, int]]) -> None:
        self.conductor = conductor
        self.database = database
        self.probe = probe
        self.broker = broker
        self.position = position
        self.samples: list[Sample] = []
        self.begin = time.monotonic()
        self._ticker = Periodic("scale-sampler", INTERVAL, self.take)

    def start(self) -> None:
        """Take a first reading (the baseline of every rate), then sample until stop()."""
        self.take()
        self._ticker.start()

    def take(self) -> None:
        """One reading of everything, kept."""
        now = time.monotonic()
        step, hosts = self.position()
        queues = _guarded(self.broker.queues, "broker queues") or (None, None, None)
        beats = _guarded(self.probe.heartbeats, "heartbeats")
        sample = Sample(
            t=round(now - self.begin, 2), step=step, hosts=hosts,
            conductor_cpu=self.conductor.read(), database_cpu=self.database.read(),
            db_statements_per_s=_guarded(lambda: self.probe.statements_per_second(now),
                                         "database statements"),
            queue_messages=queues[0], queue_max=queues[1], conductor_queue=queues[2],
            connections=_guarded(self.broker.connections, "broker connections"),
            heartbeats=beats.reports if beats else 0, late_heartbeats=beats.late if beats else 0,
        )
        self.samples.append(sample)

    def stop(self) -> None:
        """Stop sampling."""
        self._ticker.stop()
