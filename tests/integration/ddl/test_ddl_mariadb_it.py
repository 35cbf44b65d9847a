"""MariaDB end to end: a 100k-row mysqldump, restored, cloned per patch, probed, checked."""

import gzip
import hashlib
import json
import subprocess
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from ddl_it_helpers import invoke, source_db, write_patch

from ddl_check.engines import get_engine

pytestmark = pytest.mark.integration

SETUP = """
CREATE TABLE parent (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL);
CREATE TABLE items (id INT PRIMARY KEY AUTO_INCREMENT, parent_id INT, grp INT, name VARCHAR(50),
                    legacy INT, INDEX ix_legacy (legacy)) DEFAULT CHARSET=utf8mb4;
INSERT INTO parent SELECT seq, CONCAT('p', seq) FROM seq_0_to_999;
INSERT INTO items (parent_id, grp, name, legacy) SELECT seq % 1000, seq % 97, CONCAT('n', seq), seq
  FROM seq_0_to_99999;
"""


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A live 100k-row source database and its mysqldump (plain and gzip); dropped afterwards."""
    with source_db("mariadb", SETUP) as (_engine, db):
        out = tmp_path_factory.mktemp("mariadb")
        dump = out / "snapshot.sql"
        with dump.open("wb") as fh:
            subprocess.run(["mariadb-dump", "-h127.0.0.1", "-uroot", db], stdout=fh, check=True)
        (out / "snapshot.sql.gz").write_bytes(gzip.compress(dump.read_bytes(), 1))
        yield db, dump


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


SAFE = {
    "expand": "ALTER TABLE items ADD COLUMN note VARCHAR(40) NULL;\n"
    "CREATE INDEX ix_grp ON items (grp);",
    "migrate": "UPDATE items SET note = name WHERE id <= 1000;",
    "contract": "ALTER TABLE items DROP COLUMN legacy;",
}
UNSAFE = {
    "expand": "ALTER TABLE items MODIFY name VARCHAR(20);\nALTER TABLE items DROP COLUMN legacy;",
    "contract": "ALTER TABLE items ADD UNIQUE INDEX ux_grp (grp);",
}


def test_safe_patch_passes_with_workloads(source, tmp_path):
    _db, dump = source
    before = sha(dump)
    patch = write_patch(tmp_path / "safe", SAFE)
    old = tmp_path / "old.sql"
    old.write_text(
        "SELECT name, legacy FROM items WHERE id = 5;\nINSERT INTO items (name) VALUES ('x');\n"
    )
    log = tmp_path / "new.log"
    log.write_text(
        "/usr/sbin/mariadbd, Version: 10.11.19-MariaDB (Debian). started with:\n"
        "Tcp port: 3306  Unix socket: /run/mysqld/mysqld.sock\nTime\t\t    Id Command\tArgument\n"
        "231122  3:00:00\t    5 Connect\troot@localhost on db using TCP/IP\n"
        "\t\t    5 Query\tSET NAMES utf8mb4\n"
        "\t\t    5 Query\tSELECT note FROM items\n WHERE grp = 3 LIMIT 5\n"
        "\t\t    5 Quit\t\n"
    )
    code, out, err = invoke(
        [
            "check",
            "--snapshot",
            str(dump),
            "--migrations",
            str(patch),
            "--old-workload",
            str(old),
            "--new-workload",
            str(log),
            "--format",
            "json",
        ]
    )
    assert code == 0, out + err
    report = json.loads(out)["patches"][0]
    runs = {r["sql"]: r for r in report["statements"]}
    assert runs["ALTER TABLE items ADD COLUMN note VARCHAR(40) NULL"]["algorithm"] == "INSTANT"
    assert runs["CREATE INDEX ix_grp ON items (grp)"]["algorithm"] == "NOCOPY"
    assert runs["UPDATE items SET note = name WHERE id <= 1000"]["error"] == ""
    assert sha(dump) == before
    assert "[ddl] restoring" in err


def test_unsafe_patch_fails_with_engine_reasons(source, tmp_path):
    _db, dump = source
    patch = write_patch(tmp_path / "unsafe", UNSAFE)
    code, out, _err = invoke(
        ["check", "--snapshot", f"{dump}.gz", "--migrations", str(patch), "--format", "json"]
    )
    assert code == 1
    findings = json.loads(out)["patches"][0]["findings"]
    codes = {f["code"] for f in findings}
    assert {"EXP005", "EXP002", "CON001", "LOCK001", "LOCK002", "DATA001", "RB001"} <= codes
    lock = next(f for f in findings if f["code"] == "LOCK001")
    assert "Cannot change column type" in lock["message"]  # the engine's own 1846 reason
    assert all(f["hint"] and f["explanation"] for f in findings)


def test_many_patches_one_report_each_in_junit(source, tmp_path):
    _db, dump = source
    a = write_patch(tmp_path / "a", SAFE)
    b = write_patch(tmp_path / "b", UNSAFE)
    out_file = tmp_path / "report.xml"
    code, _out, _err = invoke(
        [
            "check",
            "--snapshot",
            str(dump),
            "--migrations",
            str(a),
            "--migrations",
            str(b),
            "--format",
            "junit",
            "-o",
            str(out_file),
        ]
    )
    assert code == 1
    suites = ET.parse(out_file).getroot().findall("testsuite")
    assert [s.get("name") for s in suites] == ["a", "b"]
    assert suites[0].get("failures") == "0" and int(suites[1].get("failures")) >= 5


def test_live_url_is_cloned_and_left_unchanged(source, tmp_path):
    db, _dump = source
    engine = get_engine("mariadb")
    before = engine.live_checksum(f"mysql://root@127.0.0.1:3306/{db}")
    patch = write_patch(tmp_path / "live", {"contract": "ALTER TABLE items DROP COLUMN legacy;"})
    code, out, err = invoke(
        ["check", "--snapshot", f"mysql://root@127.0.0.1:3306/{db}", "--migrations", str(patch)]
    )
    assert code == 0, out + err
    assert engine.live_checksum(f"mysql://root@127.0.0.1:3306/{db}") == before
    conn = engine.connect(db)
    assert engine.query(conn, "SELECT COUNT(*) FROM items")[0][0] == 100000
    assert "legacy" in {c for t in engine.schema(conn).values() for c in t.columns}
    conn.close()


def test_truncated_dumps_are_refused_naming_the_file(source, tmp_path):
    _db, dump = source
    data = dump.read_bytes()
    cut = tmp_path / "cut.sql"
    cut.write_bytes(data[: len(data) // 2])
    cut_gz = tmp_path / "cut.sql.gz"
    cut_gz.write_bytes(gzip.compress(data)[:-100])
    patch = write_patch(tmp_path / "p", SAFE)
    for bad in (cut, cut_gz):
        code, _out, err = invoke(["check", "--snapshot", str(bad), "--migrations", str(patch)])
        assert code == 2
        assert str(bad) in err and "truncated" in err


def test_wrong_engine_is_refused(source, tmp_path):
    _db, dump = source
    patch = write_patch(tmp_path / "p", SAFE)
    code, _out, err = invoke(
        ["check", "--snapshot", str(dump), "--engine", "postgresql", "--migrations", str(patch)]
    )
    assert code == 2
    assert str(dump) in err and "mariadb snapshot" in err


def test_no_scratch_database_is_left_behind(source):
    engine = get_engine("mariadb")
    conn = engine.connect()
    names = [r[0] for r in engine.query(conn, "SHOW DATABASES LIKE 'ddl\\_%\\_p%'")]
    conn.close()
    assert names == []
