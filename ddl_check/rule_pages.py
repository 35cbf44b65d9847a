"""A page per rule, as `harness ddl rules CODE` prints it: why, a migration that breaks the rule
and one that keeps it. tests/integration/ddl/test_ddl_rule_pages_it.py runs both through the
checker on a real database, so each page shows what the checker really says."""

from dataclasses import dataclass

from ddl_check.model import PHASES, Phase
from ddl_check.rules import Code, rule

# The database every example starts from; `setup` adds what one example needs.
BASE_SCHEMA = """\
CREATE TABLE groups (id INTEGER PRIMARY KEY, name VARCHAR(50));
CREATE TABLE items (id INTEGER PRIMARY KEY, group_id INT, name VARCHAR(50), legacy INT DEFAULT 0);
CREATE INDEX ix_items_legacy ON items (legacy);
INSERT INTO groups (id, name) VALUES (1, 'one');
INSERT INTO groups (id, name) VALUES (2, 'two');
INSERT INTO items (id, group_id, name, legacy) VALUES (1, 1, 'a', 1);
INSERT INTO items (id, group_id, name, legacy) VALUES (2, 1, 'b', 2);
INSERT INTO items (id, group_id, name, legacy) VALUES (3, 2, 'c', 3);
"""

SCHEMA_SUMMARY = ("groups(id, name) and items(id, group_id, name VARCHAR(50), legacy INT DEFAULT 0)"
                  " indexed on legacy, three rows")
Migration = dict[Phase, str]
E, M, C = Phase.EXPAND, Phase.MIGRATE, Phase.CONTRACT


@dataclass(frozen=True)
class Example:
    """A migration that breaks a rule and one that keeps it, on BASE_SCHEMA plus `setup`."""

    engine: str
    bad: Migration
    good: Migration
    setup: str = ""
    old_workload: str = ""
    new_workload: str = ""
    note: str = ""
    timing: bool = False  # the finding depends on measured time: shown, not tested


EXAMPLES: dict[Code, Example] = {
    Code.EXP001: Example("sqlite", {E: "DROP TABLE groups;"}, {C: "DROP TABLE groups;"}),
    Code.EXP002: Example("sqlite", {E: "ALTER TABLE items DROP COLUMN name;"},
                         {C: "ALTER TABLE items DROP COLUMN name;"}),
    Code.EXP003: Example(
        "sqlite", {E: "ALTER TABLE groups RENAME TO teams;"},
        {E: "CREATE TABLE teams (id INTEGER PRIMARY KEY, name VARCHAR(50));",
         M: "INSERT INTO teams (id, name) SELECT id, name FROM groups;",
         C: "DROP TABLE groups;"}),
    Code.EXP004: Example(
        "sqlite", {E: "ALTER TABLE items RENAME COLUMN name TO title;"},
        {E: "ALTER TABLE items ADD COLUMN title VARCHAR(50);",
         M: "UPDATE items SET title = name;",
         C: "ALTER TABLE items DROP COLUMN name;"}),
    Code.EXP005: Example("postgresql", {E: "ALTER TABLE items ALTER COLUMN name TYPE VARCHAR(20);"},
                         {E: "ALTER TABLE items ALTER COLUMN name TYPE VARCHAR(100);"}),
    Code.EXP006: Example("sqlite", {E: "ALTER TABLE items ADD COLUMN qty INT NOT NULL;"},
                         {E: "ALTER TABLE items ADD COLUMN qty INT NOT NULL DEFAULT 0;"}),
    Code.EXP007: Example("postgresql", {E: "ALTER TABLE items ALTER COLUMN legacy SET NOT NULL;"},
                         {C: "ALTER TABLE items ALTER COLUMN legacy SET NOT NULL;"}),
    Code.EXP008: Example("sqlite", {E: "DROP INDEX ix_items_legacy;"},
                         {C: "DROP INDEX ix_items_legacy;"}),
    Code.EXP009: Example("sqlite", {E: "UPDATE items SET name = upper(name);"},
                         {M: "UPDATE items SET name = upper(name);"}),
    Code.EXP010: Example("postgresql", {E: "ALTER TABLE items ALTER COLUMN legacy DROP DEFAULT;"},
                         {C: "ALTER TABLE items ALTER COLUMN legacy DROP DEFAULT;"}),
    Code.MIG001: Example("sqlite", {M: "ALTER TABLE items ADD COLUMN note TEXT;"},
                         {E: "ALTER TABLE items ADD COLUMN note TEXT;"}),
    Code.CON001: Example("sqlite", {C: "ALTER TABLE items ADD COLUMN note TEXT;"},
                         {E: "ALTER TABLE items ADD COLUMN note TEXT;"}),
    Code.CON002: Example(
        "sqlite", {C: "ALTER TABLE items RENAME COLUMN name TO title;"},
        {E: "ALTER TABLE items ADD COLUMN title VARCHAR(50);",
         M: "UPDATE items SET title = name;",
         C: "ALTER TABLE items DROP COLUMN name;"}),
    Code.CON003: Example("sqlite", {C: "UPDATE items SET legacy = 0;"},
                         {M: "UPDATE items SET legacy = 0;"}),
    Code.GEN001: Example(
        "postgresql", {E: "CREATE SCHEMA reports;"},
        {E: "-- ddl-check: allow GEN001 an empty schema: nothing uses it yet\n"
            "CREATE SCHEMA reports;"}),
    Code.PG001: Example("postgresql", {E: "CREATE INDEX ix_items_name ON items (name);"},
                        {E: "CREATE INDEX CONCURRENTLY ix_items_name ON items (name);"}),
    Code.PG002: Example(
        "postgresql", {E: "ALTER TABLE items ADD CONSTRAINT ck_name CHECK (name <> '');"},
        {E: "ALTER TABLE items ADD CONSTRAINT ck_name CHECK (name <> '') NOT VALID;\n"
            "ALTER TABLE items VALIDATE CONSTRAINT ck_name;"}),
    Code.EXEC001: Example("sqlite", {E: "CREATE INDEX ix_items_colour ON items (colour);"},
                          {E: "CREATE INDEX ix_items_name ON items (name);"}),
    Code.LOCK001: Example("mariadb", {E: "ALTER TABLE items MODIFY name VARCHAR(100);"},
                          {E: "ALTER TABLE items ADD COLUMN title VARCHAR(100);"}),
    Code.LOCK002: Example("mariadb", {E: "ALTER TABLE items MODIFY name VARCHAR(100);"},
                          {E: "ALTER TABLE items ADD COLUMN title VARCHAR(100);"}),
    Code.DATA001: Example(
        "sqlite", {E: "CREATE UNIQUE INDEX ux_items_name ON items (name);"},
        {M: "UPDATE items SET name = name || '-' || id\n"
            "  WHERE id NOT IN (SELECT MIN(id) FROM items GROUP BY name);"},
        setup="INSERT INTO items (id, group_id, name, legacy) VALUES (4, 2, 'c', 4);",
        note="the next patch's expand adds the unique index to data without duplicates; "
             "renamed, not deleted, so the way back loses no row (RB001)"),
    Code.DATA002: Example(
        "postgresql",
        {E: "ALTER TABLE items ADD CONSTRAINT fk_items_group FOREIGN KEY (group_id) "
            "REFERENCES groups (id) NOT VALID;"},
        {M: "UPDATE items SET group_id = NULL WHERE group_id NOT IN (SELECT id FROM groups);"},
        setup="INSERT INTO items (id, group_id, name, legacy) VALUES (4, 9, 'd', 4);",
        note="the next patch's expand adds the foreign key once no row is an orphan"),
    Code.DATA003: Example(
        "postgresql", {C: "ALTER TABLE items ALTER COLUMN legacy SET NOT NULL;"},
        {M: "UPDATE items SET legacy = 0 WHERE legacy IS NULL;",
         C: "ALTER TABLE items ALTER COLUMN legacy SET NOT NULL;"},
        setup="INSERT INTO items (id, group_id, name, legacy) VALUES (4, 2, 'd', NULL);"),
    Code.WL001: Example("sqlite", {E: "ALTER TABLE items DROP COLUMN name;"},
                        {C: "ALTER TABLE items DROP COLUMN name;"},
                        old_workload="SELECT name FROM items WHERE id = 1;"),
    Code.WL002: Example("sqlite", {E: "ALTER TABLE items ADD COLUMN note TEXT;"},
                        {E: "ALTER TABLE items ADD COLUMN title VARCHAR(50);"},
                        new_workload="SELECT title FROM items WHERE id = 1;"),
    Code.WL003: Example("sqlite", {C: "ALTER TABLE items DROP COLUMN name;"},
                        {C: "ALTER TABLE items DROP COLUMN group_id;"},
                        new_workload="SELECT name FROM items WHERE id = 1;"),
    Code.PLAN001: Example(
        "sqlite", {C: "DROP INDEX ix_items_legacy;"},
        {E: "CREATE INDEX ix_items_legacy_name ON items (legacy, name);",
         C: "DROP INDEX ix_items_legacy;"},
        new_workload="SELECT id FROM items WHERE legacy = 2;"),
    Code.PLAN002: Example(
        "sqlite", {C: "DROP INDEX ix_items_legacy;"},
        {E: "CREATE INDEX ix_items_legacy_name ON items (legacy, name);",
         C: "DROP INDEX ix_items_legacy;"},
        new_workload="SELECT id FROM items WHERE legacy = 2;",
        note="shown on a large table: the query must get 3 times and 20 ms slower",
        timing=True),
    Code.RB001: Example(
        "sqlite", {M: "DELETE FROM items WHERE legacy = 3;"},
        {M: "UPDATE items SET legacy = 0 WHERE legacy = 3;"},
        note="deleting rows belongs in contract, once no code path can need them back"),
}


def _migration(title: str, migration: Migration) -> list[str]:
    """A migration's phases, each with its SQL indented."""
    lines = [title]
    for phase in PHASES:
        if phase in migration:
            lines.append(f"  {phase.value}:")
            lines += [f"    {line}" for line in migration[phase].splitlines()]
    return lines


def render_page(code: str) -> str:
    """The page for one rule: what it guards, a bad and a good migration, the fix."""
    r, example = rule(code), EXAMPLES[Code(code)]
    why = r.explanation[0].upper() + r.explanation[1:]
    lines = [f"{r.code} {r.name} ({r.severity.value})", "", f"{why}.", "",
             f"On {SCHEMA_SUMMARY}:", ""]
    if example.setup:
        lines += ["Given:", f"    {example.setup}", ""]
    for label, workload in (("old", example.old_workload), ("new", example.new_workload)):
        if workload:
            lines += [f"With the {label} code running:", f"    {workload}", ""]
    lines += [*_migration(f"Bad ({example.engine}):", example.bad), ""]
    lines += [*_migration(f"Good ({example.engine}):", example.good), ""]
    if example.note:
        lines += [f"Note: {example.note}.", ""]
    lines.append(f"Fix: {r.hint}.")
    return "\n".join(lines)
