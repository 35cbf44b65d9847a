"""Reading inputs: SQL by phase, alembic, snapshots, workloads; bad input is one clear error."""

import gzip
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner

from ddl_check.engines.base import Plan
from ddl_check.errors import MigrationError, SnapshotError
from ddl_check.migrations import load_patch
from ddl_check.model import Finding, PatchReport, Phase
from ddl_check.report import render_json, render_junit, render_text
from ddl_check.runner import _compare_plans
from ddl_check.snapshot import detect, validate
from ddl_check.workload import QueryRun, load_workload, parse_general_log
from harness.cli.ddl import command
from tests.ddl_trees.alembic_writer import write_alembic

pytestmark = pytest.mark.unit


def test_phase_directories_and_named_files(tmp_path):
    (tmp_path / "expand").mkdir()
    (tmp_path / "expand" / "001.sql").write_text(
        "-- a comment\nALTER TABLE t ADD c INT;\n\nSELECT 1;\n"
    )
    (tmp_path / "002.contract.sql").write_text("ALTER TABLE t DROP COLUMN old;")
    patch = load_patch(tmp_path, "mariadb")
    assert [(s.phase, s.line) for s in patch.statements] == [
        (Phase.EXPAND, 2),
        (Phase.EXPAND, 4),
        (Phase.CONTRACT, 1),
    ]


def test_garbage_sql_names_file_and_line(tmp_path):
    bad = tmp_path / "x.expand.sql"
    bad.write_text("ALTER TABLE t ADD c INT;\n\nthis is not sql at all;\n")
    with pytest.raises(MigrationError, match=r"x\.expand\.sql:3: not (valid SQL|a SQL statement)"):
        load_patch(bad, "postgresql")
    bad.write_text("SELECT 1;\nSELEKT 2 3;\n")
    with pytest.raises(MigrationError, match=r"x\.expand\.sql:2: not valid SQL"):
        load_patch(bad, "mariadb")


def test_an_allow_comment_naming_no_rule_names_file_and_line(tmp_path):
    typo = tmp_path / "x.expand.sql"
    typo.write_text("ALTER TABLE t ADD c INT;\n-- ddl-check: allow EXP0002 kept for a release\n"
                    "ALTER TABLE t DROP COLUMN d;\n")
    with pytest.raises(MigrationError, match=r"x\.expand\.sql:2: .*no rule 'EXP0002'"):
        load_patch(typo, "mariadb")


def test_cli_exits_2_on_garbage(tmp_path):
    bad = tmp_path / "x.expand.sql"
    bad.write_text("DROP TABLE t;\nwhat even is this;\n")
    result = CliRunner().invoke(command, ["lint", "--migrations", str(bad), "--engine", "sqlite"])
    assert isinstance(result.exception, MigrationError) and result.exception.exit_code == 2
    assert f"{bad}:2" in str(result.exception)


def test_cli_lint_exit_codes(tmp_path):
    good, bad = tmp_path / "a.expand.sql", tmp_path / "b.expand.sql"
    good.write_text("ALTER TABLE t ADD COLUMN c INT NULL;")
    bad.write_text("ALTER TABLE t DROP COLUMN c;")
    assert (
        CliRunner()
        .invoke(command, ["lint", "--migrations", str(good), "--engine", "mariadb"])
        .exit_code
        == 0
    )
    result = CliRunner().invoke(command, ["lint", "--migrations", str(bad), "--engine", "mariadb"])
    assert result.exit_code == 1 and "EXP002" in result.stdout


def test_alembic_branches_and_raw_sql_are_captured(tmp_path):
    root = write_alembic(
        tmp_path / "alembic",
        [
            {
                "rev": "e1",
                "labels": ("expand",),
                "body": '    op.add_column("t", sa.Column("c", sa.Integer(), nullable=True))\n'
                '    op.execute("UPDATE t SET c = 1")',
            },
            {"rev": "e2", "down": "e1", "body": '    op.create_index("ix_c", "t", ["c"])'},
            {
                "rev": "c1",
                "labels": ("contract",),
                "extra": 'ddl_check_allow = {"EXP002": "n/a"}',
                "body": '    op.drop_column("t", "old")',
            },
        ],
    )
    patch = load_patch(root, "postgresql")
    got = [(s.phase.value, s.sql, s.file.rsplit("/", 1)[-1]) for s in patch.statements]
    assert got == [
        ("expand", "ALTER TABLE t ADD COLUMN c INTEGER", "e1.py"),
        ("expand", "UPDATE t SET c = 1", "e1.py"),
        ("expand", "CREATE INDEX ix_c ON t (c)", "e2.py"),
        ("contract", 'ALTER TABLE t DROP COLUMN "old"', "c1.py"),
    ]
    assert patch.statements[-1].allows == {"EXP002": "n/a"}


def test_alembic_heads_and_merges_of_a_branch_run_in_alembic_order(tmp_path):
    create = '    op.create_table("{0}", sa.Column("id", sa.Integer(), primary_key=True))'
    root = write_alembic(
        tmp_path / "alembic",
        [
            {"rev": "e1", "labels": ("expand",), "body": create.format("t1")},
            {"rev": "e2", "down": "e1", "body": create.format("t2")},
            {"rev": "e3", "down": "e1", "body": create.format("t3")},
            {"rev": "e4", "down": ("e2", "e3"), "body": create.format("t4")},
            {"rev": "e5", "down": "e1", "body": create.format("t5")},
        ],
    )
    files = [s.file.rsplit("/", 1)[-1] for s in load_patch(root, "sqlite").statements]
    assert files[0] == "e1.py" and sorted(files) == ["e1.py", "e2.py", "e3.py", "e4.py", "e5.py"]
    assert files.index("e4.py") > max(files.index("e2.py"), files.index("e3.py"))


def test_snapshot_detection_and_refusals(tmp_path):
    dump = tmp_path / "d.sql"
    dump.write_text(
        "-- MariaDB dump 10.19\nCREATE TABLE t (a int);\n-- Dump completed on 2024-01-01\n"
    )
    assert detect(str(dump)).engine == "mariadb"
    gz = tmp_path / "d.sql.gz"
    gz.write_bytes(gzip.compress(dump.read_bytes()))
    snap = detect(str(gz), "mysql")
    assert (snap.engine, snap.form) == ("mysql", "sql.gz")
    validate(snap)
    with pytest.raises(SnapshotError, match="this is a mariadb snapshot, but --engine postgresql"):
        detect(str(dump), "postgresql")
    dump.write_text("-- MariaDB dump 10.19\nCREATE TABLE t (a int);\nINSERT INTO t VALUES (1),")
    with pytest.raises(SnapshotError, match=r"d\.sql:3: truncated dump"):
        validate(detect(str(dump)))
    url = detect("postgresql://u:secret@127.0.0.1:5432/db")
    assert "secret" not in url.label()


def test_general_log_parsing():
    log = (
        "mariadbd, Version: 10.11. started with:\nTcp port: 3306\n"
        "Time\t\t    Id Command\tArgument\n"
        "231122  3:00:00\t    5 Connect\troot@localhost on db\n\t\t    5 Query\tSET NAMES utf8\n"
        "\t\t    5 Query\tSELECT a\nFROM t\n\t\t    5 Query\tselect @@version\n"
        "231122  3:00:01\t    6 Query\tUPDATE t SET a = 1\n\t\t    6 Quit\t\n"
    )
    assert parse_general_log(log) == ["SELECT a\nFROM t", "UPDATE t SET a = 1"]


def test_workload_spec_forms(tmp_path):
    sql = tmp_path / "w.sql"
    sql.write_text("SELECT 1;\nSELECT 2;\n")
    assert load_workload(str(sql), "sqlite").queries == ["SELECT 1", "SELECT 2"]
    assert load_workload("cmd:make smoke", "sqlite").command == "make smoke"


def test_plan_comparison_flags_lost_index_and_slowdown():
    before = [QueryRun("SELECT 1", seconds=0.001, plan=Plan({"t"}, set(), "idx"))]
    after = [QueryRun("SELECT 1", seconds=0.2, plan=Plan(set(), {"t"}, "scan"))]
    found = {f.code: f for f in _compare_plans(before, after, "x")}
    assert set(found) == {"PLAN001", "PLAN002"}
    assert found["PLAN001"].fails and not found["PLAN002"].fails  # latency is a warning
    assert _compare_plans(before, before, "x") == []


def test_renderers():
    report = PatchReport(
        "p",
        "mariadb",
        findings=[
            Finding("EXP002", "drops t.c", "expand", "f.sql", 3),
            Finding("EXP001", "drops t", "expand", "f.sql", 4, allowed="documented"),
        ],
    )
    assert "EXP002" in render_text([report]) and "allowed: documented" in render_text([report])
    assert '"failed": true' in render_json([report])
    suite = ET.fromstring(render_junit([report])).find("testsuite")
    assert suite is not None and suite.get("failures") == "1"
