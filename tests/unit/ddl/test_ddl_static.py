"""Static phase rules across dialects, type widening, and the rule catalogue."""

import re

import pytest

from ddl_check.model import Patch, Phase, Statement
from ddl_check.rules import CATALOGUE
from ddl_check.schema import Column, Table
from ddl_check.static import check_patch
from ddl_check.typewidth import is_widening

pytestmark = pytest.mark.unit

SCHEMA = {
    "t": Table(
        "t",
        {
            "a": Column("a", "int(11)", True),
            "s": Column("s", "varchar(50)", True),
            "n": Column("n", "int(11)", False),
        },
        ["a"],
    )
}


def codes(sql: str, phase: Phase, engine: str = "mariadb", schema=SCHEMA) -> set[str]:
    stmt = Statement(sql, phase, "f.sql", 1)
    return {f.code for f in check_patch(Patch("p", [stmt]), engine, schema) if f.fails}


@pytest.mark.parametrize(
    ("sql", "engine", "expected"),
    [
        ("ALTER TABLE t ADD COLUMN c INT NULL", "mariadb", set()),
        ("ALTER TABLE t ADD COLUMN c INT NOT NULL", "mariadb", {"EXP006"}),
        ("ALTER TABLE t ADD COLUMN c INT NOT NULL DEFAULT 1", "postgresql", set()),
        ("ALTER TABLE t DROP COLUMN s", "sqlite", {"EXP002"}),
        ("DROP TABLE t", "postgresql", {"EXP001"}),
        ("RENAME TABLE t TO u", "mariadb", {"EXP003"}),
        ("ALTER TABLE t RENAME TO u", "postgresql", {"EXP003"}),
        ("ALTER TABLE t RENAME s TO s2", "postgresql", {"EXP004"}),
        ("ALTER TABLE t CHANGE s s2 VARCHAR(50)", "mariadb", {"EXP004"}),
        ("ALTER TABLE t MODIFY s VARCHAR(10)", "mariadb", {"EXP005"}),
        ("ALTER TABLE t MODIFY s VARCHAR(80)", "mariadb", set()),
        ("ALTER TABLE t MODIFY a BIGINT", "mariadb", set()),
        ("ALTER TABLE t ALTER COLUMN a TYPE smallint", "postgresql", {"EXP005"}),
        ("ALTER TABLE t MODIFY n INT NOT NULL", "mariadb", set()),
        ("ALTER TABLE t MODIFY a INT NOT NULL", "mariadb", {"EXP007"}),
        ("ALTER TABLE t ALTER COLUMN s SET NOT NULL", "postgresql", {"EXP007"}),
        ("ALTER TABLE t DROP INDEX ix", "mariadb", {"EXP008"}),
        ("ALTER TABLE t DROP CONSTRAINT fk", "postgresql", {"EXP008"}),
        ("DELETE FROM t WHERE a = 1", "sqlite", {"EXP009"}),
        ("TRUNCATE TABLE t", "mariadb", {"EXP009"}),
        ("ALTER TABLE t ALTER COLUMN n DROP DEFAULT", "postgresql", {"EXP010"}),
        ("CREATE INDEX ix ON t (a)", "postgresql", {"PG001"}),
        ("CREATE INDEX CONCURRENTLY ix ON t (a)", "postgresql", set()),
        ("CREATE INDEX ix ON t (a)", "mariadb", set()),
        ("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)", "postgresql", {"PG002"}),
        ("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID", "postgresql", set()),
        ("ALTER TABLE t ADD COLUMN (x INT, y INT)", "mariadb", {"GEN001"}),
    ],
)
def test_expand_rules(sql, engine, expected):
    assert codes(sql, Phase.EXPAND, engine) == expected


def test_type_change_without_known_schema_is_not_provably_widening():
    assert codes("ALTER TABLE t MODIFY a BIGINT", Phase.EXPAND, schema=None) == {"EXP005"}


def test_new_tables_are_exempt_in_expand():
    stmts = [
        Statement("CREATE TABLE n (id INT)", Phase.EXPAND, "f", 1),
        Statement("ALTER TABLE n ADD COLUMN c INT NOT NULL", Phase.EXPAND, "f", 2),
        Statement("INSERT INTO n VALUES (1, 2)", Phase.EXPAND, "f", 3),
    ]
    assert check_patch(Patch("p", stmts), "mariadb", SCHEMA) == []


@pytest.mark.parametrize(
    ("sql", "phase", "expected"),
    [
        ("UPDATE t SET a = 1", Phase.MIGRATE, set()),
        ("ALTER TABLE t ADD COLUMN c INT", Phase.MIGRATE, {"MIG001"}),
        ("CREATE INDEX ix ON t (a)", Phase.MIGRATE, {"MIG001"}),
        ("ALTER TABLE t DROP COLUMN s", Phase.CONTRACT, set()),
        ("ALTER TABLE t MODIFY a INT NOT NULL", Phase.CONTRACT, set()),
        ("ALTER TABLE t ADD COLUMN c INT", Phase.CONTRACT, {"CON001"}),
        ("ALTER TABLE t RENAME COLUMN s TO s2", Phase.CONTRACT, {"CON002"}),
        ("INSERT INTO t (a) VALUES (1)", Phase.CONTRACT, {"CON003"}),
    ],
)
def test_migrate_and_contract_rules(sql, phase, expected):
    assert codes(sql, phase) == expected


def test_allowed_findings_are_kept_with_their_reason():
    stmt = Statement(
        "ALTER TABLE t DROP COLUMN s", Phase.EXPAND, "f.sql", 3, {"EXP002": "unused since Zed"}
    )
    [finding] = check_patch(Patch("p", [stmt]), "mariadb", SCHEMA)
    assert (finding.code, finding.allowed, finding.fails) == ("EXP002", "unused since Zed", False)


@pytest.mark.parametrize(
    ("old", "new", "wider"),
    [
        ("int(11)", "bigint(20)", True),
        ("bigint", "integer", False),
        ("varchar(100)", "varchar(50)", False),
        ("character varying(100)", "varchar(200)", True),
        ("varchar(255)", "text", True),
        ("decimal(10,2)", "decimal(12,2)", True),
        ("decimal(10,2)", "decimal(10,3)", False),
        ("int unsigned", "bigint", True),
        ("int", "int unsigned", False),
        ("int", "varchar(10)", False),
        ("float", "double", True),
        ("text", "varchar(100)", False),
    ],
)
def test_type_widening(old, new, wider):
    assert is_widening(old, new) is wider


def test_catalogue_codes_are_stable_and_documented():
    for code, r in CATALOGUE.items():
        assert re.fullmatch(r"[A-Z]+\d{3}", code)
        assert r.explanation and r.hint and r.name
        assert "\n" not in r.explanation
