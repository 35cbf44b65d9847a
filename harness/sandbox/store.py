"""The sandbox conductor's database: instance, service and compute-node state (SQLAlchemy Core)."""

import datetime
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    DateTime,
    Engine,
    Table,
    create_engine,
    event,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from harness.errors import InfrastructureError
from harness.sandbox.db_retry import retry_on_deadlock
from harness.sandbox.schema import compute_nodes, instances, metadata, services

INSTANCE_FIELDS = frozenset(c.name for c in instances.columns)
TIME_FIELDS = frozenset(c.name for c in instances.columns if isinstance(c.type, DateTime))
POOL_SIZE: dict[str, Any] = {"pool_size": 8, "max_overflow": 24, "pool_recycle": 3600}
# One-statement writes hold a connection for one round trip: a few carry hundreds a second,
# and a database server's connections are shared (MariaDB's max_connections is 151).
SINGLE_STATEMENT_POOL: dict[str, Any] = {"pool_size": 4, "max_overflow": 4, "pool_recycle": 3600}


class UnexpectedTaskState(Exception):
    """An instance's task_state is not what the saver expected: a racing operation won."""


class InstanceNotFound(Exception):
    """No live instance has that uuid."""


def utcnow() -> datetime.datetime:
    """Naive UTC now, the way nova stores times."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def open_engine(url: str, password: str | None = None) -> Engine:
    """An engine for the URL, the password added in memory only; creates the tables."""
    parsed = make_url(url)
    if password is not None:
        parsed = parsed.set(password=password)
    options: dict[str, Any] = {"pool_pre_ping": True}
    if parsed.get_backend_name() == "sqlite":
        options["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        options.update(POOL_SIZE)
    engine = create_engine(parsed, **options)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_wal)
    try:
        metadata.create_all(engine)
    except SQLAlchemyError as error:
        engine.dispose()
        cause = str(getattr(error, "orig", None) or error).splitlines()[0]
        where = parsed.render_as_string(hide_password=True)
        raise InfrastructureError(f"sandbox database {where}: {cause}") from None
    return engine


def _as_time(value: Any) -> Any:
    """A datetime from the ISO text a time travels as over RPC (None and datetimes pass)."""
    if isinstance(value, str):
        try:
            return datetime.datetime.fromisoformat(value).replace(tzinfo=None)
        except ValueError:
            raise ValueError(f"not an ISO time: {value!r}") from None
    return value


def _sqlite_wal(dbapi_connection: Any, _record: Any) -> None:
    """Let readers and the one writer of a SQLite file proceed together."""
    dbapi_connection.execute("PRAGMA journal_mode=WAL")
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def upsert(dialect: str, table: Table, row: dict[str, Any], key: list[str],
           values: dict[str, Any]) -> Any:
    """INSERT row, or UPDATE values where a row with the same key exists, in one statement."""
    if dialect == "mysql":
        return mysql_insert(table).values(**row).on_duplicate_key_update(**values)
    dialect_insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return (dialect_insert(table).values(**row)
            .on_conflict_do_update(index_elements=key, set_=values))


def _task_state_in(expected: Iterable[str | None]) -> Any:
    """A WHERE clause: task_state is one of the expected values (None meaning NULL)."""
    values = list(expected)
    clauses = [instances.c.task_state.is_(None)] if None in values else []
    named = [v for v in values if v is not None]
    if named:
        clauses.append(instances.c.task_state.in_(named))
    return or_(*clauses)


def _autocommit_twin(engine: Engine) -> Engine:
    """The engine's database in autocommit, for one-statement writes such as heartbeats: one
    round trip each instead of four (no ping before, COMMIT after nor ROLLBACK on return to
    the pool); a dropped connection is retried instead, as oslo.db's retry_on_disconnect."""
    if engine.dialect.name == "sqlite":  # one file, one pool: its isolation set per checkout
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    twin = create_engine(engine.url, isolation_level="AUTOCOMMIT", pool_reset_on_return=None,
                         **SINGLE_STATEMENT_POOL)
    twin.dialect.do_rollback = _nothing_to_roll_back  # type: ignore[method-assign,assignment]
    return twin


def _nothing_to_roll_back(_dbapi_connection: Any) -> None:
    """An autocommit connection's rollback: each statement committed itself, so no round trip."""


class Store:
    """Reads and writes of the sandbox's state; each method is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._single_statements = _autocommit_twin(engine)

    def close(self) -> None:
        """Close every pooled connection (the database keeps its state)."""
        self._single_statements.dispose()
        self.engine.dispose()

    @retry_on_deadlock
    def create_instance(self, row: dict[str, Any]) -> None:
        """Insert a new instance row."""
        with self.engine.begin() as conn:
            conn.execute(insert(instances).values(created_at=utcnow(), deleted=False, **row))

    def get_instance(self, uuid: str) -> dict[str, Any]:
        """An instance's row, deleted or not."""
        with self.engine.connect() as conn:
            row = conn.execute(select(instances).where(instances.c.uuid == uuid)).mappings().first()
        if row is None:
            raise InstanceNotFound(f"instance {uuid} not found")
        return dict(row)

    @retry_on_deadlock
    def save_instance(self, uuid: str, changes: dict[str, Any],
                      expected_task_state: Iterable[str | None] | None = None) -> dict[str, Any]:
        """Apply changed fields unless task_state is not an expected one; returns the row."""
        values = {k: _as_time(v) if k in TIME_FIELDS else v
                  for k, v in changes.items() if k in INSTANCE_FIELDS and k != "uuid"}
        values["updated_at"] = utcnow()
        where = [instances.c.uuid == uuid, instances.c.deleted.is_(False)]
        if expected_task_state is not None:
            where.append(_task_state_in(expected_task_state))
        with self.engine.begin() as conn:
            if conn.execute(update(instances).where(*where).values(**values)).rowcount == 0:
                current = conn.execute(
                    select(instances.c.task_state, instances.c.deleted)
                    .where(instances.c.uuid == uuid)).first()
                if current is None or current.deleted:
                    raise InstanceNotFound(f"instance {uuid} not found")
                raise UnexpectedTaskState(
                    f"instance {uuid}: task_state is {current.task_state!r}, expected "
                    f"{list(expected_task_state or [])!r}"
                )
        return self.get_instance(uuid)

    def destroy_instance(self, uuid: str) -> dict[str, Any]:
        """Mark an instance deleted, as nova's soft delete does."""
        now = utcnow()
        return self.save_instance(uuid, {"vm_state": "deleted", "task_state": None,
                                         "power_state": 0, "terminated_at": now, "deleted": True})

    def instance_states(self) -> dict[str, int]:
        """How many instances are in each vm_state."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(instances.c.vm_state, func.count()).group_by(instances.c.vm_state))
            return {state: count for state, count in rows}

    def upsert_service(self, host: str, binary: str, values: dict[str, Any]) -> None:
        """Create or update a service record (its heartbeat is updated_at)."""
        self._upsert(services, {"host": host, "binary": binary}, values,
                     created_at=utcnow())

    def get_service(self, host: str, binary: str) -> dict[str, Any] | None:
        """A service record by host and binary, or None when there is none."""
        query = select(services).where(services.c.host == host, services.c.binary == binary)
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return dict(row) if row is not None else None

    def upsert_compute_node(self, host: str, values: dict[str, Any]) -> None:
        """Create or update a host's resource record."""
        self._upsert(compute_nodes, {"host": host}, values)

    @retry_on_deadlock
    def _upsert(self, table: Table, key: dict[str, Any], values: dict[str, Any],
                **on_insert: Any) -> None:
        """Update the row with this key, or insert it: one statement where the database has
        one (INSERT ... ON DUPLICATE KEY UPDATE, ON CONFLICT DO UPDATE), which a burst of first
        reports deadlocks on far less than an update, a savepoint and an insert."""
        values = {**values, "updated_at": utcnow()}
        row = {**key, **values, **on_insert}
        with self._single_statements.connect() as conn:
            conn.execute(upsert(self.engine.dialect.name, table, row, list(key), values))

    def compute_hosts(self) -> list[dict[str, Any]]:
        """Every compute node with its service's last heartbeat and disabled flag."""
        query = (
            select(compute_nodes, services.c.updated_at.label("heartbeat_at"),
                   services.c.disabled)
            .join(services, (services.c.host == compute_nodes.c.host)
                  & (services.c.binary == "nova-compute"), isouter=True)
        )
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]
