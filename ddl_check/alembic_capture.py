"""Capture the SQL an alembic tree's revisions run: offline (emitted SQL) or online (a clone).

Online capture runs each revision's upgrade() on a scratch clone and records every statement
the connection executes, so revisions that inspect the database see a real schema. This module
also runs inside the project's own interpreter (`--python`): alembic, SQLAlchemy and the
standard library only.
"""

import io
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from ddl_check.alembic_tree import Tree, TreeOptions, revision_error, tree_frame, upgrade_of
from ddl_check.errors import MigrationError, ScratchUnavailable
from ddl_check.model import ObjectException, Phase
from ddl_check.neutron_exceptions import read_exceptions

ALEMBIC_DIALECTS = {
    "mariadb": "mysql",
    "mysql": "mysql",
    "postgresql": "postgresql",
    "sqlite": "sqlite",
}
# what the inspector and the driver read; a migration's writes and DDL are everything else
READS = re.compile(r"^\s*(SELECT|SHOW|DESCRIBE|DESC|EXPLAIN|PRAGMA)\b", re.I)
OFFLINE_READS = "No inspection system is available"


@dataclass
class CapturedRevision:
    """The SQL one revision ran, where its upgrade() is, and the exceptions it documents."""

    phase: Phase
    file: str
    line: int
    sql: list[str]
    allows: dict[str, str] = field(default_factory=dict)
    exceptions: list[ObjectException] = field(default_factory=list)
    seconds: float = 0.0
    stopped: str = ""  # the database refused a statement: the capture ends at this revision

    def to_json(self) -> dict[str, Any]:
        """Plain data, for the capture subprocess's answer."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "CapturedRevision":
        """The inverse of to_json."""
        return cls(
            Phase(data["phase"]),
            data["file"],
            int(data["line"]),
            list(data["sql"]),
            dict(data["allows"]),
            [ObjectException(**e) for e in data["exceptions"]],
            float(data["seconds"]),
            str(data.get("stopped", "")),
        )


def _allows(module: ModuleType) -> dict[str, str]:
    """Exceptions a revision documents as `ddl_check_allow = {"CODE": "reason"}`."""
    allowed = getattr(module, "ddl_check_allow", None) or {}
    return {str(k): str(v) for k, v in dict(allowed).items()}


@contextmanager
def _environment(tree: Tree, **configure: Any) -> Iterator[Any]:
    """alembic's EnvironmentContext as env.py sets it up: revisions may call alembic.context."""
    from alembic.runtime.environment import EnvironmentContext

    with EnvironmentContext(tree.config, tree.script) as env:
        env.configure(**configure)
        yield env.get_context()


def _emit_offline(tree: Tree, module: ModuleType, dialect: str) -> list[str]:
    """Run a revision's upgrade() in offline mode and return the SQL it emits."""
    from alembic.operations import Operations

    buffer = io.StringIO()
    options = {"as_sql": True, "output_buffer": buffer, "literal_binds": True}
    with (
        _environment(tree, dialect_name=dialect, **options) as context,
        Operations.context(context),
    ):
        module.upgrade()
    return [buffer.getvalue()]


def _literal(cursor: Any, statement: str, parameters: Any) -> str:
    """The statement as the driver sends it; sqlite3 has no mogrify: its ?s are filled in order."""
    mogrify = getattr(cursor, "mogrify", None)
    if mogrify is not None:
        text = mogrify(statement, parameters)
        return text.decode("utf-8") if isinstance(text, bytes) else str(text)
    if not parameters:
        return statement
    values = iter(parameters.values() if isinstance(parameters, dict) else parameters)
    return re.sub(r"\?", lambda _m: _sqlite_literal(next(values)), statement)


def _sqlite_literal(value: Any) -> str:
    """An SQLite literal for a bound value."""
    if value is None:
        return "NULL"
    if isinstance(value, int | float):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


class Recorder:
    """Every statement a connection executes that writes or changes the schema."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(
        self,
        conn: Any,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> None:
        """SQLAlchemy's before_cursor_execute hook."""
        if READS.match(statement):
            return
        rows = parameters if executemany else [parameters]
        self.statements.extend(_literal(cursor, statement, p) for p in rows)


@contextmanager
def _connection(url: str) -> Iterator[Any]:
    """A SQLAlchemy connection to a scratch database; refusing to connect is exit 3."""
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        try:
            conn = engine.connect()
        except sa.exc.DBAPIError as error:
            host = engine.url.host or engine.url.database or "the scratch database"
            first = " ".join(str(error.orig).split())
            backend = engine.url.get_backend_name()
            raise ScratchUnavailable(f"{backend} at {host}: {first}") from None
        try:
            yield conn
        finally:
            conn.close()
    finally:
        engine.dispose()


@contextmanager
def _online(conn: Any, tree: Tree) -> Iterator[tuple[Any, list[str]]]:
    """A MigrationContext and the heads stamped; the version table made first, as alembic does."""
    with _environment(tree, connection=conn, version_table=tree.options.version_table) as context:
        heads = list(context.get_current_heads())
        if not heads:
            context.stamp(tree.script, "base")  # creates the table; revisions may read it
        conn.commit()  # no transaction left open: a revision's autocommit_block() needs none
        yield context, heads


def _run_online(conn: Any, context: Any, module: ModuleType) -> None:
    """upgrade() through alembic's Operations on a live connection."""
    from alembic.operations import Operations

    with Operations.context(context):
        module.upgrade()


def _stamp(conn: Any, context: Any, tree: Tree, rev: Any) -> None:
    """Record the revision in the version table, as alembic does after each upgrade()."""
    context.stamp(tree.script, rev.revision)
    conn.commit()


def build(tree: Tree, url: str) -> list[str]:
    """Run the revisions before the patch on an empty database; return their revision ids."""
    patch = tree.patch_revisions()
    done: list[str] = []
    with _connection(url) as conn, _online(conn, tree) as (context, _heads):
        for rev in tree.before(patch):
            module, file, line = upgrade_of(rev)
            try:
                _run_online(conn, context, module)
            except Exception as error:  # the revision's own code
                conn.rollback()
                raise revision_error(error, tree.root, f"{file}:{line}", "upgrade()") from None
            _stamp(conn, context, tree, rev)
            done.append(rev.revision)
    return done


def capture(tree: Tree, dialect: str, url: str | None = None) -> list[CapturedRevision]:
    """Each patch revision's SQL, in phase order: online on `url`, else emitted offline."""
    if url is None:
        return [_capture_one(tree, phase, rev, dialect, None) for phase, rev in _patch(tree, [])]
    out: list[CapturedRevision] = []
    with _connection(url) as conn, _online(conn, tree) as (context, heads):
        for phase, rev in _patch(tree, heads):
            out.append(_capture_one(tree, phase, rev, dialect, (conn, context)))
            if out[-1].stopped:
                break  # later revisions would run on a schema this one left half-done
    return out


def _patch(tree: Tree, stamped: list[str]) -> list[tuple[Phase, Any]]:
    """The patch's revisions in phase order, given what the database is stamped at."""
    return list(tree.in_phase_order(tree.patch_revisions(tree.applied(stamped))))


def _capture_one(
    tree: Tree, phase: Phase, rev: Any, dialect: str, online: tuple[Any, Any] | None
) -> CapturedRevision:
    """One revision's statements; any failure names the revision's file and line."""
    import sqlalchemy as sa

    conn, context = online or (None, None)
    module, file, line = upgrade_of(rev)
    start = time.perf_counter()
    recorder, stopped = Recorder(), ""
    try:
        if conn is None:
            recorder.statements = _emit_offline(tree, module, dialect)
        else:
            sa.event.listen(conn, "before_cursor_execute", recorder)
            try:
                _run_online(conn, context, module)
            finally:
                sa.event.remove(conn, "before_cursor_execute", recorder)
            _stamp(conn, context, tree, rev)
    except MigrationError:
        raise
    except sa.exc.DBAPIError as error:  # a statement the database refused: a finding, not a crash
        if conn is None:
            raise revision_error(error, tree.root, f"{file}:{line}", "upgrade()") from None
        conn.rollback()
        frame = tree_frame(error, tree.root)
        where = f"{frame[0]}:{frame[1]}" if frame else f"{file}:{line}"
        stopped = f"{where}: {' '.join(str(error.orig).split())}"
    except Exception as error:  # the revision's own code
        if conn is not None:
            conn.rollback()
        if conn is None and OFFLINE_READS in str(error):
            raise MigrationError(
                f"{file}:{line}: upgrade() reads the database, which offline capture cannot "
                "do; check it with `harness ddl check` (online capture on a scratch clone)"
            ) from None
        raise revision_error(error, tree.root, f"{file}:{line}", "upgrade()") from None
    return CapturedRevision(
        phase,
        file,
        line,
        recorder.statements,
        _allows(module),
        read_exceptions(module, phase, file),
        time.perf_counter() - start,
        stopped,
    )


def run_request(request: dict[str, Any]) -> dict[str, Any]:
    """One capture job, as plain data in and out: the same code in-process and in `--python`."""
    tree = Tree(Path(request["tree"]), TreeOptions.from_json(request["options"]))
    url = request.get("url")
    if request["action"] == "open":
        return {"revisions": len(tree.ordered)}
    if request["action"] == "build":
        if url is None:
            raise MigrationError(f"{request['tree']}: building a database needs a scratch URL")
        return {"built": build(tree, url)}
    revisions = capture(tree, ALEMBIC_DIALECTS[request["engine"]], url)
    return {"revisions": [r.to_json() for r in revisions]}
