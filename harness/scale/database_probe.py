"""What the control plane's database is doing: statements per second, and when each compute
host's service last reported (the heartbeats the scheduler judges hosts by)."""

import datetime
from dataclasses import dataclass, field

from sqlalchemy import Engine, bindparam, text

from harness.sandbox.schema import services

# Server-wide counters: MariaDB counts every statement (Questions), PostgreSQL transactions in
# this database. A shared server's other clients count too.
STATEMENT_COUNTERS = {
    "mysql": "SHOW GLOBAL STATUS LIKE 'Questions'",
    "postgresql": "SELECT 'x', sum(xact_commit + xact_rollback) FROM pg_stat_database "
                  "WHERE datname = current_database()",
}
# A report more than half an interval after it was due is late; MariaDB's DATETIME keeps whole
# seconds, so one more second is allowed for the timestamps' own rounding.
LATE_FACTOR = 1.5
TIMESTAMP_PRECISION = 1.0


@dataclass
class HeartbeatTally:
    """Service reports seen since the last reading, and how many of them came late."""

    reports: int = 0
    late: int = 0


@dataclass
class DatabaseProbe:
    """Reads the statement counter and the services table of the sandbox's database."""

    engine: Engine
    host_prefix: str
    report_interval: float
    _statements: tuple[float, int] | None = None
    _beats: dict[str, tuple[int, datetime.datetime]] = field(default_factory=dict)

    def statements_per_second(self, now: float) -> float | None:
        """Statements (or transactions) a second since the last reading; None for SQLite."""
        query = STATEMENT_COUNTERS.get(self.engine.dialect.name)
        if query is None:
            return None
        with self.engine.connect() as conn:
            count = int(conn.execute(text(query)).one()[1] or 0)
        previous, self._statements = self._statements, (now, count)
        if previous is None or now <= previous[0]:
            return None
        return round((count - previous[1]) / (now - previous[0]), 1)

    def heartbeats(self) -> HeartbeatTally:
        """The reports each of this run's hosts made since the last reading, late or not."""
        query = (services.select().with_only_columns(
            services.c.host, services.c.report_count, services.c.updated_at)
            .where(services.c.host.like(bindparam("prefix")),
                   services.c.binary == "nova-compute"))
        with self.engine.connect() as conn:
            rows = conn.execute(query, {"prefix": f"{self.host_prefix}%"}).all()
        tally = HeartbeatTally()
        limit = LATE_FACTOR * self.report_interval + TIMESTAMP_PRECISION
        for host, count, updated in rows:
            if updated is None:
                continue
            before = self._beats.get(host)
            self._beats[host] = (count, updated)
            if before is None or count <= before[0]:
                continue
            reports = count - before[0]
            gap = (updated - before[1]).total_seconds() / reports
            tally.reports += reports
            tally.late += reports if gap > limit else 0
        return tally
