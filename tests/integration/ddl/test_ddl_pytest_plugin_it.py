"""The pytest plugin as a project's suite uses it: pytester runs a suite taking the fixtures."""

import sqlite3

import pytest

from tests.ddl_trees.fixtures import PROJECT, RELEASES

pytestmark = pytest.mark.integration
pytest_plugins = ["pytester"]


def test_project_suite_uses_the_snapshot_fixture(pytester, tmp_path):
    snap = tmp_path / "snap.sqlite"
    conn = sqlite3.connect(snap)
    conn.executescript(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT); INSERT INTO t (a) VALUES (1), (2);"
    )
    conn.close()
    (tmp_path / "good.expand.sql").write_text("ALTER TABLE t ADD COLUMN b INT;\n")
    (tmp_path / "bad.expand.sql").write_text("ALTER TABLE t DROP COLUMN a;\n")
    pytester.makepyfile(f"""
        def test_good(ddl_check):
            [report] = ddl_check({str(tmp_path / "good.expand.sql")!r})
            assert not report.failed

        def test_bad(ddl_check):
            [report] = ddl_check({str(tmp_path / "bad.expand.sql")!r})
            assert {{f.code for f in report.findings}} >= {{"EXP002", "RB001"}}
    """)
    result = pytester.runpytest("-p", "no:cacheprovider", f"--ddl-snapshot={snap}")
    result.assert_outcomes(passed=2)


def test_without_a_snapshot_the_fixture_skips(pytester):
    pytester.makepyfile("""
        def test_needs_snapshot(ddl_check):
            raise AssertionError("must not run")
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(skipped=1)


def test_a_tree_is_checked_in_the_projects_own_suite(pytester, no_tree_project):
    pytester.makeconftest(f"""
        import sys
        sys.path.insert(0, {str(PROJECT)!r})  # the project's own package, as in its venv
    """)
    pytester.makepyfile(f"""
        def test_tree(ddl_tree_check):
            [report] = ddl_tree_check({str(RELEASES)!r}, patch_from=("a3", "a4", "m1", "b2"))
            failing = {{(f.file.rsplit("/", 1)[-1], f.code) for f in report.findings if f.fails}}
            assert failing == {{("a7_rename_owner_name.py", "EXP004")}}
    """)
    result = pytester.runpytest("-p", "no:cacheprovider", "--ddl-engine=sqlite")
    result.assert_outcomes(passed=1)
