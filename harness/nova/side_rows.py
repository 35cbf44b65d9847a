"""Bring an instance production created after the clones were made into a side's clones.

A mirrored message about an instance the clones have never seen (a build the API made a moment
ago) would fail in the side's conductor with InstanceNotFound. Before it is relayed, the
instance's rows (every cell table keyed by its uuid) and its placement consumer and allocations
are copied from production, with reads that take no lock there (READ COMMITTED); an instance
the clone already has is left as the side made it, but for the instance actions nova-api
records per request (a delete's), which the compute looks up by the message's request id.
A copied instance is then set back to the message's own view of it (harness.nova.side_rewind):
production's compute may have saved it meanwhile.
"""

import logging
from typing import Any

import pymysql

from harness.nova.identifiers import quoted
from harness.nova.layout import DATABASES
from harness.nova.side import NovaSide
from harness.nova.side_rewind import rewind

log = logging.getLogger(__name__)
PER_REQUEST = ("instance_actions",)  # rows nova-api adds for each operation on an instance


class RowCopier:
    """Copies instances' rows into every side's clones on first sight (one connection, used by
    the relay's thread only)."""

    def __init__(self, sides: list[NovaSide]) -> None:
        self.sides = sides
        self._conn: Any = None
        self._tables: list[tuple[str, str]] = []  # (table, uuid column) of the cell database
        self._columns: dict[str, list[str]] = {}  # of the tables a rewind sets

    def _connect(self) -> Any:
        if self._conn is None or not self._conn.open:
            self._conn = pymysql.connect(host="127.0.0.1", user="root", autocommit=True)
            with self._conn.cursor() as cur:
                cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
                # rows come in table by table: a child's key may name a parent copied later
                cur.execute("SET SESSION foreign_key_checks = 0")
                cur.execute(
                    "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS c JOIN "
                    "information_schema.TABLES t USING (TABLE_SCHEMA, TABLE_NAME) WHERE "
                    "TABLE_SCHEMA = %s AND TABLE_TYPE = 'BASE TABLE' AND COLUMN_NAME IN "
                    "('instance_uuid', 'uuid') ORDER BY TABLE_NAME",
                    (DATABASES["cell1"],))
                found: dict[str, str] = {}
                for table, column in cur.fetchall():
                    if table == "instances" or column == "instance_uuid":
                        found.setdefault(table, column)
                self._tables = sorted(found.items(), key=lambda item: item[0] != "instances")
                cur.execute("SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS "
                            "WHERE TABLE_SCHEMA = %s AND TABLE_NAME IN ('instances', "
                            "'block_device_mapping')", (DATABASES["cell1"],))
                self._columns = {"instances": [], "block_device_mapping": []}
                for table, column in cur.fetchall():
                    self._columns[table].append(column)
        return self._conn

    def ensure(self, uuid: str, args: dict[str, Any]) -> None:
        """Copy the instance a message with these arguments is about into each side that lacks
        it (errors logged: the relay goes on, and the side's own failure then shows in its
        effects)."""
        try:
            conn = self._connect()
            for side in self.sides:
                self._copy(conn, side, uuid, args)
        except pymysql.MySQLError as error:
            log.warning("could not copy instance %s into the sides' clones: %s", uuid, error)
            self._conn = None

    def _copy(self, conn: Any, side: NovaSide, uuid: str, args: dict[str, Any]) -> None:
        cell, clone = quoted(DATABASES["cell1"]), quoted(side.database("cell1"))
        with conn.cursor() as cur:
            cur.execute(f"SELECT 1 FROM {clone}.instances WHERE uuid = %s", (uuid,))
            known = cur.fetchone() is not None
            for table, column in self._tables:
                if known and table not in PER_REQUEST:
                    continue
                cur.execute(f"INSERT IGNORE INTO {clone}.{quoted(table)} SELECT * FROM "
                            f"{cell}.{quoted(table)} WHERE {quoted(column)} = %s", (uuid,))
            if not known:
                rewind(cur, side.database("cell1"), self._columns, args)
                self._copy_allocations(cur, side, uuid)

    @staticmethod
    def _copy_allocations(cur: Any, side: NovaSide, uuid: str) -> None:
        """The consumer (with its project and user) and its allocations."""
        src, dst = quoted(DATABASES["placement"]), quoted(side.database("placement"))
        consumer = f"(SELECT {{0}} FROM {src}.consumers WHERE uuid = %s)"
        for table, key in (("projects", "project_id"), ("users", "user_id")):
            cur.execute(f"INSERT IGNORE INTO {dst}.{table} SELECT * FROM {src}.{table} "
                        f"WHERE id IN {consumer.format(key)}", (uuid,))
        cur.execute(f"INSERT IGNORE INTO {dst}.consumers SELECT * FROM {src}.consumers "
                    "WHERE uuid = %s", (uuid,))
        cur.execute(f"INSERT IGNORE INTO {dst}.allocations SELECT * FROM {src}.allocations "
                    "WHERE consumer_id = %s", (uuid,))

    def close(self) -> None:
        """Close the connection."""
        if self._conn is not None and self._conn.open:
            self._conn.close()

