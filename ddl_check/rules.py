"""The rule catalogue: stable codes, a one-line explanation and a fix hint for each rule."""

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """Whether a finding fails the check (exit 1) or is only shown."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Rule:
    """One check; its code never changes once released, so allow-comments stay valid."""

    code: str
    name: str
    explanation: str
    hint: str
    severity: Severity = Severity.ERROR


_RULES = [
    # expand: additive only
    Rule(
        "EXP001",
        "expand-drop-table",
        "expand drops a table the old code still uses",
        "move the DROP TABLE to the contract phase",
    ),
    Rule(
        "EXP002",
        "expand-drop-column",
        "expand drops a column the old code still reads or writes",
        "move the DROP COLUMN to the contract phase",
    ),
    Rule(
        "EXP003",
        "expand-rename-table",
        "expand renames a table: the old code loses it",
        "create the new table in expand, copy in migrate, drop the old one in contract",
    ),
    Rule(
        "EXP004",
        "expand-rename-column",
        "expand renames a column: the old code loses it",
        "add the new column in expand, backfill in migrate, drop the old one in contract",
    ),
    Rule(
        "EXP005",
        "expand-type-change",
        "expand changes a column type in a way not provably widening",
        "add a column of the new type, backfill it, switch code, drop the old column",
    ),
    Rule(
        "EXP006",
        "expand-not-null-without-default",
        "expand adds a NOT NULL column without a default: the old code's INSERTs fail",
        "give the column a DEFAULT, or add it nullable and tighten it in contract",
    ),
    Rule(
        "EXP007",
        "expand-tighten-not-null",
        "expand makes an existing column NOT NULL: old code writing NULL breaks",
        "tighten NOT NULL in the contract phase, after the data migration",
    ),
    Rule(
        "EXP008",
        "expand-drop-index-or-constraint",
        "expand removes an index or constraint the old code may rely on",
        "move the removal to the contract phase",
    ),
    Rule(
        "EXP009",
        "expand-data-change",
        "expand changes or deletes data: that is the migrate phase's job",
        "move INSERT/UPDATE/DELETE/TRUNCATE to the migrate phase",
    ),
    Rule(
        "EXP010",
        "expand-drop-default",
        "expand drops a column default the old code's INSERTs rely on",
        "drop the default in the contract phase",
    ),
    # migrate: data only
    Rule(
        "MIG001",
        "migrate-ddl",
        "the migrate phase changes the schema; it must move data only",
        "move schema changes to expand (additions) or contract (removals)",
    ),
    # contract: removals only
    Rule(
        "CON001",
        "contract-adds",
        "contract adds schema objects; it must only remove",
        "move additions to the expand phase",
    ),
    Rule(
        "CON002",
        "contract-rename",
        "contract renames a table or column: the new code may use either name",
        "add the new name in expand and drop the old one in contract",
    ),
    Rule(
        "CON003",
        "contract-data-change",
        "contract changes data: that is the migrate phase's job",
        "move INSERT/UPDATE/DELETE to the migrate phase",
    ),
    # any phase
    Rule(
        "GEN001",
        "unrecognised-ddl",
        "a DDL statement the parser does not understand: cannot prove it safe",
        "rewrite it in a form the parser knows, or allow it with a reason",
    ),
    Rule(
        "PG001",
        "index-without-concurrently",
        "CREATE/DROP INDEX without CONCURRENTLY blocks writes for the whole build",
        "use CREATE INDEX CONCURRENTLY / DROP INDEX CONCURRENTLY outside a transaction",
    ),
    Rule(
        "PG002",
        "constraint-without-not-valid",
        "adding a foreign key or CHECK constraint validates every row under a write-blocking lock",
        "add it NOT VALID, then ALTER TABLE ... VALIDATE CONSTRAINT in a later step",
    ),
    # execution on the scratch clone
    Rule(
        "EXEC001",
        "statement-failed",
        "the statement failed on the snapshot's clone",
        "fix the statement so it applies to the real data and schema",
    ),
    Rule(
        "LOCK001",
        "blocks-writes",
        "the engine takes a lock that blocks writes while it works on the table",
        "use an online form (MariaDB ALGORITHM=INSTANT/NOCOPY/INPLACE LOCK=NONE; "
        "PostgreSQL CONCURRENTLY / NOT VALID)",
    ),
    Rule(
        "LOCK002",
        "table-rewrite",
        "the statement rewrites the whole table",
        "avoid type changes and volatile defaults on big tables; add a new column instead",
    ),
    Rule(
        "DATA001",
        "duplicates-before-unique",
        "the data has duplicates for the new unique key",
        "deduplicate in the migrate phase before adding the unique index",
    ),
    Rule(
        "DATA002",
        "orphans-before-foreign-key",
        "rows reference parents that do not exist",
        "delete or fix orphan rows in the migrate phase before adding the foreign key",
    ),
    Rule(
        "DATA003",
        "nulls-before-not-null",
        "the column holds NULLs that NOT NULL would reject",
        "backfill the NULLs in the migrate phase before tightening",
    ),
    # workloads, plans, rollback
    Rule(
        "WL001",
        "old-code-breaks-after-expand",
        "the old code's workload fails on the expanded schema",
        "keep expand additive: the old code must keep working until contract",
    ),
    Rule(
        "WL002",
        "new-code-breaks-after-migrate",
        "the new code's workload fails after migrate",
        "make the new code work on the expanded and migrated schema",
    ),
    Rule(
        "WL003",
        "new-code-breaks-after-contract",
        "the new code's workload fails after contract",
        "do not remove what the new code still uses",
    ),
    Rule(
        "PLAN001",
        "query-lost-index",
        "a workload query used an index before and scans the table after",
        "keep the index (or an equivalent) the query relies on",
    ),
    Rule(
        "PLAN002",
        "query-slower",
        "a workload query is much slower after the change",
        "check the query plan and the indexes it uses",
        Severity.WARNING,
    ),
    Rule(
        "RB001",
        "rollback-loses-rows",
        "moving the data back into the source schema loses rows or fails",
        "keep expand/migrate reversible: no lossy type changes, no deletes before contract",
    ),
]

CATALOGUE: dict[str, Rule] = {rule.code: rule for rule in _RULES}


def rule(code: str) -> Rule:
    """Look a rule up by its stable code."""
    return CATALOGUE[code]
