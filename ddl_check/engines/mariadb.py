"""MariaDB/MySQL: restore with the mariadb client, clone server-side, probe online DDL."""

import hashlib
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pymysql

from ddl_check.engines.base import Engine, Outcome, Plan, Progress, Server, pipe_dump
from ddl_check.engines.mariadb_objects import recreate, source_objects
from ddl_check.errors import ScratchUnavailable, SnapshotError
from ddl_check.facts import Action
from ddl_check.operations import Op
from ddl_check.schema import Column, Schema, Table
from ddl_check.snapshot import Snapshot

PLAIN_NAME = re.compile(r"^[A-Za-z0-9_]+$")  # stored under its own name on disk
UNSUPPORTED = {1845, 1846}  # ER_ALTER_OPERATION_NOT_SUPPORTED(_REASON): the engine's own refusal
PROBED = re.compile(
    r"^\s*(ALTER\s+(ONLINE\s+|IGNORE\s+)*TABLE|CREATE\s+(UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?"
    r"INDEX|DROP\s+INDEX)\b",
    re.I,
)
DROP_INDEX = re.compile(r"^\s*DROP\s+INDEX\s+(?P<index>\S+)\s+ON\s+(?P<table>\S+)\s*$", re.I)
HAS_CLAUSE = re.compile(r"\b(ALGORITHM|LOCK)\s*=", re.I)
CLIENT_ERROR = re.compile(r"ERROR (\d+) \(\w+\) at line (\d+): (.*)")
FALLBACK_TOOLS = {"mariadb": "mysql", "mariadb-dump": "mysqldump"}
SKIP_LINES = (b"CREATE DATABASE", b"USE ", b"/*!40000 DROP DATABASE")


class MariaDB(Engine):
    """MariaDB (and MySQL, which lacks ALGORITHM=NOCOPY)."""

    name = "mariadb"
    dialect = "mysql"
    scheme = "mysql"
    sa_driver = "mysql+pymysql"
    # any trigger, or any foreign key declared ON DELETE CASCADE
    cascade_sql = (
        "SELECT (SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = "
        "DATABASE()) + (SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE "
        "CONSTRAINT_SCHEMA = DATABASE() AND DELETE_RULE = 'CASCADE')"
    )
    digest_sql = "SUM(CRC32(CONCAT_WS('|', {cols})))"
    algorithms: tuple[str, ...] = ("INSTANT", "NOCOPY", "INPLACE")

    def quote(self, name: str) -> str:
        """Backtick-quote an identifier."""
        return "`" + name.replace("`", "``") + "`"

    def connect(self, db: str = "") -> Any:
        """An autocommit pymysql connection."""
        s = self.server
        try:
            return pymysql.connect(
                host=s.host,
                port=s.port,
                user=s.user,
                password=s.password,
                database=db or None,
                autocommit=True,
                charset="utf8mb4",
            )
        except pymysql.err.OperationalError as error:
            raise ScratchUnavailable(
                f"{self.name} at {s.host}:{s.port}: {error.args[-1]}"
            ) from None

    def __init__(self, server: Server) -> None:
        super().__init__(server)
        self._admin_local = threading.local()  # the clone pipeline works from several threads

    def _admin(self, sql: str) -> None:
        """Run a server-level statement on this thread's reused connection (connecting costs)."""
        conn = getattr(self._admin_local, "conn", None)
        if conn is None or not conn.open:
            conn = self._admin_local.conn = self.connect()
        self.query(conn, sql)

    def create(self, db: str) -> None:
        """CREATE DATABASE."""
        self._admin(f"CREATE DATABASE {self.quote(db)}")

    def drop(self, db: str) -> None:
        """DROP DATABASE IF EXISTS."""
        self._admin(f"DROP DATABASE IF EXISTS {self.quote(db)}")

    def _client_args(self, server: Server, tool: str) -> tuple[list[str], dict[str, str]]:
        """argv prefix and environment for a client tool; the password goes in the environment."""
        binary = shutil.which(tool) or shutil.which(FALLBACK_TOOLS[tool]) or tool
        env = {**os.environ, "MYSQL_PWD": server.password}
        return [
            binary,
            f"--host={server.host}",
            f"--port={server.port}",
            f"--user={server.user}",
        ], env

    def restore(self, snap: Snapshot, db: str, progress: Progress | None = None) -> None:
        """Load a dump file (or dump a live database) into a new scratch database."""
        self.create(db)
        argv, env = self._client_args(self.server, "mariadb")
        try:
            if snap.is_url:
                self._restore_live(snap, db, argv, env)
                return
            error = pipe_dump(
                snap,
                [*argv, "--batch", db],
                env,
                progress,
                lambda line: line.startswith(SKIP_LINES),
            )
            if error:
                match = CLIENT_ERROR.search(error)
                where = f"{snap.source}:{match[2]}" if match else snap.source
                raise SnapshotError(f"{where}: restore failed: {match[3] if match else error}")
        except BaseException:
            self.drop(db)
            raise

    def _restore_live(self, snap: Snapshot, db: str, argv: list[str], env: dict[str, str]) -> None:
        """mysqldump a live database straight into the scratch database."""
        source = Server.from_url(snap.source, 3306, "root")
        dump_argv, dump_env = self._client_args(source, "mariadb-dump")
        dump = subprocess.Popen(
            [
                *dump_argv,
                "--single-transaction",
                "--routines",
                "--triggers",
                "--events",
                source.database,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dump_env,
        )
        load = subprocess.run(
            [*argv, "--batch", db], stdin=dump.stdout, capture_output=True, env=env, check=False
        )
        dump_err = dump.communicate()[1].decode("utf-8", "replace").strip()
        if dump.returncode or load.returncode:
            detail = dump_err or load.stderr.decode("utf-8", "replace").strip()
            raise SnapshotError(f"{snap.label()}: cannot clone the live database: {detail}")

    def clone(self, src: str, dst: str) -> None:
        """Server-side copy of tables, then routines, views, triggers and events."""
        with self.connect(src) as conn:
            tables = self.query(
                conn,
                "SELECT TABLE_NAME, TABLE_TYPE, ENGINE, CREATE_OPTIONS "
                "FROM information_schema.TABLES "
                "WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME",
            )
            ddl = {
                t[0]: self.query(conn, f"SHOW CREATE TABLE {self.quote(t[0])}")[0][1]
                for t in tables
            }
            datadir = str(self.query(conn, "SELECT @@datadir")[0][0])
        views = [t for t, kind, _e, _o in tables if kind == "VIEW"]
        local = self.server.host in {"127.0.0.1", "localhost", "::1"} and os.access(
            datadir, os.W_OK
        )
        portable = [
            t
            for t, kind, engine, options in tables
            if local
            and kind == "BASE TABLE"
            and engine == "InnoDB"
            and "partitioned" not in (options or "")
            and PLAIN_NAME.match(t)
        ]
        self.create(dst)
        with self.connect(dst) as conn:
            self.query(conn, "SET SESSION foreign_key_checks = 0, unique_checks = 0")
            for table, kind, _e, _o in tables:
                if kind != "VIEW":
                    self.query(conn, ddl[table])
            if portable:
                self._transport(src, dst, portable, Path(datadir), conn)
            for table, kind, _e, _o in tables:
                if kind != "VIEW" and table not in portable:
                    self._copy_rows(conn, src, table)
            objects = source_objects(self, src)
            recreate(self, conn, objects.routines)  # views may call stored functions
            for view in views:
                self.query(conn, ddl[view].replace(f"{self.quote(src)}.", ""))
            recreate(self, conn, objects.triggers)  # after the rows, so copying fired none
            recreate(self, conn, objects.events)

    def _transport(self, src: str, dst: str, tables: list[str], datadir: Path, conn: Any) -> None:
        """Transportable tablespaces: FLUSH ... FOR EXPORT, copy the .ibd/.cfg files, IMPORT."""
        names = ", ".join(self.quote(t) for t in tables)
        for table in tables:
            self.query(conn, f"ALTER TABLE {self.quote(table)} DISCARD TABLESPACE")
        owner = (datadir / dst).stat()
        with self.connect(src) as source:
            self.query(source, f"FLUSH TABLES {names} FOR EXPORT")
            try:
                for table in tables:
                    for suffix in (".ibd", ".cfg"):
                        target = datadir / dst / f"{table}{suffix}"
                        shutil.copyfile(datadir / src / f"{table}{suffix}", target)
                        os.chown(target, owner.st_uid, owner.st_gid)
            finally:
                self.query(source, "UNLOCK TABLES")
        for table in tables:
            self.query(conn, f"ALTER TABLE {self.quote(table)} IMPORT TABLESPACE")
            (datadir / dst / f"{table}.cfg").unlink(missing_ok=True)

    def _copy_rows(self, conn: Any, src: str, table: str) -> None:
        """INSERT ... SELECT of every stored column."""
        columns = self.query(
            conn,
            "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s AND "
            "TABLE_NAME = %s AND EXTRA NOT RLIKE 'VIRTUAL|STORED|PERSISTENT' "
            "ORDER BY ORDINAL_POSITION",
            (src, table),
        )
        cols = ", ".join(self.quote(c[0]) for c in columns)
        self.query(
            conn,
            f"INSERT INTO {self.quote(table)} ({cols}) SELECT {cols} FROM "
            f"{self.quote(src)}.{self.quote(table)}",
        )

    def prepare_rollback(self, conn: Any, db: str, tables: Sequence[str]) -> None:
        """A sibling database with CREATE TABLE ... LIKE of every source table."""
        self.query(conn, f"CREATE DATABASE {self.quote(db + '_rb')}")
        for table in tables:
            self.query(
                conn, f"CREATE TABLE {self.rollback_name(db, table)} LIKE {self.quote(table)}"
            )

    def rollback_name(self, db: str, table: str) -> str:
        """`<db>_rb`.`table`."""
        return f"{self.quote(db + '_rb')}.{self.quote(table)}"

    def drop_rollback(self, db: str) -> None:
        """Drop the sibling database."""
        self.drop(db + "_rb")

    def live_checksum(self, url: str) -> str:
        """CHECKSUM TABLE over every table of the live source."""
        source = Server.from_url(url, 3306, "root")
        engine = type(self)(source)
        with engine.connect(source.database) as conn:
            tables = [
                r[0] for r in self.query(conn, "SHOW FULL TABLES WHERE Table_type = 'BASE TABLE'")
            ]
            sums = [self.query(conn, f"CHECKSUM TABLE {self.quote(t)} EXTENDED")[0] for t in tables]
        return hashlib.sha256(repr(sums).encode()).hexdigest()

    def schema(self, conn: Any) -> Schema:
        """information_schema's view of the base tables."""
        out: Schema = {}
        rows = self.query(
            conn,
            "SELECT c.TABLE_NAME, c.COLUMN_NAME, c.COLUMN_TYPE, c.IS_NULLABLE, "
            "c.COLUMN_DEFAULT, c.EXTRA FROM information_schema.COLUMNS c JOIN "
            "information_schema.TABLES t USING (TABLE_SCHEMA, TABLE_NAME) WHERE "
            "c.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE' "
            "ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION",
        )
        for table, name, ctype, nullable, default, extra in rows:
            t = out.setdefault(table, Table(table))
            t.columns[name] = Column(
                name,
                ctype,
                nullable == "YES",
                default is not None or "auto_increment" in extra,
                bool(re.search("VIRTUAL|STORED|PERSISTENT", extra, re.I)),
            )
        for table, name in self.query(
            conn,
            "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema."
            "KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND "
            "CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION",
        ):
            if table in out:
                out[table].primary_key.append(name)
        return out

    def _with(self, sql: str, algorithm: str, lock: str) -> str:
        """The statement with an ALGORITHM/LOCK clause appended in the form it accepts."""
        body = sql.rstrip().rstrip(";")
        drop = DROP_INDEX.match(body)
        if drop:  # the engine maps DROP INDEX onto ALTER TABLE; only the latter takes the clauses
            body = f"ALTER TABLE {drop['table']} DROP INDEX {drop['index']}"
        if re.match(r"^\s*ALTER", body, re.I):
            return f"{body}, ALGORITHM={algorithm}, LOCK={lock}"
        return f"{body} ALGORITHM={algorithm} LOCK={lock}"

    def _run(self, conn: Any, sql: str) -> tuple[float, pymysql.MySQLError | None]:
        """Execute once; return the time and the error (None when it ran)."""
        start = time.perf_counter()
        try:
            self.query(conn, sql)
        except pymysql.MySQLError as error:
            return time.perf_counter() - start, error
        return time.perf_counter() - start, None

    def run_ddl(self, conn: Any, sql: str, actions: Sequence[Action]) -> Outcome:
        """Try each online algorithm with LOCK=NONE; the first one accepted is the real run."""
        if not PROBED.match(sql) or HAS_CLAUSE.search(sql):
            seconds, error = self._run(conn, sql)
            ddl = any(
                a.op not in {Op.INSERT, Op.UPDATE, Op.DELETE, Op.CALL, Op.QUERY, Op.SESSION}
                for a in actions
            )
            return Outcome(
                seconds,
                "metadata lock" if ddl else "row locks",
                "as written" if HAS_CLAUSE.search(sql) else "n/a",
                error=self.error_text(error) if error else "",
            )
        reasons: list[str] = []
        for algorithm, lock in [
            *((a, "NONE") for a in self.algorithms),
            ("INPLACE", "SHARED"),
            ("COPY", "SHARED"),
            ("COPY", "EXCLUSIVE"),
        ]:
            seconds, error = self._run(conn, self._with(sql, algorithm, lock))
            if error is None:
                return Outcome(
                    seconds,
                    lock,
                    algorithm,
                    "; ".join(reasons),
                    rewrite=algorithm == "COPY",
                    blocks_writes=lock != "NONE",
                )
            code = error.args[0] if error.args else 0
            if code not in UNSUPPORTED and not (code == 1064 and algorithm == "NOCOPY"):
                return Outcome(seconds, error=self.error_text(error), reason="; ".join(reasons))
            if str(error.args[-1]) not in reasons:
                reasons.append(str(error.args[-1]))
        return Outcome(error="no ALGORITHM/LOCK combination accepted", reason="; ".join(reasons))

    def explain(self, conn: Any, sql: str) -> Plan:
        """EXPLAIN: type ALL is a full scan, a chosen key is an index read."""
        cur = conn.cursor()
        try:
            cur.execute(f"EXPLAIN {sql}")
            names = [d[0].lower() for d in cur.description]
            rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        finally:
            cur.close()
        plan = Plan(text="; ".join(f"{r['table']}:{r['type']}:{r['key']}" for r in rows))
        for r in rows:
            if r.get("table") and r.get("key"):
                plan.indexed.add(str(r["table"]))
            elif r.get("table") and r.get("type") == "ALL":
                plan.scanned.add(str(r["table"]))
        return plan


class MySQL(MariaDB):
    """MySQL: the same probe without NOCOPY."""

    name = "mysql"
    algorithms = ("INSTANT", "INPLACE")
