"""Row ids of a side's clone apart from production's: a row the side inserts itself must never
take an id that production's later rows will have.

The side's clones receive production's rows for new instances by id (harness.nova.side_rows),
and the side inserts rows of its own (the system metadata a build adds, instance action
events). Both databases would otherwise count on from the same auto-increment value, and the
copy of a production row whose id the side already used is lost. Each clone's counters start
halfway between production's and the column's limit instead.
"""

import re
from typing import Any

from harness.nova.identifiers import quoted

# Largest signed value per integer type (an unsigned one holds twice as much, plus one).
SIGNED_MAX = {"tinyint": 2**7 - 1, "smallint": 2**15 - 1, "mediumint": 2**23 - 1,
              "int": 2**31 - 1, "bigint": 2**63 - 1}
TYPE_NAME = re.compile(r"^(tinyint|smallint|mediumint|int|bigint)\b")


def column_max(column_type: str) -> int:
    """The largest value an integer column of this type (`int(11)`, `bigint unsigned`) holds."""
    found = TYPE_NAME.match(column_type.lower())
    if found is None:
        raise ValueError(f"not an integer column type: {column_type!r}")
    top = SIGNED_MAX[found.group(1)]
    return 2 * top + 1 if "unsigned" in column_type.lower() else top


def side_start(production_next: int, column_type: str) -> int:
    """The clone's next id: halfway from production's next id to the column's limit."""
    return production_next + (column_max(column_type) - production_next) // 2


def separate_ids(cur: Any, production: str, clone: str) -> int:
    """Start every auto-increment counter of `clone` in the upper half of what production's
    counter leaves; how many tables were moved."""
    cur.execute("SELECT t.TABLE_NAME, t.AUTO_INCREMENT, c.COLUMN_TYPE FROM "
                "information_schema.TABLES t JOIN information_schema.COLUMNS c "
                "USING (TABLE_SCHEMA, TABLE_NAME) WHERE t.TABLE_SCHEMA = %s AND "
                "t.TABLE_TYPE = 'BASE TABLE' AND c.EXTRA LIKE %s", (production, "%auto_increment%"))
    moved = 0
    for table, production_next, column_type in cur.fetchall():
        start = side_start(int(production_next or 1), str(column_type))
        cur.execute(f"ALTER TABLE {quoted(clone)}.{quoted(table)} AUTO_INCREMENT = {start:d}")
        moved += 1
    return moved
