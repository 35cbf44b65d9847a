"""PostgreSQL: restore with psql/pg_restore, clone by TEMPLATE, read the locks a statement takes."""

import hashlib
import json
import os
import re
import subprocess
import time
from collections.abc import Sequence
from typing import Any

import psycopg2
import psycopg2.errors

from ddl_check.engines.base import Engine, Outcome, Plan, Progress, Server, pipe_dump
from ddl_check.errors import ScratchUnavailable, SnapshotError
from ddl_check.facts import Action
from ddl_check.schema import Column, Schema, Table
from ddl_check.snapshot import Snapshot

LOCK_ORDER = [
    "AccessShareLock",
    "RowShareLock",
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
]
BLOCKS_WRITES_FROM = LOCK_ORDER.index("ShareLock")
SKIP_LINES = (b"\\connect", b"CREATE DATABASE", b"ALTER DATABASE", b"\\restrict", b"\\unrestrict")
PSQL_ERROR = re.compile(r"psql:[^:]*:(\d+): (?:ERROR|FATAL):\s*(.*)")
NO_TRANSACTION = re.compile(
    r"\bCONCURRENTLY\b|^\s*(VACUUM|CREATE\s+DATABASE|DROP\s+DATABASE)\b", re.I
)
FILE_COPY_FROM = 150000  # CREATE DATABASE ... STRATEGY exists from PostgreSQL 15
FILE_COPY_BYTES = 64 << 20  # measured: from here two checkpoints cost less than the WAL
INDEX_NODES = {"Index Scan", "Index Only Scan", "Bitmap Heap Scan"}


def _skip(line: bytes) -> bool:
    """Dump lines that would touch other databases or need roles the scratch server lacks."""
    return line.startswith(SKIP_LINES) or (line.startswith(b"ALTER ") and b" OWNER TO " in line)


class PostgreSQL(Engine):
    """PostgreSQL 12 or later."""

    name = "postgresql"
    dialect = "postgres"
    scheme = "postgresql"
    sa_driver = "postgresql+psycopg2"
    # any user trigger or rule, or any foreign key declared ON DELETE CASCADE
    cascade_sql = (
        "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE NOT tgisinternal) OR EXISTS (SELECT 1 "
        "FROM pg_constraint WHERE contype = 'f' AND confdeltype = 'c') OR EXISTS (SELECT 1 "
        "FROM pg_rules WHERE schemaname NOT IN ('pg_catalog', 'information_schema'))"
    )
    digest_sql = "sum(hashtext(concat_ws('|', {cols}))::bigint)"
    # the rollback copy is LIKE ... INCLUDING ALL: GENERATED ALWAYS identities refuse given values
    insert_override = "OVERRIDING SYSTEM VALUE "

    def __init__(self, server: Server) -> None:
        super().__init__(server)
        self._strategies: dict[str, str] = {}

    def connect(self, db: str = "") -> Any:
        """An autocommit psycopg2 connection."""
        s = self.server
        try:
            conn = psycopg2.connect(
                host=s.host,
                port=s.port,
                user=s.user,
                password=s.password or None,
                dbname=db or s.database or "postgres",
            )
        except psycopg2.OperationalError as error:
            raise ScratchUnavailable(
                f"postgresql at {s.host}:{s.port}: {str(error).strip().splitlines()[0]}"
            ) from None
        conn.autocommit = True
        return conn

    def _admin(self, sql: str) -> None:
        """Run a statement on the maintenance database."""
        conn = self.connect()
        try:
            self.query(conn, sql)
        finally:
            conn.close()

    def create(self, db: str) -> None:
        """CREATE DATABASE."""
        self._admin(f"CREATE DATABASE {self.quote(db)}")

    def drop(self, db: str) -> None:
        """DROP DATABASE ... WITH (FORCE)."""
        self._admin(f"DROP DATABASE IF EXISTS {self.quote(db)} WITH (FORCE)")

    def _env(self, server: Server) -> dict[str, str]:
        """Client environment; the password travels in PGPASSWORD, never on a command line."""
        env = {
            **os.environ,
            "PGHOST": server.host,
            "PGPORT": str(server.port),
            "PGUSER": server.user,
        }
        if server.password:
            env["PGPASSWORD"] = server.password
        return env

    def restore(self, snap: Snapshot, db: str, progress: Progress | None = None) -> None:
        """Load a plain or custom-format dump (or pg_dump a live database) into a new database."""
        self.create(db)
        env = self._env(self.server)
        psql = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db]
        try:
            if snap.is_url:
                source = Server.from_url(snap.source, 5432, "postgres")
                dump = subprocess.Popen(
                    ["pg_dump", "--no-owner", "--no-privileges", "-d", source.database],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    env=self._env(source),
                )
                load = subprocess.run(
                    psql, stdin=dump.stdout, capture_output=True, env=env, check=False
                )
                dump_err = dump.communicate()[1].decode("utf-8", "replace").strip()
                if dump.returncode or load.returncode:
                    detail = dump_err or load.stderr.decode("utf-8", "replace").strip()
                    raise SnapshotError(f"{snap.label()}: cannot clone the live database: {detail}")
            elif snap.form == "pg-custom":
                done = subprocess.run(
                    [
                        "pg_restore",
                        "--no-owner",
                        "--no-privileges",
                        "--exit-on-error",
                        "-d",
                        db,
                        str(snap.path),
                    ],
                    capture_output=True,
                    env=env,
                    check=False,
                )
                if done.returncode:
                    lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
                    raise SnapshotError(
                        f"{snap.source}: restore failed: {lines[-1] if lines else ''}"
                    )
            else:
                error = pipe_dump(snap, psql, env, progress, _skip)
                if error:
                    match = PSQL_ERROR.search(error)
                    where = f"{snap.source}:{match[1]}" if match else snap.source
                    raise SnapshotError(f"{where}: restore failed: {match[2] if match else error}")
        except BaseException:
            self.drop(db)
            raise

    def _strategy(self, src: str) -> str:
        """FILE_COPY for a big template (copying files beats WAL-logging each page); once each."""
        cached = self._strategies.get(src)
        if cached is None:
            conn = self.connect()
            try:
                version, size = self.query(
                    conn,
                    "SELECT current_setting('server_version_num')::int, pg_database_size(%s)",
                    (src,),
                )[0]
            finally:
                conn.close()
            big = version >= FILE_COPY_FROM and size >= FILE_COPY_BYTES
            cached = self._strategies[src] = " STRATEGY FILE_COPY" if big else ""
        return cached

    def clone(self, src: str, dst: str) -> None:
        """CREATE DATABASE ... TEMPLATE: a server-side copy, no client in the way."""
        strategy = self._strategy(src)
        self._admin(f"CREATE DATABASE {self.quote(dst)} TEMPLATE {self.quote(src)}{strategy}")

    def prepare_rollback(self, conn: Any, db: str, tables: Sequence[str]) -> None:
        """A schema ddl_rollback inside the clone with (LIKE ... INCLUDING ALL) copies."""
        self.query(conn, "CREATE SCHEMA ddl_rollback")
        for table in tables:
            self.query(
                conn,
                f"CREATE TABLE {self.rollback_name(db, table)} "
                f"(LIKE {self.quote(table)} INCLUDING ALL)",
            )

    def rollback_name(self, db: str, table: str) -> str:
        """ddl_rollback."table"."""
        return f"ddl_rollback.{self.quote(table)}"

    def live_checksum(self, url: str) -> str:
        """Row count and a sum of row hashes for every table of the live source."""
        source = Server.from_url(url, 5432, "postgres")
        conn = type(self)(source).connect(source.database)
        try:
            tables = [
                r[0]
                for r in self.query(
                    conn,
                    "SELECT quote_ident(tablename) FROM pg_tables "
                    "WHERE schemaname = current_schema() ORDER BY 1",
                )
            ]
            sums = [
                self.query(
                    conn, f"SELECT count(*), coalesce(sum(hashtext(t::text)::bigint), 0) FROM {t} t"
                )[0]
                for t in tables
            ]
        finally:
            conn.close()
        return hashlib.sha256(repr(list(zip(tables, sums, strict=True))).encode()).hexdigest()

    def schema(self, conn: Any) -> Schema:
        """pg_catalog's view of the tables in the current schema."""
        out: Schema = {}
        rows = self.query(
            conn,
            """
            SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
                   a.atthasdef OR a.attidentity <> '', a.attgenerated <> ''
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0
              AND NOT a.attisdropped ORDER BY c.relname, a.attnum""",
        )
        for table, name, ctype, nullable, has_default, generated in rows:
            out.setdefault(table, Table(table)).columns[name] = Column(
                name, ctype, nullable, has_default, generated
            )
        for table, name in self.query(
            conn,
            """
            SELECT c.relname, a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey)
            WHERE i.indisprimary AND n.nspname = current_schema()
            ORDER BY c.relname, array_position(i.indkey::int2[], a.attnum)""",
        ):
            if table in out:
                out[table].primary_key.append(name)
        return out

    def key_text(self, column: str) -> str:
        """concat_ws wants text."""
        return f"{self.quote(column)}::text"

    def run_ddl(self, conn: Any, sql: str, actions: Sequence[Action]) -> Outcome:
        """Run in a transaction, read pg_locks and relfilenode before committing."""
        if NO_TRANSACTION.search(sql):
            start = time.perf_counter()
            try:
                self.query(conn, sql)
            except psycopg2.Error as error:
                return Outcome(time.perf_counter() - start, error=self.error_text(error))
            return Outcome(
                time.perf_counter() - start,
                "ShareUpdateExclusiveLock",
                "CONCURRENTLY",
                "outside a transaction; lock level as documented for CONCURRENTLY",
                rewrite=False,
            )
        tables = sorted(
            {a.table for a in actions if a.table} | {a.ref_table for a in actions if a.ref_table}
        )
        conn.autocommit = False
        try:
            found = (
                self.query(conn, "SELECT to_regclass(%s)::oid", (self.quote(t),)) for t in tables
            )
            oids = [rows[0][0] for rows in found if rows and rows[0][0]]
            before = dict(
                self.query(
                    conn,
                    "SELECT oid, relfilenode FROM pg_class WHERE oid = ANY(%s::oid[])",
                    (oids,),
                )
            )
            start = time.perf_counter()
            self.query(conn, sql)
            seconds = time.perf_counter() - start
            locks = self.query(
                conn,
                "SELECT relation::regclass::text, mode FROM pg_locks WHERE pid = "
                "pg_backend_pid() AND granted AND relation = ANY(%s::oid[])",
                (oids,),
            )
            after = dict(
                self.query(
                    conn,
                    "SELECT oid, relfilenode FROM pg_class WHERE oid = ANY(%s::oid[])",
                    (oids,),
                )
            )
            conn.commit()
        except psycopg2.Error as error:
            conn.rollback()
            return Outcome(error=self.error_text(error))
        finally:
            conn.autocommit = True
        strongest = max((m for _, m in locks), key=LOCK_ORDER.index, default="")
        per_table = ", ".join(sorted(f"{r}:{m}" for r, m in locks if m == strongest))
        rewrite = any(after.get(oid) not in (None, node) for oid, node in before.items())
        return Outcome(
            seconds,
            strongest,
            "",
            per_table,
            rewrite=rewrite,
            blocks_writes=bool(strongest) and LOCK_ORDER.index(strongest) >= BLOCKS_WRITES_FROM,
        )

    def explain(self, conn: Any, sql: str) -> Plan:
        """EXPLAIN (FORMAT JSON): Seq Scan nodes are full scans, index nodes index reads."""
        raw = self.query(conn, f"EXPLAIN (FORMAT JSON) {sql}")[0][0]
        root = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
        plan = Plan()
        nodes = [root]
        while nodes:
            node = nodes.pop()
            nodes.extend(node.get("Plans", []))
            rel = node.get("Alias") or node.get("Relation Name")
            if node["Node Type"] == "Seq Scan" and rel:
                plan.scanned.add(rel)
            elif node["Node Type"] in INDEX_NODES and rel:
                plan.indexed.add(rel)
        plan.text = f"indexed={sorted(plan.indexed)} scanned={sorted(plan.scanned)}"
        return plan
