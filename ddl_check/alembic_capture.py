"""Capture the SQL an alembic tree's expand and contract branches emit, offline, no database."""

import inspect
import io
from pathlib import Path
from types import ModuleType

from ddl_check.errors import MigrationError
from ddl_check.model import Phase, Statement
from ddl_check.neutron_exceptions import read_exceptions
from ddl_check.sqltext import split

BRANCHES = (Phase.EXPAND, Phase.CONTRACT)
ALEMBIC_DIALECTS = {
    "mariadb": "mysql",
    "mysql": "mysql",
    "postgresql": "postgresql",
    "sqlite": "sqlite",
}


def _branch_revisions(script: object, label: str, path: Path) -> list[object]:
    """Revisions of one branch from its root to its single head."""
    from alembic.script import ScriptDirectory

    assert isinstance(script, ScriptDirectory)
    revs = [r for r in script.walk_revisions() if label in (r.branch_labels or set())]
    if not revs:
        return []
    heads = [
        r
        for r in revs
        if not any(
            label in (c.branch_labels or set()) for c in (script.get_revision(n) for n in r.nextrev)
        )
    ]
    if len(heads) > 1:
        files = ", ".join(sorted(str(h.path) for h in heads))
        raise MigrationError(
            f"{path}: branch {label!r} has {len(heads)} heads: {files}; "
            "merge them so each branch has one head"
        )
    chain = [
        r
        for r in script.iterate_revisions(heads[0].revision, "base")
        if label in (r.branch_labels or set())
    ]
    return list(reversed(chain))


def _allows(module: ModuleType) -> dict[str, str]:
    """Exceptions a revision documents as `ddl_check_allow = {"CODE": "reason"}`."""
    allowed = getattr(module, "ddl_check_allow", None) or {}
    return {str(k): str(v) for k, v in dict(allowed).items()}


def _emit(module: ModuleType, dialect: str) -> str:
    """Run a revision's upgrade() in offline mode and return the SQL it emits."""
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    buffer = io.StringIO()
    context = MigrationContext.configure(
        dialect_name=dialect, opts={"as_sql": True, "output_buffer": buffer, "literal_binds": True}
    )
    with Operations.context(context):
        module.upgrade()
    return buffer.getvalue()


def capture(path: Path, engine: str) -> list[Statement]:
    """Statements of the expand then contract branch, each tagged with its revision file."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    config = Config()
    config.set_main_option("script_location", str(path))
    try:
        script = ScriptDirectory.from_config(config)
        chains = {phase: _branch_revisions(script, phase.value, path) for phase in BRANCHES}
    except CommandError as error:
        raise MigrationError(f"{path}: {error}") from None
    except SyntaxError as error:
        raise MigrationError(f"{error.filename}:{error.lineno}: {error.msg}") from None
    if not any(chains.values()):
        raise MigrationError(f"{path}: no revision carries the branch label 'expand' or 'contract'")
    out: list[Statement] = []
    for phase, chain in chains.items():
        for rev in chain:
            module = rev.module  # type: ignore[attr-defined]
            file = str(rev.path)  # type: ignore[attr-defined]
            try:
                sql = _emit(module, ALEMBIC_DIALECTS.get(engine, engine))
                line = inspect.getsourcelines(module.upgrade)[1]
            except MigrationError:
                raise
            except Exception as error:
                raise MigrationError(f"{file}: upgrade() failed offline: {error}") from None
            allows = _allows(module)
            exceptions = read_exceptions(module, phase, file)
            for raw in split(sql, engine, file):
                out.append(
                    Statement(raw.sql, phase, file, line, {**allows, **raw.allows}, exceptions)
                )
    return out
