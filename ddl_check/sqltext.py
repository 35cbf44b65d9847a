"""Split migration SQL into statements with line numbers and their allow-comments."""

import logging
import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import Token

from ddl_check.errors import MigrationError, where
from ddl_check.rules import Code

logging.getLogger("sqlglot").setLevel(logging.ERROR)

DIALECTS = {"mariadb": "mysql", "mysql": "mysql", "postgresql": "postgres", "sqlite": "sqlite"}

ALLOW_RE = re.compile(
    r"--\s*ddl-check:\s*allow(?P<file>-file)?\s+(?P<code>[A-Z]+\d+)\s*(?P<reason>.*)$", re.MULTILINE
)

STATEMENT_TYPES = (
    exp.Create,
    exp.Drop,
    exp.Alter,
    exp.Insert,
    exp.Update,
    exp.Delete,
    exp.Select,
    exp.Union,
    exp.TruncateTable,
    exp.Command,
    exp.Set,
    exp.Use,
    exp.Transaction,
    exp.Commit,
    exp.Rollback,
    exp.Merge,
    exp.Analyze,
    exp.Describe,
    exp.Pragma,
)
COMMAND_WORDS = {
    "ALTER",
    "RENAME",
    "CREATE",
    "DROP",
    "SET",
    "GRANT",
    "REVOKE",
    "COMMENT",
    "ANALYZE",
    "OPTIMIZE",
    "LOCK",
    "UNLOCK",
    "CALL",
    "DO",
    "VACUUM",
    "REINDEX",
    "CLUSTER",
    "SHOW",
    "EXPLAIN",
    "DELIMITER",
    "TRUNCATE",
    "REPLACE",
    "START",
    "BEGIN",
    "COMMIT",
}


@dataclass
class RawStatement:
    """A statement's text, first line, and the allow-comments that precede it."""

    sql: str
    line: int
    allows: dict[str, str]
    end: int = 0


def dialect_of(engine: str) -> str:
    """The sqlglot dialect name for an engine."""
    return DIALECTS.get(engine, engine)


def _check_allowed_codes(text: str, path: str) -> None:
    """Refuse an allow-comment naming no rule: a typo there would allow nothing, silently."""
    for match in ALLOW_RE.finditer(text):
        if match["code"] not in set(Code):
            line = text.count("\n", 0, match.start()) + 1
            raise MigrationError(f"{where(path, line)}: ddl-check allow names no rule "
                                 f"{match['code']!r}; `harness ddl rules` lists them")


def split(text: str, engine: str, path: str) -> list[RawStatement]:
    """Split text into parsed-checked statements; bad SQL raises naming file and line."""
    dialect = Dialect.get_or_raise(dialect_of(engine))
    try:
        tokens = dialect.tokenize(text)
    except TokenError as error:
        raise MigrationError(f"{where(path)}: cannot tokenize SQL: {error}") from None
    _check_allowed_codes(text, path)
    file_allows = {
        m["code"]: m["reason"].strip() or "(no reason given)"
        for m in ALLOW_RE.finditer(text)
        if m["file"]
    }
    stmt_allows = [
        (m.start(), m["code"], m["reason"].strip() or "(no reason given)")
        for m in ALLOW_RE.finditer(text)
        if not m["file"]
    ]
    out: list[RawStatement] = []
    chunk: list[Token] = []
    for token in [*tokens, None]:
        if token is not None and token.token_type != sqlglot.TokenType.SEMICOLON:
            chunk.append(token)
            continue
        if chunk:
            start, end = chunk[0].start, chunk[-1].end + 1
            allows = dict(file_allows)
            prev_end = out[-1].end if out else 0
            allows.update({c: r for pos, c, r in stmt_allows if prev_end <= pos < end})
            out.append(RawStatement(text[start:end].strip(), chunk[0].line, allows, end))
        chunk = []
    for stmt in out:
        parse(stmt.sql, engine, path, stmt.line)
    return out


def parse(sql: str, engine: str, path: str = "<sql>", line: int = 0) -> exp.Expression:
    """Parse one statement, refusing expressions that are not SQL statements."""
    try:
        tree = sqlglot.parse_one(sql, read=dialect_of(engine))
    except (ParseError, TokenError) as error:
        detail = str(error).splitlines()[0]
        errors = getattr(error, "errors", None) or []
        rel = errors[0].get("line", 1) if errors else 1
        raise MigrationError(
            f"{where(path, line + rel - 1 if line else rel)}: not valid SQL: {detail}"
        ) from None
    if not isinstance(tree, STATEMENT_TYPES):
        raise MigrationError(f"{where(path, line)}: not a SQL statement: {sql[:60]!r}")
    if isinstance(tree, exp.Command):
        word = str(tree.this).upper()
        if word not in COMMAND_WORDS:
            raise MigrationError(f"{where(path, line)}: not a SQL statement: {sql[:60]!r}")
    return tree
