"""When a shard is ready: its queue has a consumer and it has reported in to the conductor."""

import functools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import amqp
import kombu

from harness.config.schema import Cloud
from harness.config.secrets import resolve_secret
from harness.errors import InfrastructureError

if TYPE_CHECKING:  # imported when first needed: 0.15 s, paid while the shard starts up
    import sqlalchemy

COMPUTE_BINARY = "nova-compute"
POLL_SECONDS = 0.02


def consumers(bus_url: str, queue: str) -> int:
    """How many consumers a queue has right now (0 when it does not exist).

    Asked of the broker over AMQP (a passive declare), not of the management API, whose
    consumer counts are statistics refreshed every collect_statistics_interval (5 s by
    default): readiness waited seconds for nothing, and a host taken a moment ago looked free.
    """
    with kombu.Connection(bus_url, connect_timeout=5) as conn:
        try:
            return int(conn.channel().queue_declare(queue, passive=True).consumer_count)
        except amqp.exceptions.NotFound:
            return 0


def vhost_of(cloud: Cloud) -> str:
    """The vhost in the cloud's AMQP URL (`/` when none)."""
    path = cloud.bus.url.split("//", 1)[1].partition("/")[2]
    return path or "/"


@functools.lru_cache(maxsize=8)
def _engine(url: "sqlalchemy.URL") -> "sqlalchemy.Engine":
    """One pooled engine per database for the whole process: a new engine per poll paid a
    connection (and, with pymysql, an SSL context) every poll."""
    import sqlalchemy

    return sqlalchemy.create_engine(url, pool_pre_ping=True)


def reported_in(cloud: Cloud, host: str) -> bool:
    """True once the host's compute service has a record in the cloud's database."""
    if cloud.database is None:
        return True  # nothing to check against: the queue consumer has to do
    import sqlalchemy

    url = sqlalchemy.engine.make_url(cloud.database.url)
    if cloud.database.password is not None:
        url = url.set(password=resolve_secret(cloud.database.password, cloud))
    services = sqlalchemy.table("services", sqlalchemy.column("host"),
                                sqlalchemy.column("binary"), sqlalchemy.column("report_count"))
    query = sqlalchemy.select(services.c.report_count).where(
        services.c.host == host, services.c.binary == COMPUTE_BINARY)
    try:
        with _engine(url).connect() as conn:
            row = conn.execute(query).first()
    except sqlalchemy.exc.SQLAlchemyError:
        return False
    return row is not None


def wait_ready(checks: dict[str, Callable[[], bool]], timeout: float,
               alive: Callable[[], bool]) -> None:
    """Wait until every named check holds; fail fast when the shard dies, name what is missing."""
    deadline = time.monotonic() + timeout
    pending = dict(checks)
    while pending:
        pending = {name: check for name, check in pending.items() if not check()}
        if not pending:
            return
        if not alive():
            raise InfrastructureError(f"the shard exited before it was ready ({', '.join(pending)}"
                                      " never held); see its logs")
        if time.monotonic() > deadline:
            raise InfrastructureError(f"not ready after {timeout:.0f}s: {', '.join(pending)}")
        time.sleep(POLL_SECONDS)
