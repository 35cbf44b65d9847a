"""PostgreSQL end to end: a 100k-row pg_dump, cloned by TEMPLATE, lock levels read from pg_locks."""

import hashlib
import json
import subprocess

import pytest
from ddl_it_helpers import invoke, source_db, write_patch

from ddl_check.engines import get_engine

pytestmark = pytest.mark.integration

SETUP = """
CREATE TABLE parent (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE items (id serial PRIMARY KEY, parent_id int, grp int, name varchar(50), legacy int);
CREATE INDEX ix_legacy ON items (legacy);
INSERT INTO parent SELECT g, 'p' || g FROM generate_series(0, 999) g;
INSERT INTO items (parent_id, grp, name, legacy)
  SELECT g % 1000, g % 97, 'n' || g, g FROM generate_series(0, 99999) g;
ANALYZE;
"""


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A live 100k-row database and its pg_dump in plain and custom format; dropped afterwards."""
    with source_db("postgresql", SETUP) as (_engine, db):
        out = tmp_path_factory.mktemp("pg")
        plain, custom = out / "snapshot.sql", out / "snapshot.dump"
        base = ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "-d", db]
        subprocess.run([*base, "-f", str(plain)], check=True)
        subprocess.run([*base, "-Fc", "-f", str(custom)], check=True)
        yield db, plain, custom


def test_lock_levels_rewrites_and_concurrently(source, tmp_path):
    _db, plain, _custom = source
    before = hashlib.sha256(plain.read_bytes()).hexdigest()
    patch = write_patch(
        tmp_path / "p",
        {
            "expand": "ALTER TABLE items ADD COLUMN note text;\n"
            "CREATE INDEX CONCURRENTLY ix_grp ON items (grp);\n"
            "CREATE INDEX ix_name ON items (name);\n"
            "ALTER TABLE items ADD CONSTRAINT fk_parent FOREIGN KEY (parent_id) "
            "REFERENCES parent (id) NOT VALID;\n"
            "ALTER TABLE items ALTER COLUMN grp TYPE bigint;",
            "migrate": "UPDATE items SET note = name WHERE id < 500;",
            "contract": "ALTER TABLE items VALIDATE CONSTRAINT fk_parent;\n"
            "DROP INDEX CONCURRENTLY ix_legacy;",
        },
    )
    new = tmp_path / "new.sql"
    new.write_text("SELECT note FROM items WHERE id = 3;\n")
    code, out, err = invoke(
        [
            "check",
            "--snapshot",
            str(plain),
            "--migrations",
            str(patch),
            "--new-workload",
            str(new),
            "--format",
            "json",
        ]
    )
    assert code == 1, out + err
    report = json.loads(out)["patches"][0]
    runs = [(r["sql"].split(" ON ")[0][:40], r["lock"], r["rewrite"]) for r in report["statements"]]
    assert runs[0][1:] == ("AccessExclusiveLock", False)
    assert runs[1][1] == "ShareUpdateExclusiveLock"
    assert runs[2][1:] == ("ShareLock", False)
    assert runs[3][1] == "ShareRowExclusiveLock"
    assert runs[4][1:] == ("AccessExclusiveLock", True)
    assert runs[6][1] == "ShareUpdateExclusiveLock"
    codes = sorted((f["code"], f["line"]) for f in report["findings"] if f["fails"])
    assert codes == [("LOCK001", 3), ("LOCK001", 5), ("LOCK002", 5), ("PG001", 3)]
    assert hashlib.sha256(plain.read_bytes()).hexdigest() == before


def test_custom_format_and_live_url(source, tmp_path):
    db, _plain, custom = source
    engine = get_engine("postgresql")
    url = f"postgresql://postgres@127.0.0.1:5432/{db}"
    before = engine.live_checksum(url)
    patch = write_patch(
        tmp_path / "p",
        {
            "expand": "ALTER TABLE items ADD COLUMN note text;",
            "contract": "ALTER TABLE items DROP COLUMN legacy;",
        },
    )
    for snapshot in (str(custom), url):
        code, out, err = invoke(["check", "--snapshot", snapshot, "--migrations", str(patch)])
        assert code == 0, out + err
    assert engine.live_checksum(url) == before


def test_data_checks_and_rollback(source, tmp_path):
    _db, plain, _custom = source
    patch = write_patch(
        tmp_path / "p",
        {
            "expand": "ALTER TABLE items ADD COLUMN code int;",
            "migrate": "UPDATE items SET code = id % 10;\nDELETE FROM items WHERE id <= 10;",
            "contract": "CREATE UNIQUE INDEX CONCURRENTLY ux_code ON items (code);",
        },
    )
    code, out, _err = invoke(
        ["check", "--snapshot", str(plain), "--migrations", str(patch), "--format", "json"]
    )
    assert code == 1
    findings = json.loads(out)["patches"][0]["findings"]
    messages = {f["code"]: f["message"] for f in findings}
    assert (
        "100000 rows before, 99990 after" in messages["RB001"]
    )  # the DELETE lost ten rows on the way back
    assert messages["DATA001"].startswith("10 duplicated value(s) of (code)")
    assert "CON001" in messages


def test_mariadb_engine_on_a_pg_dump_is_refused(source, tmp_path):
    _db, plain, _custom = source
    patch = write_patch(tmp_path / "p", {"expand": "ALTER TABLE items ADD COLUMN note text;"})
    code, _out, err = invoke(
        ["check", "--snapshot", str(plain), "--engine", "mariadb", "--migrations", str(patch)]
    )
    assert code == 2 and str(plain) in err and "postgresql snapshot" in err
