"""Static phase rules: what each phase may do to the schema, decided from the parsed SQL."""

from ddl_check.facts import ADDITIVE_OPS, DATA_OPS, DDL_OPS, Action, statement_actions
from ddl_check.model import Finding, Patch, Phase, Statement
from ddl_check.neutron_exceptions import excepted
from ddl_check.operations import Op
from ddl_check.rules import Code
from ddl_check.schema import Schema, column
from ddl_check.typewidth import is_same, is_widening

PHASE_RULES = {"EXP", "CON"}  # the rules Neutron-style object exceptions can excuse
EXPAND_OPS = {
    Op.DROP_TABLE: (Code.EXP001, "drops table {table}"),
    Op.DROP_VIEW: (Code.EXP001, "drops view {table}"),
    Op.DROP_COLUMN: (Code.EXP002, "drops column {table}.{column}"),
    Op.RENAME_TABLE: (Code.EXP003, "renames table {table}"),
    Op.RENAME_COLUMN: (Code.EXP004, "renames column {table}.{column}"),
    Op.DROP_INDEX: (Code.EXP008, "drops index {column} on {table}"),
    Op.DROP_CONSTRAINT: (Code.EXP008, "drops constraint {column} on {table}"),
    Op.DROP_DEFAULT: (Code.EXP010, "drops the default of {table}.{column}"),
    Op.UNKNOWN_DDL: (Code.GEN001, "statement not understood on {table}"),
}
CONTRACT_OPS = {
    Op.RENAME_TABLE: (Code.CON002, "renames table {table}"),
    Op.RENAME_COLUMN: (Code.CON002, "renames column {table}.{column}"),
    Op.UNKNOWN_DDL: (Code.GEN001, "statement not understood on {table}"),
}


def _expand(a: Action, schema: Schema | None, new: set[str]) -> tuple[Code, str] | None:
    """The expand rule an action breaks, if any."""
    if a.table in new and a.op not in {Op.RENAME_TABLE, Op.UNKNOWN_DDL}:
        return None  # the old code does not know a table this patch creates
    if a.op in EXPAND_OPS:
        code, text = EXPAND_OPS[a.op]
        return code, text.format(table=a.table, column=a.column)
    if a.op in DATA_OPS:
        return Code.EXP009, f"{a.op.upper()} on {a.table or 'tables a procedure chooses'}"
    if a.op == Op.ADD_COLUMN and a.not_null and not a.has_default:
        return Code.EXP006, f"adds {a.table}.{a.column} NOT NULL without a default"
    old = column(schema, a.table, a.column)
    if a.op == Op.CHANGE_TYPE:
        if old is None:
            return (
                Code.EXP005,
                f"changes the type of {a.table}.{a.column} to {a.new_type} (old type unknown)",
            )
        if not is_same(old.type, a.new_type) and not is_widening(old.type, a.new_type):
            return Code.EXP005, f"changes {a.table}.{a.column} from {old.type} to {a.new_type}"
    if a.op == Op.SET_NOT_NULL and (old is None or old.nullable):
        return Code.EXP007, f"makes {a.table}.{a.column} NOT NULL"
    return None


def _contract(a: Action) -> tuple[Code, str] | None:
    """The contract rule an action breaks, if any."""
    if a.op in CONTRACT_OPS:
        code, text = CONTRACT_OPS[a.op]
        return code, text.format(table=a.table, column=a.column)
    if a.op in ADDITIVE_OPS - {Op.SET_DEFAULT} or (a.op == Op.ADD_INDEX):
        return Code.CON001, f"{a.op.replace('_', ' ')} on {a.table}"
    if a.op in {Op.INSERT, Op.UPDATE}:
        return Code.CON003, f"{a.op.upper()} on {a.table}"
    return None


def _postgres(a: Action, new: set[str]) -> tuple[Code, str] | None:
    """PostgreSQL-only rules: online forms of index and constraint changes."""
    if a.table in new:
        return None
    if a.op == Op.ADD_INDEX and not a.concurrently:
        return Code.PG001, f"CREATE INDEX on {a.table} without CONCURRENTLY"
    if a.op == Op.DROP_INDEX and not a.concurrently:
        return Code.PG001, f"DROP INDEX {a.column} without CONCURRENTLY"
    if a.op in {Op.ADD_FK, Op.ADD_CHECK} and not a.not_valid:
        return (
            Code.PG002,
            f"adds a {'foreign key' if a.op == Op.ADD_FK else 'CHECK'} on {a.table} "
            "without NOT VALID",
        )
    return None


def _finding(stmt: Statement, code: Code, message: str, a: Action) -> Finding:
    """A finding for a statement, accepted when the migration documents an exception."""
    allowed = stmt.allows.get(code)
    if allowed is None and code[:3] in PHASE_RULES:
        allowed = excepted(stmt.exceptions, a)
    return Finding(code, message, stmt.phase.value, stmt.file, stmt.line, stmt.sql, allowed)


def check_statement(
    stmt: Statement, engine: str, schema: Schema | None, new: set[str]
) -> list[Finding]:
    """Every static finding of one statement; `new` collects tables the patch creates."""
    out: list[Finding] = []
    for a in statement_actions(stmt.sql, engine):
        hits: list[tuple[Code, str] | None] = []
        if stmt.phase == Phase.EXPAND:
            hits.append(_expand(a, schema, new))
        elif stmt.phase == Phase.MIGRATE and a.op in DDL_OPS:
            hits.append((Code.MIG001, f"{a.op.replace('_', ' ')} on {a.table}"))
        elif stmt.phase == Phase.CONTRACT:
            hits.append(_contract(a))
        if engine == "postgresql":
            hits.append(_postgres(a, new))
        out.extend(_finding(stmt, code, msg, a) for hit in hits if hit for code, msg in [hit])
        if a.op == Op.CREATE_TABLE:
            new.add(a.table)
    return out


def check_patch(patch: Patch, engine: str, schema: Schema | None = None) -> list[Finding]:
    """Static findings of a whole patch, phase by phase."""
    new: set[str] = set()
    return [f for stmt in patch.statements for f in check_statement(stmt, engine, schema, new)]
