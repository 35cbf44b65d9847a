"""Turn a parsed statement into engine-neutral schema actions the rules reason about."""

import re
from dataclasses import dataclass, field

from sqlglot import exp

from ddl_check.operations import Op
from ddl_check.sqltext import parse


@dataclass
class Action:
    """One schema or data operation a statement performs."""

    op: Op
    table: str = ""
    column: str = ""
    columns: list[str] = field(default_factory=list)
    ref_table: str = ""
    ref_columns: list[str] = field(default_factory=list)
    new_type: str = ""
    not_null: bool = False
    has_default: bool = False
    concurrently: bool = False
    not_valid: bool = False
    unique: bool = False


DDL_OPS = {
    Op.CREATE_TABLE,
    Op.DROP_TABLE,
    Op.RENAME_TABLE,
    Op.ADD_COLUMN,
    Op.DROP_COLUMN,
    Op.RENAME_COLUMN,
    Op.CHANGE_TYPE,
    Op.SET_NOT_NULL,
    Op.DROP_NOT_NULL,
    Op.SET_DEFAULT,
    Op.DROP_DEFAULT,
    Op.ADD_INDEX,
    Op.DROP_INDEX,
    Op.ADD_UNIQUE,
    Op.ADD_FK,
    Op.ADD_CHECK,
    Op.ADD_PK,
    Op.DROP_CONSTRAINT,
    Op.VALIDATE_CONSTRAINT,
    Op.CREATE_VIEW,
    Op.DROP_VIEW,
    Op.TABLE_OPTIONS,
    Op.UNKNOWN_DDL,
}
DATA_OPS = {Op.INSERT, Op.UPDATE, Op.DELETE, Op.TRUNCATE, Op.CALL}
ADDITIVE_OPS = {
    Op.CREATE_TABLE,
    Op.ADD_COLUMN,
    Op.ADD_INDEX,
    Op.ADD_UNIQUE,
    Op.ADD_FK,
    Op.ADD_CHECK,
    Op.ADD_PK,
    Op.CREATE_VIEW,
    Op.SET_DEFAULT,
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


def _column_def(table: str, cdef: exp.ColumnDef, op: Op) -> list[Action]:
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
    dtype = cdef.args.get("kind")
    action = Action(
        op,
        table,
        _name(cdef.this),
        new_type=dtype.sql("mysql") if dtype else "",
        not_null=not_null or pk,
        has_default=default is not None or auto,
    )
    actions = [action]
    if pk:
        actions.append(Action(Op.ADD_PK, table, columns=[action.column]))
    if any(isinstance(k, exp.UniqueColumnConstraint) for k in kinds):
        actions.append(Action(Op.ADD_UNIQUE, table, columns=[action.column]))
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
                        Op.ADD_FK,
                        table,
                        columns=_names(c.expressions),
                        ref_table=_name(schema.this) if schema is not None else "",
                        ref_columns=_names(schema.expressions) if schema is not None else [],
                        not_valid=not_valid,
                    )
                )
            elif isinstance(c, exp.UniqueColumnConstraint):
                cols = c.this.expressions if isinstance(c.this, exp.Schema) else []
                out.append(Action(Op.ADD_UNIQUE, table, columns=_names(cols)))
            elif isinstance(c, exp.PrimaryKey):
                out.append(Action(Op.ADD_PK, table, columns=_names(c.expressions)))
            elif isinstance(c, exp.IndexColumnConstraint):
                out.append(Action(Op.ADD_INDEX, table, columns=_names(c.expressions)))
            elif isinstance(c, exp.CheckColumnConstraint):
                out.append(Action(Op.ADD_CHECK, table, not_valid=not_valid))
            else:
                out.append(Action(Op.UNKNOWN_DDL, table))
    return out


def _alter_action(table: str, act: exp.Expression, not_valid: bool) -> list[Action]:
    """Actions of one clause of ALTER TABLE."""
    if isinstance(act, exp.ColumnDef):
        return _column_def(table, act, Op.ADD_COLUMN)
    if isinstance(act, exp.ModifyColumn):
        actions = _column_def(table, act.this, Op.CHANGE_TYPE)
        change = actions[0]
        old = _name(act.args.get("rename_from")) or change.column
        extra = [Action(Op.RENAME_COLUMN, table, old)] if old != change.column else []
        change.column = old
        if change.not_null:
            extra.append(Action(Op.SET_NOT_NULL, table, old))
        return [*extra, *actions]
    if isinstance(act, exp.Drop):
        kind = str(act.args.get("kind") or "").upper()
        target = [_name(t) for t in act.args.get("tables") or []]
        op = {
            "COLUMN": Op.DROP_COLUMN,
            "INDEX": Op.DROP_INDEX,
            "KEY": Op.DROP_INDEX,
            "PRIMARY KEY": Op.DROP_CONSTRAINT,
            "FOREIGN KEY": Op.DROP_CONSTRAINT,
            "CONSTRAINT": Op.DROP_CONSTRAINT,
            "CHECK": Op.DROP_CONSTRAINT,
        }.get(kind, Op.UNKNOWN_DDL)
        return [Action(op, table, target[0] if target else "")]
    if isinstance(act, exp.RenameColumn):
        new_name = _name(act.args.get("to"))
        return [Action(Op.RENAME_COLUMN, table, _name(act.this), new_type=new_name)]
    if isinstance(act, exp.AlterRename):
        options: list[exp.Expression] = (
            act.parent.args.get("options") if act.parent else None
        ) or []
        to = next((o for o in options if isinstance(o, exp.ToTableProperty)), None)
        if to is not None:  # PostgreSQL's `RENAME name TO new`: COLUMN is optional
            return [Action(Op.RENAME_COLUMN, table, _name(act.this), new_type=_name(to.this))]
        return [Action(Op.RENAME_TABLE, table)]
    if isinstance(act, exp.AlterColumn):
        col = _name(act.this)
        if act.args.get("dtype") is not None:
            return [Action(Op.CHANGE_TYPE, table, col, new_type=act.args["dtype"].sql("postgres"))]
        if act.args.get("allow_null") is False:
            return [Action(Op.SET_NOT_NULL, table, col)]
        if act.args.get("allow_null") is True:
            return [Action(Op.DROP_NOT_NULL, table, col)]
        if act.args.get("drop"):
            return [Action(Op.DROP_DEFAULT, table, col)]
        if act.args.get("default") is not None:
            return [Action(Op.SET_DEFAULT, table, col)]
        return [Action(Op.UNKNOWN_DDL, table, col)]
    if isinstance(act, exp.AddConstraint):
        return _add_constraint(table, act, not_valid)
    return [Action(Op.UNKNOWN_DDL, table)]


COMMAND_PATTERNS = [
    (re.compile(r"^RENAME\s+TABLE\s+`?(\w+)", re.I), Op.RENAME_TABLE),
    (
        re.compile(r"^ALTER\s+TABLE\s+(?:ONLY\s+)?[`\"]?(\w+)[`\"]?\s+VALIDATE\s+CONSTRAINT", re.I),
        Op.VALIDATE_CONSTRAINT,
    ),
    (
        re.compile(r"^ALTER\s+TABLE\s+[`\"]?(\w+)[`\"]?\s+.*\bDROP\s+(?:COLUMN\s+)?", re.I | re.S),
        Op.UNKNOWN_DDL,
    ),
    (re.compile(r"^(?:CREATE|ALTER|DROP)\s+\w+\s+[`\"]?(\w+)", re.I), Op.UNKNOWN_DDL),
]


def _command(tree: exp.Command) -> list[Action]:
    """Best-effort actions for statements sqlglot only knows as an opaque command."""
    rest = tree.expression
    text = f"{tree.this} {rest.this if isinstance(rest, exp.Literal) else rest}"
    word = str(tree.this).upper()
    if word in {"SET", "SHOW", "EXPLAIN", "BEGIN", "COMMIT", "START", "ANALYZE", "LOCK", "UNLOCK"}:
        return [Action(Op.SESSION)]
    if word == "CALL":  # a stored procedure: a data change on tables nobody can name here
        return [Action(Op.CALL)]
    for pattern, op in COMMAND_PATTERNS:
        match = pattern.match(text)
        if match:
            return [Action(op, match.group(1))]
    return [Action(Op.UNKNOWN_DDL)]


def actions_of(tree: exp.Expression) -> list[Action]:
    """Every action one statement performs."""
    if isinstance(tree, exp.Alter):
        table = _name(tree.this)
        not_valid = bool(tree.args.get("not_valid"))
        acts = tree.args.get("actions") or []
        if not acts:
            return [Action(Op.TABLE_OPTIONS, table)]
        return [a for act in acts for a in _alter_action(table, act, not_valid)]
    if isinstance(tree, exp.Create):
        kind = str(tree.args.get("kind") or "").upper()
        if kind == "INDEX":
            index = tree.this
            params = index.args.get("params")
            cols = _names(params.args.get("columns") or []) if params is not None else []
            return [
                Action(
                    Op.ADD_INDEX,
                    _name(index.args.get("table")),
                    columns=cols,
                    unique=bool(tree.args.get("unique")),
                    concurrently=bool(tree.args.get("concurrently")),
                )
            ]
        if kind == "TABLE":
            target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
            return [Action(Op.CREATE_TABLE, _name(target))]
        if kind == "VIEW":
            return [Action(Op.CREATE_VIEW, _name(tree.this))]
        return [Action(Op.UNKNOWN_DDL, _name(tree.this))]
    if isinstance(tree, exp.Drop):
        kind = str(tree.args.get("kind") or "").upper()
        names = [_name(t) for t in tree.args.get("tables") or []]
        if kind == "INDEX":
            on = tree.args.get("cluster")
            return [
                Action(
                    Op.DROP_INDEX,
                    _name(on.this) if on is not None else "",
                    names[0] if names else "",
                    concurrently=bool(tree.args.get("concurrently")),
                )
            ]
        op = {"TABLE": Op.DROP_TABLE, "VIEW": Op.DROP_VIEW}.get(kind, Op.UNKNOWN_DDL)
        return [Action(op, n) for n in names] or [Action(op)]
    if isinstance(tree, exp.Insert):
        return [
            Action(
                Op.INSERT, _name(tree.this if isinstance(tree.this, exp.Table) else tree.this.this)
            )
        ]
    if isinstance(tree, exp.Update):
        return [Action(Op.UPDATE, _name(tree.this))]
    if isinstance(tree, exp.Delete):
        return [Action(Op.DELETE, _name(tree.this))]
    if isinstance(tree, exp.TruncateTable):
        return [Action(Op.TRUNCATE, _name(t)) for t in tree.expressions]
    if isinstance(tree, exp.Command):
        return _command(tree)
    if isinstance(tree, exp.Select | exp.Union):
        return [Action(Op.QUERY)]
    return [Action(Op.SESSION)]


def statement_actions(sql: str, engine: str) -> list[Action]:
    """Parse and describe one statement."""
    return actions_of(parse(sql, engine))
