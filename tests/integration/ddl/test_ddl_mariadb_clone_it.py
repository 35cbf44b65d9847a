"""A MariaDB clone carries triggers, routines and events, and the checks see the trigger fire."""

import pytest
from ddl_it_helpers import run_script

from ddl_check.model import Patch, Phase, Statement
from ddl_check.runner import PatchRun

pytestmark = pytest.mark.integration

SETUP = """
CREATE TABLE parent (id INT PRIMARY KEY, name VARCHAR(20));
CREATE TABLE items (id INT PRIMARY KEY, parent_id INT, note VARCHAR(20));
CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(40));
INSERT INTO parent SELECT seq, CONCAT('p', seq) FROM seq_0_to_9;
INSERT INTO items (id, parent_id) SELECT seq, seq % 10 FROM seq_0_to_99;
CREATE TRIGGER parent_cascade AFTER DELETE ON parent FOR EACH ROW
  DELETE FROM items WHERE parent_id = OLD.id;
CREATE PROCEDURE backfill() UPDATE items SET note = CONCAT('n', id);
CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN 2 * x;
CREATE VIEW doubled AS SELECT id, twice(id) AS d FROM items;
CREATE EVENT purge_audit ON SCHEDULE EVERY 1 DAY DO DELETE FROM audit;
"""


def names(engine, conn, sql: str) -> list[tuple]:
    return sorted(tuple(r) for r in engine.query(conn, sql))


def test_clone_has_triggers_routines_events_and_the_trigger_is_checked(scratch):
    engine, src = scratch("mariadb")
    run_script(engine, src, SETUP)
    _engine, dst = scratch("mariadb")
    engine.drop(dst)  # the clone creates it; the fixture still drops it afterwards
    engine.clone(src, dst)
    conn = engine.connect(dst)
    try:
        assert names(
            engine,
            conn,
            "SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING FROM "
            "information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()",
        ) == [("parent_cascade", "parent", "AFTER")]
        assert names(
            engine,
            conn,
            "SELECT ROUTINE_TYPE, ROUTINE_NAME FROM information_schema.ROUTINES "
            "WHERE ROUTINE_SCHEMA = DATABASE()",
        ) == [("FUNCTION", "twice"), ("PROCEDURE", "backfill")]
        assert names(
            engine,
            conn,
            "SELECT EVENT_NAME, STATUS, EVENT_DEFINITION FROM information_schema.EVENTS "
            "WHERE EVENT_SCHEMA = DATABASE()",
        ) == [("purge_audit", "DISABLED", "DELETE FROM audit")]
        assert engine.query(conn, "SELECT d FROM doubled WHERE id = 21")[0][0] == 42
    finally:
        conn.close()
    report = PatchRun(
        engine,
        dst,
        Patch(
            "p",
            [
                Statement("DELETE FROM parent WHERE id = 1", Phase.MIGRATE, "m.sql", 1),
                Statement("CALL backfill()", Phase.MIGRATE, "m.sql", 2),
            ],
        ),
        None,
        None,
        lambda _m: None,
    ).run()
    assert [r.error for r in report.runs] == ["", ""]  # the procedure exists on the clone
    assert not [f for f in report.findings if f.code in {"MIG001", "EXEC001"}]
    lost = sorted(f.message for f in report.findings if f.code == "RB001")
    # the trigger fired on the clone: deleting one parent took its ten items with it
    assert lost == [
        "items: 100 rows before, 90 after the way back",
        "parent: 10 rows before, 9 after the way back",
    ]
    src_conn = engine.connect(src)
    assert engine.query(src_conn, "SELECT COUNT(*), COUNT(note) FROM items")[0] == (100, 0)
    src_conn.close()
