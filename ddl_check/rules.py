"""The rule catalogue: stable codes, a one-line explanation and a fix hint for each rule."""

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """Whether a finding fails the check (exit 1) or is only shown."""

    ERROR = "error"
    WARNING = "warning"


class Code(StrEnum):
    """Every rule's stable code: allow-comments name them, so a released code never changes."""

    EXP001 = "EXP001"
    EXP002 = "EXP002"
    EXP003 = "EXP003"
    EXP004 = "EXP004"
    EXP005 = "EXP005"
    EXP006 = "EXP006"
    EXP007 = "EXP007"
    EXP008 = "EXP008"
    EXP009 = "EXP009"
    EXP010 = "EXP010"
    MIG001 = "MIG001"
    CON001 = "CON001"
    CON002 = "CON002"
    CON003 = "CON003"
    GEN001 = "GEN001"
    PG001 = "PG001"
    PG002 = "PG002"
    EXEC001 = "EXEC001"
    LOCK001 = "LOCK001"
    LOCK002 = "LOCK002"
    DATA001 = "DATA001"
    DATA002 = "DATA002"
    DATA003 = "DATA003"
    WL001 = "WL001"
    WL002 = "WL002"
    WL003 = "WL003"
    PLAN001 = "PLAN001"
    PLAN002 = "PLAN002"
    RB001 = "RB001"


@dataclass(frozen=True)
class Rule:
    """One check; its code never changes once released, so allow-comments stay valid."""

    code: Code
    name: str
    explanation: str
    hint: str
    severity: Severity = Severity.ERROR


_RULES = [
    # expand: additive only
    Rule(
        Code.EXP001,
        "expand-drop-table",
        "expand drops a table the old code still uses",
        "move the DROP TABLE to the contract phase",
    ),
    Rule(
        Code.EXP002,
        "expand-drop-column",
        "expand drops a column the old code still reads or writes",
        "move the DROP COLUMN to the contract phase",
    ),
    Rule(
        Code.EXP003,
        "expand-rename-table",
        "expand renames a table: the old code loses it",
        "create the new table in expand, copy in migrate, drop the old one in contract",
    ),
    Rule(
        Code.EXP004,
        "expand-rename-column",
        "expand renames a column: the old code loses it",
        "add the new column in expand, backfill in migrate, drop the old one in contract",
    ),
    Rule(
        Code.EXP005,
        "expand-type-change",
        "expand changes a column type in a way not provably widening",
        "add a column of the new type, backfill it, switch code, drop the old column",
    ),
    Rule(
        Code.EXP006,
        "expand-not-null-without-default",
        "expand adds a NOT NULL column without a default: the old code's INSERTs fail",
        "give the column a DEFAULT, or add it nullable and tighten it in contract",
    ),
    Rule(
        Code.EXP007,
        "expand-tighten-not-null",
        "expand makes an existing column NOT NULL: old code writing NULL breaks",
        "tighten NOT NULL in the contract phase, after the data migration",
    ),
    Rule(
        Code.EXP008,
        "expand-drop-index-or-constraint",
        "expand removes an index or constraint the old code may rely on",
        "move the removal to the contract phase",
    ),
    Rule(
        Code.EXP009,
        "expand-data-change",
        "expand changes or deletes data: that is the migrate phase's job",
        "move INSERT/UPDATE/DELETE/TRUNCATE to the migrate phase",
    ),
    Rule(
        Code.EXP010,
        "expand-drop-default",
        "expand drops a column default the old code's INSERTs rely on",
        "drop the default in the contract phase",
    ),
    # migrate: data only
    Rule(
        Code.MIG001,
        "migrate-ddl",
        "the migrate phase changes the schema; it must move data only",
        "move schema changes to expand (additions) or contract (removals)",
    ),
    # contract: removals only
    Rule(
        Code.CON001,
        "contract-adds",
        "contract adds schema objects; it must only remove",
        "move additions to the expand phase",
    ),
    Rule(
        Code.CON002,
        "contract-rename",
        "contract renames a table or column: the new code may use either name",
        "add the new name in expand and drop the old one in contract",
    ),
    Rule(
        Code.CON003,
        "contract-data-change",
        "contract changes data: that is the migrate phase's job",
        "move INSERT/UPDATE/DELETE to the migrate phase",
    ),
    # any phase
    Rule(
        Code.GEN001,
        "unrecognised-ddl",
        "a DDL statement the parser does not understand: cannot prove it safe",
        "rewrite it in a form the parser knows, or allow it with a reason",
    ),
    Rule(
        Code.PG001,
        "index-without-concurrently",
        "CREATE/DROP INDEX without CONCURRENTLY blocks writes for the whole build",
        "use CREATE INDEX CONCURRENTLY / DROP INDEX CONCURRENTLY outside a transaction",
    ),
    Rule(
        Code.PG002,
        "constraint-without-not-valid",
        "adding a foreign key or CHECK constraint validates every row under a write-blocking lock",
        "add it NOT VALID, then ALTER TABLE ... VALIDATE CONSTRAINT in a later step",
    ),
    # execution on the scratch clone
    Rule(
        Code.EXEC001,
        "statement-failed",
        "the statement failed on the snapshot's clone",
        "fix the statement so it applies to the real data and schema",
    ),
    Rule(
        Code.LOCK001,
        "blocks-writes",
        "the engine takes a lock that blocks writes while it works on the table",
        "use an online form (MariaDB ALGORITHM=INSTANT/NOCOPY/INPLACE LOCK=NONE; "
        "PostgreSQL CONCURRENTLY / NOT VALID)",
    ),
    Rule(
        Code.LOCK002,
        "table-rewrite",
        "the statement rewrites the whole table",
        "avoid type changes and volatile defaults on big tables; add a new column instead",
    ),
    Rule(
        Code.DATA001,
        "duplicates-before-unique",
        "the data has duplicates for the new unique key",
        "deduplicate in the migrate phase before adding the unique index",
    ),
    Rule(
        Code.DATA002,
        "orphans-before-foreign-key",
        "rows reference parents that do not exist",
        "delete or fix orphan rows in the migrate phase before adding the foreign key",
    ),
    Rule(
        Code.DATA003,
        "nulls-before-not-null",
        "the column holds NULLs that NOT NULL would reject",
        "backfill the NULLs in the migrate phase before tightening",
    ),
    # workloads, plans, rollback
    Rule(
        Code.WL001,
        "old-code-breaks-after-expand",
        "the old code's workload fails on the expanded schema",
        "keep expand additive: the old code must keep working until contract",
    ),
    Rule(
        Code.WL002,
        "new-code-breaks-after-migrate",
        "the new code's workload fails after migrate",
        "make the new code work on the expanded and migrated schema",
    ),
    Rule(
        Code.WL003,
        "new-code-breaks-after-contract",
        "the new code's workload fails after contract",
        "do not remove what the new code still uses",
    ),
    Rule(
        Code.PLAN001,
        "query-lost-index",
        "a workload query used an index before and scans the table after",
        "keep the index (or an equivalent) the query relies on",
    ),
    Rule(
        Code.PLAN002,
        "query-slower",
        "a workload query is much slower after the change",
        "check the query plan and the indexes it uses",
        Severity.WARNING,
    ),
    Rule(
        Code.RB001,
        "rollback-loses-rows",
        "moving the data back into the source schema loses rows or fails",
        "keep expand/migrate reversible: no lossy type changes, no deletes before contract",
    ),
]

CATALOGUE: dict[Code, Rule] = {rule.code: rule for rule in _RULES}


def rule(code: str) -> Rule:
    """Look a rule up by its stable code; ValueError for a code no rule has."""
    return CATALOGUE[Code(code)]
