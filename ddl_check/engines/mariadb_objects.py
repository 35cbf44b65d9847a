"""The stored objects a MariaDB clone must carry besides tables: routines, triggers, events."""

from dataclasses import dataclass, field
from typing import Any

from ddl_check.engines.base import Engine

ROUTINES = (
    "SELECT ROUTINE_TYPE, ROUTINE_NAME FROM information_schema.ROUTINES "
    "WHERE ROUTINE_SCHEMA = %s ORDER BY ROUTINE_TYPE, ROUTINE_NAME"
)
# creation order is firing order among triggers of one table, timing and event
TRIGGERS = (
    "SELECT 'TRIGGER', TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = %s "
    "ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER"
)
EVENTS = (
    "SELECT 'EVENT', EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = %s "
    "ORDER BY EVENT_NAME"
)
# SHOW CREATE <kind>: the column holding sql_mode and the one holding the statement
SHOW_COLUMNS = {"PROCEDURE": (1, 2), "FUNCTION": (1, 2), "TRIGGER": (1, 2), "EVENT": (1, 3)}


@dataclass
class StoredObject:
    """One routine, trigger or event: its kind, name, sql_mode and CREATE statement."""

    kind: str
    name: str
    sql_mode: str
    create: str


@dataclass
class SourceObjects:
    """Everything SHOW CREATE gave for the source database, by kind."""

    routines: list[StoredObject] = field(default_factory=list)
    triggers: list[StoredObject] = field(default_factory=list)
    events: list[StoredObject] = field(default_factory=list)


def _show(engine: Engine, conn: Any, db: str, query: str) -> list[StoredObject]:
    """SHOW CREATE each object the information_schema query lists."""
    out: list[StoredObject] = []
    for kind, name in engine.query(conn, query, (db,)):
        row = engine.query(conn, f"SHOW CREATE {kind} {engine.quote(db)}.{engine.quote(name)}")[0]
        mode, create = SHOW_COLUMNS[kind]
        out.append(StoredObject(kind, name, str(row[mode]), str(row[create])))
    return out


def source_objects(engine: Engine, db: str) -> SourceObjects:
    """Routines, triggers and events of `db`, as the server would recreate them."""
    conn = engine.connect(db)
    try:
        return SourceObjects(
            _show(engine, conn, db, ROUTINES),
            _show(engine, conn, db, TRIGGERS),
            _show(engine, conn, db, EVENTS),
        )
    finally:
        conn.close()


def recreate(engine: Engine, conn: Any, objects: list[StoredObject]) -> None:
    """Create each object in the connected database under its own sql_mode.

    Events are created disabled, so the scheduler cannot change the clone's data while it is
    measured; their definitions are there for migrations that alter or drop them.
    """
    (mode,) = engine.query(conn, "SELECT @@SESSION.sql_mode")[0]
    try:
        for obj in objects:
            engine.query(conn, "SET SESSION sql_mode = %s", (obj.sql_mode,))
            engine.query(conn, obj.create)
            if obj.kind == "EVENT":
                engine.query(conn, f"ALTER EVENT {engine.quote(obj.name)} DISABLE")
    finally:
        engine.query(conn, "SET SESSION sql_mode = %s", (mode,))
