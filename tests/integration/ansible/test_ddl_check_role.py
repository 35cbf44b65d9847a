"""The ddl_check role on localhost: `harness ddl check` against an SQLite snapshot, the JUnit
report fetched to the controller, findings failing the host only after the fetch."""

import sqlite3
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.integration.ansible.playbooks import Controller


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    """A small SQLite database with an indexed column a bad patch drops."""
    path = tmp_path / "snapshot.sqlite"
    with sqlite3.connect(path) as conn:
        conn.executescript("""
            CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, legacy INT);
            CREATE INDEX ix_legacy ON items (legacy);
            INSERT INTO items (name, legacy) VALUES ('a', 1), ('b', 2);
        """)
    return path


def _patch(root: Path, expand: str) -> Path:
    """A patch directory with only an expand phase."""
    (root / "expand").mkdir(parents=True)
    (root / "expand" / "001.sql").write_text(expand)
    return root


def _localhost(controller: Controller, tmp_path: Path, snapshot: Path, patch: Path) -> Path:
    """localhost as the database host, running this environment's harness."""
    return controller.inventory(f"ddl-{patch.name}", {"all": {"children": {"database_hosts": {
        "hosts": {"localhost": {
            "ansible_connection": "local", "ansible_python_interpreter": sys.executable,
            "ddl_check_harness": str(Path(sys.executable).parent / "harness"),
            "ddl_check_snapshot": str(snapshot), "ddl_check_migrations": [str(patch)],
            "ddl_check_copy_migrations": True,
            "ddl_check_workdir": str(tmp_path / "host-workdir"),
            "ddl_check_fetch_to": str(tmp_path / "reports"),
        }}}}}})


def _cases(report: Path) -> dict[str, bool]:
    """{testcase name: failed} of a JUnit report."""
    return {case.get("name", ""): case.find("failure") is not None
            for case in ET.parse(report).iter("testcase")}


def test_a_clean_patch_passes_and_its_report_is_fetched(
    controller: Controller, tmp_path: Path, snapshot: Path,
) -> None:
    patch = _patch(tmp_path / "add-note", "ALTER TABLE items ADD COLUMN note TEXT;\n")
    run = controller.play("ddl_check", _localhost(controller, tmp_path, snapshot, patch))
    assert run.returncode == 0, run.failures()
    cases = _cases(tmp_path / "reports" / "localhost-ddl-check.xml")
    assert cases and not any(cases.values())


def test_findings_fail_the_host_after_the_report_is_fetched(
    controller: Controller, tmp_path: Path, snapshot: Path,
) -> None:
    patch = _patch(tmp_path / "drop-legacy", "ALTER TABLE items DROP COLUMN legacy;\n")
    run = controller.play("ddl_check", _localhost(controller, tmp_path, snapshot, patch))
    assert run.returncode == 2 and "found failing rules" in run.output, run.failures()
    assert any(_cases(tmp_path / "reports" / "localhost-ddl-check.xml").values())
