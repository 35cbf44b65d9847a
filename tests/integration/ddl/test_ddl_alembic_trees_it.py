"""Alembic trees in real shapes checked on MariaDB, PostgreSQL and SQLite, captured online."""

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from ddl_check.alembic_tree import TreeOptions
from ddl_check.check import CheckOptions, run_check
from ddl_check.engines import get_engine
from ddl_check.errors import MigrationError
from ddl_check.model import PatchReport
from ddl_check.tree_patch import TreePatch
from tests.ddl_trees.alembic_writer import write_alembic
from tests.ddl_trees.fixtures import PROJECT, RELEASES

pytestmark = pytest.mark.integration

# (revision file, code, fails) per engine, for the whole tree built from base
COMMON = {
    ("a4_drop_notes.py", "EXP002", False),
    ("a6_drop_owner_name_index.py", "EXP008", False),
    ("a7_rename_owner_name.py", "EXP004", True),
    ("", "RB001", False),
}
EXPECTED = {
    "sqlite": COMMON,
    "mariadb": COMMON,
    "postgresql": COMMON
    | {
        ("a2_index_name_if_missing.py", "PG001", True),
        ("a2_index_name_if_missing.py", "LOCK001", True),
        ("a6_drop_owner_name_index.py", "PG001", True),
    },
}


def findings(report: PatchReport) -> set[tuple[str, str, bool]]:
    """(revision file, code, fails) of every finding."""
    return {(Path(f.file).name if f.file else "", f.code, f.fails) for f in report.findings}


def ran(report: PatchReport) -> list[str]:
    """The revision files whose statements ran on the clone, in order."""
    return [Path(r.file).name for r in report.runs]


@pytest.mark.parametrize("engine", ["mariadb", "postgresql", "sqlite"])
def test_the_whole_tree_built_from_base_gives_each_revision_its_codes(tree_project, engine):
    [report] = run_check(CheckOptions(None, [RELEASES], engine))
    assert findings(report) == EXPECTED[engine]
    assert report.snapshot == "built from the tree"
    assert "b1_drop_legacy_if_present.py" in ran(report)  # it inspected the schema first
    backfill = [r.sql for r in report.runs if r.file.endswith("m1_backfill_colour.py")]
    assert backfill and "'grey'" in backfill[0] and backfill[0].startswith("UPDATE")
    assert not [r for r in report.runs if r.error]


@pytest.mark.parametrize("engine", ["mariadb", "postgresql"])
def test_a_live_snapshot_stamped_at_a_release_checks_only_what_it_lacks(
    tree_project, scratch, engine
):
    eng, db = scratch(engine)
    before = TreePatch(RELEASES, TreeOptions(patch_from=("a3", "a4", "m1", "b2")), engine)
    assert sorted(before.build(eng.sa_url(db))) == ["a1", "a2", "b1", "initial"]
    conn = eng.connect(db)
    stamped = {row[0] for row in eng.query(conn, "SELECT version_num FROM alembic_version")}
    conn.close()
    assert stamped == {"a2", "b1"}  # stamped as alembic does, one head per branch
    [report] = run_check(CheckOptions(eng.url(db), [RELEASES], engine))
    files = ran(report)
    assert set(files[:2]) == {"a3_owner_email.py", "a4_drop_notes.py"}  # two heads of 2024.2
    assert files[2:] == [
        *("a6_drop_owner_name_index.py", "a7_rename_owner_name.py"),
        *("m1_backfill_colour.py", "b2_drop_owner_id.py"),
    ]  # a5 only merges the two heads: no SQL
    assert any(n.startswith("original snapshot unchanged") for n in report.notes)


def test_the_trees_own_version_table_is_stamped_and_read(tmp_path):
    create = '    op.create_table("{0}", sa.Column("id", sa.Integer()))'
    root = write_alembic(
        tmp_path / "tree",
        [
            {"rev": "e1", "labels": ("expand",), "body": create.format("t1")},
            {"rev": "e2", "down": "e1", "body": create.format("t2")},
        ],
    )
    engine = get_engine("sqlite", scratch_dir=str(tmp_path))
    engine.create("db")
    url = engine.sa_url("db")
    options = TreeOptions(patch_from=("e2",), version_table="proj_version")
    assert TreePatch(root, options, "sqlite").build(url) == ["e1"]
    conn = engine.connect("db")
    assert engine.query(conn, "SELECT version_num FROM proj_version") == [("e1",)]
    assert not engine.query(conn, "SELECT name FROM sqlite_master WHERE name = 'alembic_version'")
    conn.close()
    tree = TreePatch(root, TreeOptions(version_table="proj_version"), "sqlite")
    assert [s.sql.split("(")[0].strip() for s in tree.capture(url).statements] == [
        "CREATE TABLE t2"
    ]


def test_a_statement_the_database_refuses_is_exec001_and_ends_the_capture(tmp_path):
    root = write_alembic(
        tmp_path / "tree",
        [
            {
                "rev": "r0",
                "body": '    op.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")\n'
                '    op.execute("INSERT INTO t VALUES (1)")',
            },
            {"rev": "c1", "down": "r0", "labels": ("contract",), "body": "    pass"},
            {
                "rev": "e1",
                "down": "r0",
                "labels": ("expand",),
                "body": '    op.add_column("t", sa.Column("c", sa.Integer(), nullable=False))',
            },
            {
                "rev": "e2",
                "down": "e1",
                "body": '    op.create_table("u", sa.Column("id", sa.Integer()))',
            },
        ],
    )
    [report] = run_check(CheckOptions(None, [root], "sqlite"))
    assert {("e1.py", "EXP006", True), ("e1.py", "EXEC001", True)} <= findings(report)
    assert ran(report) == ["e1.py"]
    assert any(n.startswith("capture stopped at") and "e1.py:12" in n for n in report.notes)


def test_revisions_asking_alembic_context_run_online_with_a_version_table(tmp_path):
    root = write_alembic(
        tmp_path / "tree",
        [
            {
                "rev": "e1",
                "labels": ("expand",),
                "extra": "from alembic import context",
                "body": '    mode = "offline" if context.is_offline_mode() else "online"\n'
                '    assert sa.inspect(op.get_bind()).has_table("alembic_version")\n'
                '    op.create_table(mode, sa.Column("id", sa.Integer()))',
            }
        ],
    )
    [report] = run_check(CheckOptions(None, [root], "sqlite"))
    assert [r.sql.split("(")[0].strip() for r in report.runs] == ["CREATE TABLE online"]


def test_an_index_built_concurrently_in_an_autocommit_block_is_captured_as_such(tmp_path):
    root = write_alembic(
        tmp_path / "tree",
        [
            {"rev": "r0", "body": '    op.create_table("t", sa.Column("a", sa.Integer()))'},
            {"rev": "c1", "down": "r0", "labels": ("contract",), "body": "    pass"},
            {
                "rev": "e1",
                "down": "r0",
                "labels": ("expand",),
                "body": "    with op.get_context().autocommit_block():\n"
                '        op.create_index("ix_a", "t", ["a"], postgresql_concurrently=True)',
            },
        ],
    )
    [report] = run_check(CheckOptions(None, [root], "postgresql"))
    assert [r.sql for r in report.runs] == ["CREATE INDEX CONCURRENTLY ix_a ON t (a)"]
    assert not report.findings


def test_a_revision_that_raises_names_its_file_and_line(tmp_path):
    root = write_alembic(
        tmp_path / "tree",
        [{"rev": "e1", "labels": ("expand",), "body": '    raise RuntimeError("no such release")'}],
    )
    with pytest.raises(
        MigrationError, match=r"e1\.py:12: upgrade\(\) failed: RuntimeError: no such"
    ):
        run_check(CheckOptions(None, [root], "sqlite"))


def project_venv(tmp_path: Path) -> Path:
    """A throwaway venv holding the project package; alembic and drivers come from ours."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "checker_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(["cp", "-r", str(PROJECT / "treeproj"), site], check=True)
    return python


def test_python_captures_in_the_projects_own_environment(no_tree_project, tmp_path):
    with pytest.raises(MigrationError, match="imports 'treeproj'"):
        run_check(CheckOptions(None, [RELEASES], "sqlite"))
    options = CheckOptions(None, [RELEASES], "sqlite")
    options.tree = TreeOptions(python=str(project_venv(tmp_path)))
    [report] = run_check(options)
    assert findings(report) == EXPECTED["sqlite"]
