"""SQLite end to end: a 100k-row file copied by the backup API; SQL and command workloads."""

import hashlib
import json
import sqlite3
import sys

import pytest
from ddl_it_helpers import invoke, write_patch

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    """A 100k-row SQLite file."""
    path = tmp_path_factory.mktemp("sqlite") / "snapshot.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE items (id INTEGER PRIMARY KEY, grp INT, name TEXT, legacy INT);
        CREATE INDEX ix_legacy ON items (legacy);
        WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 100000)
        INSERT INTO items (grp, name, legacy) SELECT n % 97, 'n' || n, n FROM s;
    """)
    conn.commit()
    conn.close()
    return path


def test_sqlite_check_with_plans_and_command_workload(snapshot, tmp_path):
    before = hashlib.sha256(snapshot.read_bytes()).hexdigest()
    patch = write_patch(
        tmp_path / "p",
        {
            "expand": "ALTER TABLE items ADD COLUMN note TEXT;",
            "migrate": "UPDATE items SET note = name WHERE id < 100;",
            "contract": "DROP INDEX ix_legacy;",
        },
    )
    new = tmp_path / "new.sql"
    new.write_text("SELECT id FROM items WHERE legacy = 77;\n")
    script = (
        "import os, sqlite3; c = sqlite3.connect(os.environ['DDL_CHECK_DATABASE_URL']"
        ".split('///', 1)[1]); c.execute('SELECT name, legacy FROM items LIMIT 1')"
    )
    code, out, err = invoke(
        [
            "check",
            "--snapshot",
            str(snapshot),
            "--migrations",
            str(patch),
            "--new-workload",
            str(new),
            "--old-workload",
            f'cmd:{sys.executable} -c "{script}"',
            "--format",
            "json",
        ]
    )
    assert code == 1, out + err
    report = json.loads(out)["patches"][0]
    assert [f["code"] for f in report["findings"] if f["fails"]] == ["PLAN001"]
    assert hashlib.sha256(snapshot.read_bytes()).hexdigest() == before


def test_failing_command_workload_is_reported(snapshot, tmp_path):
    patch = write_patch(
        tmp_path / "p", {"expand": "ALTER TABLE items RENAME COLUMN legacy TO old;"}
    )
    script = (
        "import os, sqlite3; c = sqlite3.connect(os.environ['DDL_CHECK_DATABASE_URL']"
        ".split('///', 1)[1]); c.execute('SELECT legacy FROM items LIMIT 1')"
    )
    code, out, _err = invoke(
        [
            "check",
            "--snapshot",
            str(snapshot),
            "--migrations",
            str(patch),
            "--old-workload",
            f'cmd:{sys.executable} -c "{script}"',
            "--format",
            "json",
        ]
    )
    assert code == 1
    codes = {f["code"] for f in json.loads(out)["patches"][0]["findings"]}
    assert {"EXP004", "WL001", "RB001"} <= codes


def test_not_a_snapshot_and_missing_file(tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01 not a database at all")
    patch = write_patch(tmp_path / "p", {"expand": "ALTER TABLE items ADD COLUMN note TEXT;"})
    for snap in (junk, tmp_path / "missing.sqlite"):
        code, _out, err = invoke(["check", "--snapshot", str(snap), "--migrations", str(patch)])
        assert code == 2 and str(snap) in err
