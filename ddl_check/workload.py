"""The old and the new code's database use: an SQL file, a MariaDB general log, or a command."""

import os
import re
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ddl_check.engines.base import Engine, Plan
from ddl_check.errors import WorkloadError
from ddl_check.sqltext import split

LOG_ENTRY = re.compile(
    r"^(?:\d{6}\s+\d{1,2}:\d{2}:\d{2}|\d{4}-\d\d-\d\dT\S+)?\s+\d+\s+(\w[\w ]*?)\t(.*)$"
)
SKIPPED_LOG_QUERY = re.compile(
    r"^\s*(SET|SHOW|USE|SELECT\s+@@|COMMIT|ROLLBACK|BEGIN|START)\b", re.I
)
REPEATS = 3


@dataclass
class Workload:
    """A named set of queries, or a command to run against the scratch database."""

    source: str
    queries: list[str] = field(default_factory=list)
    command: str = ""


@dataclass
class QueryRun:
    """One query's outcome: error, median latency, plan."""

    sql: str
    error: str = ""
    seconds: float = 0.0
    plan: Plan | None = None


def parse_general_log(text: str) -> list[str]:
    """The Query entries of a MariaDB/MySQL general query log, multi-line queries joined."""
    queries: list[str] = []
    current: list[str] | None = None
    for line in text.splitlines():
        match = LOG_ENTRY.match(line)
        if match:
            if current is not None:
                queries.append("\n".join(current))
            current = [match[2]] if match[1].strip() in {"Query", "Execute"} else None
        elif current is not None and not line.startswith(("Time", "Tcp port")):
            current.append(line)
    if current is not None:
        queries.append("\n".join(current))
    return [q.strip() for q in queries if q.strip() and not SKIPPED_LOG_QUERY.match(q)]


def load_workload(spec: str, engine: str) -> Workload:
    """`cmd:<shell command>`, a general log, or an SQL file."""
    if spec.startswith("cmd:"):
        return Workload(spec, command=spec[4:].strip())
    path = Path(spec)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise WorkloadError(f"{spec}: cannot read workload: {error.strerror}") from None
    if re.search(r"^\s*(?:\d{6}\s+\d{1,2}:\d{2}:\d{2}\s+)?\d+\s+(Query|Connect)\t", text, re.M):
        return Workload(spec, parse_general_log(text))
    return Workload(spec, [r.sql for r in split(text, engine, spec)])


def _is_read(sql: str) -> bool:
    """Whether a query only reads (and can be explained and repeated)."""
    return bool(re.match(r"^\s*(SELECT|WITH)\b", sql, re.I))


def _run_one(engine: Engine, conn: Any, sql: str) -> QueryRun:
    """Run a query inside a rolled-back transaction; time reads several times."""
    run = QueryRun(sql)
    times: list[float] = []
    for _ in range(REPEATS if _is_read(sql) else 1):
        engine.query(conn, "BEGIN")
        try:
            start = time.perf_counter()
            engine.query(conn, sql)
            times.append(time.perf_counter() - start)
        except Exception as error:  # any engine's driver error: the query failed
            run.error = engine.error_text(error)
            return run
        finally:
            engine.query(conn, "ROLLBACK")
    run.seconds = statistics.median(times)
    if _is_read(sql):
        run.plan = engine.explain(conn, sql)
    return run


def run_workload(engine: Engine, conn: Any, db: str, workload: Workload) -> list[QueryRun]:
    """Every query's outcome, or the command's outcome as one entry."""
    if workload.command:
        url = engine.url(db)
        env = {**os.environ, "DDL_CHECK_DATABASE_URL": url, "DATABASE_URL": url}
        start = time.perf_counter()
        done = subprocess.run(
            workload.command, shell=True, env=env, capture_output=True, text=True, check=False
        )
        err = ""
        if done.returncode:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            err = f"exit {done.returncode}: " + " | ".join(tail)
            if engine.server.password:
                err = err.replace(engine.server.password, "***")
        return [QueryRun(workload.command, err, time.perf_counter() - start)]
    return [_run_one(engine, conn, q) for q in workload.queries]
