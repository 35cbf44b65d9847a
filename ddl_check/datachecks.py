"""Look at the data before a constraint is added: duplicates, orphans, NULLs."""

from collections.abc import Sequence
from typing import Any

from ddl_check.engines.base import Engine
from ddl_check.facts import Action
from ddl_check.operations import Op
from ddl_check.rules import Code
from ddl_check.schema import Schema, column


def _known(schema: Schema, table: str, columns: Sequence[str]) -> bool:
    """Only existing columns of existing tables can hold offending rows."""
    return bool(columns) and all(column(schema, table, c) for c in columns)


def _count(engine: Engine, conn: Any, sql: str) -> int:
    """The single number a check query returns."""
    return int(engine.query(conn, sql)[0][0] or 0)


def _duplicates(engine: Engine, a: Action) -> str:
    """SQL counting the duplicated values of a new unique key."""
    q = engine.quote
    cols = ", ".join(q(c) for c in a.columns)
    nonnull = " AND ".join(f"{q(c)} IS NOT NULL" for c in a.columns)
    return (
        f"SELECT COUNT(*) FROM (SELECT 1 AS x FROM {q(a.table)} WHERE {nonnull} "
        f"GROUP BY {cols} HAVING COUNT(*) > 1) d"
    )


def _orphans(engine: Engine, a: Action) -> str:
    """SQL counting child rows whose parent does not exist."""
    q = engine.quote
    pairs = zip(a.columns, a.ref_columns, strict=False)
    join = " AND ".join(f"p.{q(pc)} = c.{q(cc)}" for cc, pc in pairs)
    nonnull = " AND ".join(f"c.{q(c)} IS NOT NULL" for c in a.columns)
    return (
        f"SELECT COUNT(*) FROM {q(a.table)} c WHERE {nonnull} AND NOT EXISTS "
        f"(SELECT 1 FROM {q(a.ref_table)} p WHERE {join})"
    )


def _checks(schema: Schema, a: Action) -> list[tuple[Code, str, str]]:
    """(code, what, kind) of every check that applies to an action on existing columns."""
    out: list[tuple[Code, str, str]] = []
    unique = a.op in {Op.ADD_UNIQUE, Op.ADD_PK} or (a.op == Op.ADD_INDEX and a.unique)
    if unique and _known(schema, a.table, a.columns):
        columns = ", ".join(a.columns)
        out.append((Code.DATA001, f"duplicated value(s) of ({columns}) in {a.table}", ""))
    fk = a.op == Op.ADD_FK and _known(schema, a.table, a.columns) and a.ref_columns
    if fk and _known(schema, a.ref_table, a.ref_columns):
        out.append((Code.DATA002, f"row(s) of {a.table} reference missing {a.ref_table} rows", ""))
    null_cols = [a.column] if a.op == Op.SET_NOT_NULL else a.columns if a.op == Op.ADD_PK else []
    out += [
        (Code.DATA003, f"NULL(s) in {a.table}.{c}", c)
        for c in null_cols
        if _known(schema, a.table, [c])
    ]
    return out


def check_data(
    engine: Engine, conn: Any, schema: Schema, actions: Sequence[Action]
) -> list[tuple[Code, str]]:
    """(code, message) for every constraint the current data would violate."""
    out: list[tuple[Code, str]] = []
    for a in actions:
        for code, what, col in _checks(schema, a):
            if code == Code.DATA001:
                sql = _duplicates(engine, a)
            elif code == Code.DATA002:
                sql = _orphans(engine, a)
            else:
                q = engine.quote
                sql = f"SELECT COUNT(*) FROM {q(a.table)} WHERE {q(col)} IS NULL"
            n = _count(engine, conn, sql)
            if n:
                out.append((code, f"{n} {what}"))
    return out
