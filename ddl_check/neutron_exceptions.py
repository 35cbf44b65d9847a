"""Neutron's documented exceptions in alembic revisions: expand drops, contract creations.

A revision on the expand branch may define `expand_drop_exceptions()`, one on the contract branch
`contract_creation_exceptions()`, each returning `{sa.Table: [...], sa.Column: ["table.column"],
sa.Index: [table or index], sa.Constraint (or a subclass): [constraint]}` with the reason in its
docstring, as Neutron's test_branches requires. The same mapping may also be a module attribute
whose values map each name to its reason: `expand_drop_exceptions = {"column": {"t.c": "why"}}`.
"""

import inspect
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ddl_check.errors import MigrationError
from ddl_check.model import ObjectException, Phase
from ddl_check.operations import Op

if TYPE_CHECKING:  # the capture subprocess runs without sqlglot, which facts needs
    from ddl_check.facts import Action

HOOKS = {Phase.EXPAND: "expand_drop_exceptions", Phase.CONTRACT: "contract_creation_exceptions"}
KINDS = {
    "table": "table",
    "column": "column",
    "index": "index",
    "constraint": "constraint",
    "foreignkeyconstraint": "constraint",
    "uniqueconstraint": "constraint",
    "primarykeyconstraint": "constraint",
    "checkconstraint": "constraint",
}
# the operations each kind of exception covers, and which of an action's names it is matched on
TABLE_OPS = {Op.DROP_TABLE, Op.RENAME_TABLE, Op.DROP_VIEW, Op.CREATE_TABLE, Op.CREATE_VIEW}
INDEX_OPS = {Op.ADD_INDEX, Op.DROP_INDEX, Op.ADD_UNIQUE}
CONSTRAINT_OPS = {Op.DROP_CONSTRAINT, Op.ADD_FK, Op.ADD_UNIQUE, Op.ADD_CHECK, Op.ADD_PK,
                  Op.DROP_INDEX}


def _kind(key: Any, file: str, hook: str) -> str:
    """'table' for sa.Table or "table", and so on."""
    name = key.__name__ if isinstance(key, type) else str(key)
    kind = KINDS.get(name.lower())
    if kind is None:
        raise MigrationError(
            f"{file}: {hook}: unknown key {name!r} "
            "(use sa.Table, sa.Column, sa.Index, sa.Constraint or one of its subclasses)"
        )
    return kind


def _reason(doc: str | None) -> str:
    """The docstring's first paragraph, on one line."""
    return " ".join(inspect.cleandoc(doc or "").split("\n\n")[0].split())


def read_exceptions(module: ModuleType, phase: Phase, file: str) -> list[ObjectException]:
    """The exceptions a revision of `phase` documents; a missing reason is an error."""
    hook = HOOKS.get(phase)
    found = getattr(module, hook, None) if hook else None
    if found is None or hook is None:
        return []
    reason = ""
    if callable(found):
        reason = _reason(found.__doc__)
        if not reason:
            raise MigrationError(f"{file}: {hook}() needs a docstring giving the reason")
        try:
            found = found()
        except Exception as error:  # the revision's own code: any error is bad input
            raise MigrationError(f"{file}: {hook}() failed: {error}") from None
    if not isinstance(found, dict):
        raise MigrationError(f"{file}: {hook} must be a dict of kind -> names")
    out: list[ObjectException] = []
    for key, names in found.items():
        kind = _kind(key, file, hook)
        reasons = names if isinstance(names, dict) else dict.fromkeys(names, reason)
        for name, why in reasons.items():
            if not str(why or "").strip():
                raise MigrationError(f"{file}: {hook}: no reason given for {name!r}")
            out.append(ObjectException(kind, str(name), str(why).strip(), hook))
    return out


def _matches(exc: ObjectException, a: "Action") -> bool:
    """Whether an exception names the object an action works on."""
    name, table, obj = exc.name.lower(), a.table.lower(), a.column.lower()
    if exc.kind == "table":
        return a.op in TABLE_OPS and name == table
    if exc.kind == "column":
        return bool(obj) and name == f"{table}.{obj}"
    if exc.kind == "index":  # Neutron lists tables here; an index name is accepted too
        return a.op in INDEX_OPS and name in {table, obj}
    return a.op in CONSTRAINT_OPS and name in {obj, table}


def excepted(exceptions: list[ObjectException], a: "Action") -> str | None:
    """The documented reason covering this action, shown in the report; None when none does."""
    for exc in exceptions:
        if _matches(exc, a):
            return f"{exc.hook} {exc.kind} {exc.name}: {exc.reason}"
    return None
