"""Turn a parsed statement into engine-neutral schema actions the rules reason about."""

import re
from dataclasses import dataclass, field

from sqlglot import exp

from ddl_check.sqltext import parse


@dataclass
class Action:
    """One schema or data operation a statement performs."""

    op: str
    table: str = ""
    column: str = ""
    columns: list[str] = field(default_factory=list)
    ref_table: str = ""
    ref_columns: list[str] = field(default_factory=list)
    new_type: str = ""
    not_null: bool = False
    has_default: bool = False
    volatile_default: bool = False
    concurrently: bool = False
    not_valid: bool = False
    unique: bool = False


DDL_OPS = {
    "create_table",
    "drop_table",
    "rename_table",
    "add_column",
    "drop_column",
    "rename_column",
    "change_type",
    "set_not_null",
    "drop_not_null",
    "set_default",
    "drop_default",
    "add_index",
    "drop_index",
    "add_unique",
    "add_fk",
    "add_check",
    "add_pk",
    "drop_constraint",
    "validate_constraint",
    "create_view",
    "drop_view",
    "table_options",
    "unknown_ddl",
}
DATA_OPS = {"insert", "update", "delete", "truncate", "call"}
ADDITIVE_OPS = {
    "create_table",
    "add_column",
    "add_index",
    "add_unique",
    "add_fk",
    "add_check",
    "add_pk",
    "create_view",
    "set_default",
}


def _name(node: exp.Expression | None) -> str:
    """Unquoted name of an identifier, column or table node."""
    if node is None:
        return ""
    if isinstance(node, exp.Table | exp.Column):
        return str(node.name)
    if isinstance(node, exp.Identifier):
        return str(node.this)
    return node.name if hasattr(node, "name") else str(node)


def _names(nodes: list[exp.Expression]) -> list[str]:
    """Names of a list of column-ish nodes (Ordered wraps index columns)."""
    return [_name(n.this if isinstance(n, exp.Ordered) else n) for n in nodes]


def _column_def(table: str, cdef: exp.ColumnDef, op: str) -> list[Action]:
    """Actions of a column definition, used by ADD COLUMN and MODIFY/CHANGE."""
    kinds = [c.args.get("kind") for c in cdef.args.get("constraints") or []]
    default = next((k for k in kinds if isinstance(k, exp.DefaultColumnConstraint)), None)
    not_null = any(
        isinstance(k, exp.NotNullColumnConstraint) and not k.args.get("allow_null") for k in kinds
    )
    pk = any(isinstance(k, exp.PrimaryKeyColumnConstraint) for k in kinds)
    auto = any(
        isinstance(k, exp.AutoIncrementColumnConstraint | exp.GeneratedAsIdentityColumnConstraint)
        for k in kinds
    )
    volatile = default is not None and bool(default.find(exp.Rand, exp.Anonymous, exp.Uuid))
    dtype = cdef.args.get("kind")
    action = Action(
        op,
        table,
        _name(cdef.this),
        new_type=dtype.sql("mysql") if dtype else "",
        not_null=not_null or pk,
        has_default=default is not None or auto,
        volatile_default=volatile,
    )
    actions = [action]
    if pk:
        actions.append(Action("add_pk", table, columns=[action.column]))
    if any(isinstance(k, exp.UniqueColumnConstraint) for k in kinds):
        actions.append(Action("add_unique", table, columns=[action.column]))
    return actions


def _add_constraint(table: str, node: exp.Expression, not_valid: bool) -> list[Action]:
    """Actions of ADD CONSTRAINT / ADD INDEX / ADD UNIQUE / ADD PRIMARY KEY."""
    out: list[Action] = []
    for item in node.expressions:
        inner = item.expressions if isinstance(item, exp.Constraint) else [item]
        for c in inner:
            if isinstance(c, exp.ForeignKey):
                ref = c.args.get("reference")
                schema = ref.this if ref is not None else None
                out.append(
                    Action(
                        "add_fk",
                        table,
                        columns=_names(c.expressions),
                        ref_table=_name(schema.this) if schema is not None else "",
                        ref_columns=_names(schema.expressions) if schema is not None else [],
                        not_valid=not_valid,
                    )
                )
            elif isinstance(c, exp.UniqueColumnConstraint):
                cols = c.this.expressions if isinstance(c.this, exp.Schema) else []
                out.append(Action("add_unique", table, columns=_names(cols)))
            elif isinstance(c, exp.PrimaryKey):
                out.append(Action("add_pk", table, columns=_names(c.expressions)))
            elif isinstance(c, exp.IndexColumnConstraint):
                out.append(Action("add_index", table, columns=_names(c.expressions)))
            elif isinstance(c, exp.CheckColumnConstraint):
                out.append(Action("add_check", table, not_valid=not_valid))
            else:
                out.append(Action("unknown_ddl", table))
    return out


def _alter_action(table: str, act: exp.Expression, not_valid: bool) -> list[Action]:
    """Actions of one clause of ALTER TABLE."""
    if isinstance(act, exp.ColumnDef):
        return _column_def(table, act, "add_column")
    if isinstance(act, exp.ModifyColumn):
        actions = _column_def(table, act.this, "change_type")
        change = actions[0]
        old = _name(act.args.get("rename_from")) or change.column
        extra = [Action("rename_column", table, old)] if old != change.column else []
        change.column = old
        if change.not_null:
            extra.append(Action("set_not_null", table, old))
        return [*extra, *actions]
    if isinstance(act, exp.Drop):
        kind = str(act.args.get("kind") or "").upper()
        target = [_name(t) for t in act.args.get("tables") or []]
        op = {
            "COLUMN": "drop_column",
            "INDEX": "drop_index",
            "KEY": "drop_index",
            "PRIMARY KEY": "drop_constraint",
            "FOREIGN KEY": "drop_constraint",
            "CONSTRAINT": "drop_constraint",
            "CHECK": "drop_constraint",
        }.get(kind, "unknown_ddl")
        return [Action(op, table, target[0] if target else "")]
    if isinstance(act, exp.RenameColumn):
        return [Action("rename_column", table, _name(act.this), new_type=_name(act.args.get("to")))]
    if isinstance(act, exp.AlterRename):
        options: list[exp.Expression] = (
            act.parent.args.get("options") if act.parent else None
        ) or []
        to = next((o for o in options if isinstance(o, exp.ToTableProperty)), None)
        if to is not None:  # PostgreSQL's `RENAME name TO new`: COLUMN is optional
            return [Action("rename_column", table, _name(act.this), new_type=_name(to.this))]
        return [Action("rename_table", table)]
    if isinstance(act, exp.AlterColumn):
        col = _name(act.this)
        if act.args.get("dtype") is not None:
            return [Action("change_type", table, col, new_type=act.args["dtype"].sql("postgres"))]
        if act.args.get("allow_null") is False:
            return [Action("set_not_null", table, col)]
        if act.args.get("allow_null") is True:
            return [Action("drop_not_null", table, col)]
        if act.args.get("drop"):
            return [Action("drop_default", table, col)]
        if act.args.get("default") is not None:
            return [Action("set_default", table, col)]
        return [Action("unknown_ddl", table, col)]
    if isinstance(act, exp.AddConstraint):
        return _add_constraint(table, act, not_valid)
    return [Action("unknown_ddl", table)]


COMMAND_PATTERNS = [
    (re.compile(r"^RENAME\s+TABLE\s+`?(\w+)", re.I), "rename_table"),
    (
        re.compile(r"^ALTER\s+TABLE\s+(?:ONLY\s+)?[`\"]?(\w+)[`\"]?\s+VALIDATE\s+CONSTRAINT", re.I),
        "validate_constraint",
    ),
    (
        re.compile(r"^ALTER\s+TABLE\s+[`\"]?(\w+)[`\"]?\s+.*\bDROP\s+(?:COLUMN\s+)?", re.I | re.S),
        "unknown_ddl",
    ),
    (re.compile(r"^(?:CREATE|ALTER|DROP)\s+\w+\s+[`\"]?(\w+)", re.I), "unknown_ddl"),
]


def _command(tree: exp.Command) -> list[Action]:
    """Best-effort actions for statements sqlglot only knows as an opaque command."""
    rest = tree.expression
    text = f"{tree.this} {rest.this if isinstance(rest, exp.Literal) else rest}"
    word = str(tree.this).upper()
    if word in {"SET", "SHOW", "EXPLAIN", "BEGIN", "COMMIT", "START", "ANALYZE", "LOCK", "UNLOCK"}:
        return [Action("session")]
    if word == "CALL":  # a stored procedure: a data change on tables nobody can name here
        return [Action("call")]
    for pattern, op in COMMAND_PATTERNS:
        match = pattern.match(text)
        if match:
            return [Action(op, match.group(1))]
    return [Action("unknown_ddl")]


def actions_of(tree: exp.Expression) -> list[Action]:
    """Every action one statement performs."""
    if isinstance(tree, exp.Alter):
        table = _name(tree.this)
        not_valid = bool(tree.args.get("not_valid"))
        acts = tree.args.get("actions") or []
        if not acts:
            return [Action("table_options", table)]
        return [a for act in acts for a in _alter_action(table, act, not_valid)]
    if isinstance(tree, exp.Create):
        kind = str(tree.args.get("kind") or "").upper()
        if kind == "INDEX":
            index = tree.this
            params = index.args.get("params")
            cols = _names(params.args.get("columns") or []) if params is not None else []
            return [
                Action(
                    "add_index",
                    _name(index.args.get("table")),
                    columns=cols,
                    unique=bool(tree.args.get("unique")),
                    concurrently=bool(tree.args.get("concurrently")),
                )
            ]
        if kind == "TABLE":
            target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
            return [Action("create_table", _name(target))]
        if kind == "VIEW":
            return [Action("create_view", _name(tree.this))]
        return [Action("unknown_ddl", _name(tree.this))]
    if isinstance(tree, exp.Drop):
        kind = str(tree.args.get("kind") or "").upper()
        names = [_name(t) for t in tree.args.get("tables") or []]
        if kind == "INDEX":
            on = tree.args.get("cluster")
            return [
                Action(
                    "drop_index",
                    _name(on.this) if on is not None else "",
                    names[0] if names else "",
                    concurrently=bool(tree.args.get("concurrently")),
                )
            ]
        op = {"TABLE": "drop_table", "VIEW": "drop_view"}.get(kind, "unknown_ddl")
        return [Action(op, n) for n in names] or [Action(op)]
    if isinstance(tree, exp.Insert):
        return [
            Action(
                "insert", _name(tree.this if isinstance(tree.this, exp.Table) else tree.this.this)
            )
        ]
    if isinstance(tree, exp.Update):
        return [Action("update", _name(tree.this))]
    if isinstance(tree, exp.Delete):
        return [Action("delete", _name(tree.this))]
    if isinstance(tree, exp.TruncateTable):
        return [Action("truncate", _name(t)) for t in tree.expressions]
    if isinstance(tree, exp.Command):
        return _command(tree)
    if isinstance(tree, exp.Select | exp.Union):
        return [Action("query")]
    return [Action("session")]


def statement_actions(sql: str, engine: str) -> list[Action]:
    """Parse and describe one statement."""
    return actions_of(parse(sql, engine))
