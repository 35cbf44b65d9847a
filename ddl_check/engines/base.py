"""The one interface every engine implements: scratch databases, restore, clone, probe, explain."""

import subprocess
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from ddl_check.errors import SnapshotError
from ddl_check.facts import Action
from ddl_check.schema import Schema
from ddl_check.snapshot import Snapshot, iter_bytes

Progress = Callable[[int], None]


@dataclass
class Server:
    """Where scratch databases live; the password stays out of every message."""

    host: str = "127.0.0.1"
    port: int = 0
    user: str = ""
    password: str = ""
    database: str = ""

    @classmethod
    def from_url(cls, url: str, port: int, user: str, database: str = "") -> "Server":
        """Parse a database URL, filling the engine's defaults."""
        parts = urlsplit(url)
        return cls(
            parts.hostname or "127.0.0.1",
            parts.port or port,
            unquote(parts.username or user),
            unquote(parts.password or ""),
            parts.path.lstrip("/") or database,
        )


@dataclass
class Outcome:
    """What the engine said and did when one statement ran on the clone."""

    seconds: float = 0.0
    lock: str = ""
    algorithm: str = ""
    reason: str = ""
    rewrite: bool | None = None
    blocks_writes: bool = False
    error: str = ""


@dataclass
class Plan:
    """Which tables a query reads by index and which it scans in full."""

    indexed: set[str] = field(default_factory=set)
    scanned: set[str] = field(default_factory=set)
    text: str = ""


class Engine(ABC):
    """A database engine the checker can restore into, clone, and run statements on."""

    name = ""
    dialect = ""
    scheme = ""
    sa_driver = ""  # SQLAlchemy's dialect+driver for online alembic capture
    cascade_sql = ""  # a query answering may_cascade; empty: assume it may
    insert_override = ""  # what INSERT needs to write identity columns as given
    digest_sql = ""  # an aggregate over {cols} for key_digest; empty: digest in Python

    def __init__(self, server: Server) -> None:
        self.server = server

    # --- databases
    @abstractmethod
    def connect(self, db: str) -> Any:
        """An autocommit DB-API connection to a scratch database."""

    @abstractmethod
    def create(self, db: str) -> None:
        """Create an empty scratch database."""

    @abstractmethod
    def drop(self, db: str) -> None:
        """Drop a scratch database if it exists."""

    @abstractmethod
    def restore(self, snap: Snapshot, db: str, progress: Progress | None = None) -> None:
        """Load a snapshot into a new scratch database."""

    @abstractmethod
    def clone(self, src: str, dst: str) -> None:
        """Copy a restored scratch database, as cheaply as the engine allows."""

    def url(self, db: str) -> str:
        """A URL for a workload command (carries the password: never log it)."""
        s = self.server
        auth = f"{s.user}:{s.password}@" if s.password else f"{s.user}@"
        return f"{self.scheme}://{auth}{s.host}:{s.port}/{db}"

    def sa_url(self, db: str) -> str:
        """A SQLAlchemy URL for online alembic capture (carries the password: never log it)."""
        url = self.url(db)
        return f"{self.sa_driver}://{url.split('://', 1)[1]}" if self.sa_driver else url

    @abstractmethod
    def live_checksum(self, url: str) -> str:
        """A checksum of a live source database's data, to prove we did not change it."""

    # --- the rollback test's copy of the source schema
    @abstractmethod
    def prepare_rollback(self, conn: Any, db: str, tables: Sequence[str]) -> None:
        """Create empty copies of the source tables, before any migration runs."""

    @abstractmethod
    def rollback_name(self, db: str, table: str) -> str:
        """The quoted, qualified name of a table's empty source-schema copy."""

    def drop_rollback(self, db: str) -> None:  # noqa: B027 - most engines keep it inside the clone
        """Remove what prepare_rollback created outside the clone (nothing by default)."""

    # --- inspection and execution
    @abstractmethod
    def schema(self, conn: Any) -> Schema:
        """Tables, columns and primary keys of the connected database."""

    @abstractmethod
    def run_ddl(self, conn: Any, sql: str, actions: Sequence[Action]) -> Outcome:
        """Run one migration statement, learning its lock behaviour and time from the engine."""

    @abstractmethod
    def explain(self, conn: Any, sql: str) -> Plan:
        """The engine's plan for a query."""

    def may_cascade(self, conn: Any) -> bool:
        """Whether a write to one table can delete rows of another (triggers, ON DELETE CASCADE)."""
        return bool(self.query(conn, self.cascade_sql)[0][0]) if self.cascade_sql else True

    def key_digest(self, conn: Any, table: str, key: Sequence[str]) -> tuple[int, int]:
        """Row count and an order-independent digest of the key columns (0 without a key)."""
        cols = ", ".join(self.key_text(c) for c in key) if key else "1"
        if self.digest_sql:  # computed by the server
            digest = self.digest_sql.format(cols=cols) if key else "0"
            rows, total = self.query(conn, f"SELECT COUNT(*), COALESCE({digest}, 0) FROM {table}")[
                0
            ]
            return int(rows), int(total)
        rows = total = 0
        for row in self.iter_rows(conn, f"SELECT {cols} FROM {table}"):
            rows += 1
            total = (total + zlib.crc32(repr(tuple(str(v) for v in row)).encode())) & 0xFFFFFFFFFFFF
        return rows, total if key else 0

    def key_text(self, column: str) -> str:
        """A key column as the digest reads it."""
        return self.quote(column)

    def quote(self, name: str) -> str:
        """Quote an identifier."""
        return '"' + name.replace('"', '""') + '"'

    def query(self, conn: Any, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a query and fetch every row."""
        cur = conn.cursor()
        try:
            cur.execute(sql, tuple(params)) if params else cur.execute(sql)
            return list(cur.fetchall()) if cur.description else []
        finally:
            cur.close()

    def iter_rows(self, conn: Any, sql: str) -> Iterator[tuple[Any, ...]]:
        """Stream a big result in batches."""
        cur = conn.cursor()
        try:
            cur.execute(sql)
            while rows := cur.fetchmany(5000):
                yield from rows
        finally:
            cur.close()

    def error_text(self, error: Exception) -> str:
        """The engine's message for a failed statement, on one line."""
        return " ".join(str(error).split())


def pipe_dump(
    snap: Snapshot,
    argv: list[str],
    env: dict[str, str],
    progress: Progress | None,
    skip: Callable[[bytes], bool],
) -> str:
    """Stream a dump into a client's stdin, blanking lines `skip` refuses; return its stderr."""
    proc = subprocess.Popen(
        argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    assert proc.stdin is not None
    pending = b""
    try:
        for chunk in iter_bytes(snap):
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop()
            proc.stdin.write(b"\n".join(b"" if skip(line) else line for line in lines) + b"\n")
            if progress:
                progress(len(chunk))
        proc.stdin.write(b"" if skip(pending) else pending)
        proc.stdin.close()
    except BrokenPipeError:
        pass
    except SnapshotError:
        proc.kill()
        proc.wait()
        raise
    stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.wait() != 0:
        return stderr.strip() or f"{argv[0]} exited {proc.returncode}"
    return ""
