"""SQLite: scratch databases are files; a clone is the backup API's page copy."""

import hashlib
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ddl_check.engines.base import Engine, Outcome, Plan, Progress, Server
from ddl_check.errors import SnapshotError
from ddl_check.facts import Action
from ddl_check.schema import Column, Schema, Table
from ddl_check.snapshot import Snapshot


class SQLite(Engine):
    """SQLite 3.35 or later (ALTER TABLE DROP COLUMN)."""

    name = "sqlite"
    dialect = "sqlite"

    def __init__(self, server: Server) -> None:
        super().__init__(server)
        self.root = Path(server.database or ".")
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, db: str) -> Path:
        """The file of a scratch database."""
        return self.root / f"{db}.sqlite"

    def connect(self, db: str = "") -> Any:
        """An autocommit sqlite3 connection."""
        return sqlite3.connect(
            self.path(db), isolation_level=None, cached_statements=0
        )  # cached EXPLAINs go stale

    def create(self, db: str) -> None:
        """An empty database file."""
        sqlite3.connect(self.path(db)).close()

    def drop(self, db: str) -> None:
        """Delete the file and its journal."""
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{self.path(db)}{suffix}").unlink(missing_ok=True)

    def _copy(self, source: str, db: str, read_only: bool = True) -> None:
        """Page-level copy through the backup API; the source is opened read-only."""
        uri = f"file:{source}?mode=ro" if read_only else str(source)
        src = sqlite3.connect(uri, uri=read_only)
        dst = sqlite3.connect(self.path(db))
        try:
            src.backup(dst)
        except sqlite3.DatabaseError as error:
            raise SnapshotError(f"{source}: not a usable SQLite database: {error}") from None
        finally:
            src.close()
            dst.close()

    def restore(self, snap: Snapshot, db: str, progress: Progress | None = None) -> None:
        """Copy the snapshot file into the scratch directory."""
        self._copy(str(snap.path), db)
        if progress:
            progress(snap.path.stat().st_size)

    def clone(self, src: str, dst: str) -> None:
        """Backup-API copy of a scratch database."""
        self._copy(str(self.path(src)), dst)

    def prepare_rollback(self, conn: Any, db: str, tables: Sequence[str]) -> None:
        """An attached database holding the tables' original CREATE TABLE statements."""
        self.drop(db + "_rb")
        self.query(conn, "ATTACH DATABASE ? AS ddl_rollback", (str(self.path(db + "_rb")),))
        for table in tables:
            ddl = self.query(
                conn, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            )[0][0]
            body = ddl[ddl.index("(") :]
            self.query(conn, f"CREATE TABLE {self.rollback_name(db, table)} {body}")

    def rollback_name(self, db: str, table: str) -> str:
        """ddl_rollback."table"."""
        return f"ddl_rollback.{self.quote(table)}"

    def drop_rollback(self, db: str) -> None:
        """Delete the attached file."""
        self.drop(db + "_rb")

    def url(self, db: str) -> str:
        """sqlite:///absolute/path for a workload command."""
        return f"sqlite:///{self.path(db).resolve()}"

    def live_checksum(self, url: str) -> str:
        """SHA-256 of the file (a live SQLite database is a file)."""
        return hashlib.sha256(Path(url.split("///", 1)[-1]).read_bytes()).hexdigest()

    def schema(self, conn: Any) -> Schema:
        """PRAGMA table_xinfo for every table."""
        out: Schema = {}
        tables = [
            r[0]
            for r in self.query(
                conn,
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )
        ]
        for name in tables:
            table = out.setdefault(name, Table(name))
            rows = self.query(conn, f"PRAGMA table_xinfo({self.quote(name)})")
            for _cid, col, ctype, notnull, default, pk, hidden in rows:
                table.columns[col] = Column(
                    col, ctype or "", not notnull, default is not None, hidden != 0
                )
                if pk:
                    table.primary_key.append(col)
        return out

    def run_ddl(self, conn: Any, sql: str, actions: Sequence[Action]) -> Outcome:
        """Run the statement; SQLite takes the whole-database write lock for any change."""
        pages = self.query(conn, "PRAGMA page_count")[0][0]
        start = time.perf_counter()
        try:
            self.query(conn, sql)
        except sqlite3.Error as error:
            return Outcome(time.perf_counter() - start, error=self.error_text(error))
        seconds = time.perf_counter() - start
        grown = self.query(conn, "PRAGMA page_count")[0][0] - pages
        return Outcome(
            seconds,
            "database write lock",
            "n/a",
            f"{grown:+d} pages",
            blocks_writes=True,
            rewrite=None,
        )

    def explain(self, conn: Any, sql: str) -> Plan:
        """EXPLAIN QUERY PLAN: SCAN is a full scan, SEARCH ... USING INDEX an index read."""
        plan = Plan()
        details = [r[-1] for r in self.query(conn, f"EXPLAIN QUERY PLAN {sql}")]
        for detail in details:
            words = detail.split()
            if len(words) >= 2 and words[0] in {"SCAN", "SEARCH"}:
                table = words[1]
                if "INDEX" in detail or "PRIMARY KEY" in detail:
                    plan.indexed.add(table)
                elif words[0] == "SCAN":
                    plan.scanned.add(table)
        plan.text = "; ".join(details)
        return plan
