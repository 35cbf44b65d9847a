"""PostgreSQL rollback test: identity columns go back as they were; it also runs after contract."""

import pytest
from ddl_it_helpers import run_script

from ddl_check.model import Patch, Phase, Statement
from ddl_check.runner import PatchRun

pytestmark = pytest.mark.integration


def patch(phases: dict[Phase, list[str]]) -> Patch:
    return Patch(
        "p",
        [
            Statement(sql, phase, f"{phase}.sql", i + 1)
            for phase, sqls in phases.items()
            for i, sql in enumerate(sqls)
        ],
    )


def rb001(report) -> list[str]:
    return sorted(f.message for f in report.findings if f.code == "RB001")


def test_generated_always_identity_goes_back_without_a_false_rb001(scratch):
    engine, db = scratch("postgresql")
    run_script(
        engine,
        db,
        "CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text);\n"
        "INSERT INTO t (name) SELECT 'n' || g FROM generate_series(1, 200) g;\n",
    )
    report = PatchRun(
        engine,
        db,
        patch(
            {
                Phase.EXPAND: ["ALTER TABLE t ADD COLUMN note text"],
                Phase.MIGRATE: ["UPDATE t SET note = name", "DELETE FROM t WHERE id = 7"],
            }
        ),
        None,
        None,
        lambda _m: None,
    ).run()
    # the copy refused nothing: the one row really lost is the only finding
    assert rb001(report) == ["t: 200 rows before, 199 after the way back"]


def test_rollback_runs_after_contract_and_notes_what_contract_dropped(scratch):
    engine, db = scratch("postgresql")
    run_script(
        engine,
        db,
        "CREATE TABLE a (id int PRIMARY KEY, legacy int);\n"
        "CREATE TABLE b (id int PRIMARY KEY, name text NOT NULL);\n"
        "CREATE TABLE c (id int PRIMARY KEY, old text);\n"
        "INSERT INTO a SELECT g, g FROM generate_series(1, 50) g;\n"
        "INSERT INTO b SELECT g, 'n' || g FROM generate_series(1, 40) g;\n"
        "INSERT INTO c SELECT g, 'o' || g FROM generate_series(1, 30) g;\n",
    )
    report = PatchRun(
        engine,
        db,
        patch(
            {
                Phase.MIGRATE: ["UPDATE a SET legacy = 0 WHERE id = 1"],
                Phase.CONTRACT: [
                    "ALTER TABLE a DROP COLUMN legacy",
                    "DELETE FROM a WHERE id <= 3",
                    "ALTER TABLE b DROP COLUMN name",
                    "DELETE FROM b WHERE id <= 2",
                    "ALTER TABLE c DROP COLUMN old",
                ],
            }
        ),
        None,
        None,
        lambda _m: None,
    ).run()
    assert rb001(report) == [
        "after contract: a: 50 rows before, 47 after the way back",
        "after contract: b: 40 rows before, 38 after contract",  # NOT NULL gone: counted in place
    ]
    notes = " | ".join(report.notes)
    for dropped in ("a.legacy", "b.name", "c.old"):
        assert f"rollback after contract: {dropped} dropped by the contract" in notes
