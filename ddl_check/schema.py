"""The shape of a database the rules compare against: tables, columns, types, nullability."""

from dataclasses import dataclass, field


@dataclass
class Column:
    """One column as the engine reports it."""

    name: str
    type: str
    nullable: bool = True
    has_default: bool = False
    generated: bool = False


@dataclass
class Table:
    """One table: its columns in order and its primary key."""

    name: str
    columns: dict[str, Column] = field(default_factory=dict)
    primary_key: list[str] = field(default_factory=list)


Schema = dict[str, Table]


def column(schema: Schema | None, table: str, name: str) -> Column | None:
    """Look a column up case-insensitively; None when unknown."""
    if not schema:
        return None
    t = schema.get(table) or next(
        (v for k, v in schema.items() if k.lower() == table.lower()), None
    )
    if t is None:
        return None
    return t.columns.get(name) or next(
        (c for k, c in t.columns.items() if k.lower() == name.lower()), None
    )
