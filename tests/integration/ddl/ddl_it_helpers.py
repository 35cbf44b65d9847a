"""Helpers for the DDL checker's integration tests: setup scripts, source databases, the CLI."""

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ddl_check.engines import get_engine
from ddl_check.engines.base import Engine

CORPUS = Path(__file__).resolve().parents[2] / "ddl_corpus"


def run_script(engine: Engine, db: str, sql: str) -> None:
    """Run a setup script statement by statement (no driver runs several at once everywhere)."""
    conn = engine.connect(db)
    try:
        for stmt in re.split(r";\s*\n", sql):
            if stmt.strip():
                engine.query(conn, stmt)
    finally:
        conn.close()


@contextmanager
def source_db(name: str, setup: str) -> Iterator[tuple[Engine, str]]:
    """A live, uniquely named source database built from a setup script; dropped afterwards."""
    engine = get_engine(name)
    db = f"ddl_{uuid.uuid4().hex[:8]}_src"
    engine.create(db)
    try:
        run_script(engine, db, setup)
        yield engine, db
    finally:
        engine.drop(db)


def invoke(args: list[str]) -> tuple[int, str, str]:
    """Run `harness ddl ...` the way harness.cli.main does: (exit code, stdout, stderr)."""
    from click.testing import CliRunner

    from harness.cli.ddl import command
    from harness.errors import REPORTED

    runner = CliRunner()
    result = runner.invoke(command, args, catch_exceptions=True)
    if isinstance(result.exception, REPORTED):
        return int(result.exception.exit_code), result.stdout, f"harness: error: {result.exception}"
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def write_patch(root: Path, phases: dict[str, str]) -> Path:
    """A patch directory with one SQL file per phase."""
    for phase, sql in phases.items():
        (root / phase).mkdir(parents=True, exist_ok=True)
        (root / phase / "001.sql").write_text(sql)
    return root
