"""Alembic trees in real shapes: release directories, inherited labels, merges, project imports."""

import json
import shutil

import pytest

from ddl_check.alembic_tree import Tree, TreeOptions
from ddl_check.capture_child import URL_ENV
from ddl_check.capture_child import main as capture_main
from ddl_check.errors import MigrationError
from ddl_check.migrations import load_patch
from ddl_check.model import Phase
from harness.cli import main
from tests.ddl_trees.alembic_writer import write_alembic
from tests.ddl_trees.fixtures import RELEASES

pytestmark = pytest.mark.unit

EXPAND = {"a1", "a2", "a3", "a4", "a5", "a6", "a7"}


def cli(capsys, *args: str) -> tuple[int, str]:
    """Run `harness ddl ...`; its exit status and stderr."""
    with pytest.raises(SystemExit) as done:
        main(["ddl", *args])
    return int(done.value.code or 0), capsys.readouterr().err


def test_release_directories_labels_and_merged_heads_are_read_as_alembic_does(tree_project):
    tree = Tree(RELEASES, TreeOptions())
    phases = {name: phase.value if phase else None for name, phase in tree.phases.items()}
    assert phases == {
        "initial": None,
        **dict.fromkeys(EXPAND, "expand"),
        "m1": "migrate",
        "b1": "contract",
        "b2": "contract",
    }
    order = [rev.revision for _, rev in tree.in_phase_order(tree.patch_revisions())]
    assert order[:2] == ["a1", "a2"] and order[-3:] == ["m1", "b1", "b2"]
    assert order.index("a5") > max(order.index("a3"), order.index("a4"))


def test_nested_version_directories_are_found_without_an_ini(tree_project, tmp_path):
    shutil.copytree(RELEASES / "migrations", tmp_path / "migrations")
    tree = Tree(tmp_path / "migrations", TreeOptions())
    assert len(tree.ordered) == 11


def test_version_locations_of_the_ini_are_used(tree_project, tmp_path):
    versions = RELEASES / "migrations" / "versions"
    dirs = [versions, *sorted(d for d in versions.glob("*/*") if d.is_dir())]
    ini = tmp_path / "alembic.ini"
    ini.write_text(
        f"[alembic]\nscript_location = {RELEASES / 'migrations'}\npath_separator = space\n"
        f"version_locations = {' '.join(str(d) for d in dirs if '2024.2' not in str(d))}\n"
    )
    tree = Tree(tmp_path, TreeOptions(ini=ini))
    assert {r.revision for r in tree.ordered} == {"initial", "a1", "a2", "b1"}


def test_other_branch_label_names_are_accepted(tmp_path):
    root = write_alembic(
        tmp_path / "alembic",
        [
            {"rev": "e1", "labels": ("expand_branch",), "body": "    pass"},
            {"rev": "e2", "down": "e1", "body": "    pass"},
            {"rev": "c1", "labels": ("contract_branch",), "body": "    pass"},
        ],
    )
    labels = {Phase.EXPAND: "expand_branch", Phase.CONTRACT: "contract_branch"}
    tree = Tree(root, TreeOptions(labels=labels))
    assert tree.phases == {"e1": Phase.EXPAND, "e2": Phase.EXPAND, "c1": Phase.CONTRACT}
    with pytest.raises(MigrationError, match="no revision carries the branch label 'expand'"):
        Tree(root, TreeOptions())


def test_patch_from_is_where_the_patch_begins(tree_project):
    tree = Tree(RELEASES, TreeOptions(patch_from=("a3", "a4", "m1", "b2")))
    patch = tree.patch_revisions()
    assert patch == {"a3", "a4", "a5", "a6", "a7", "m1", "b2"}  # a5 merges a3 and a4
    before = [r.revision for r in tree.before(patch)]
    assert before[0] == "initial" and set(before) == {"initial", "a1", "a2", "b1"}
    assert Tree(RELEASES, TreeOptions(patch_from=("a6",))).patch_revisions() == {"a6", "a7"}
    with pytest.raises(MigrationError, match="--patch-from zz"):
        Tree(RELEASES, TreeOptions(patch_from=("zz",))).patch_revisions()


def test_a_patch_revision_building_on_a_later_phase_is_refused(tmp_path):
    root = write_alembic(
        tmp_path / "alembic",
        [
            {"rev": "r0", "body": "    pass"},
            {"rev": "c1", "down": "r0", "labels": ("contract",), "body": "    pass"},
            {"rev": "e1", "down": "r0", "labels": ("expand",), "body": "    pass"},
            {"rev": "e2", "down": "e1", "extra": "depends_on = ('c1',)", "body": "    pass"},
        ],
    )
    tree = Tree(root, TreeOptions())
    with pytest.raises(MigrationError, match=r"e2\.py: expand revision e2 builds on contract"):
        list(tree.in_phase_order(tree.patch_revisions()))
    tree = Tree(root, TreeOptions(patch_from=("e2",)))
    assert [rev.revision for _, rev in tree.in_phase_order(tree.patch_revisions())] == ["e2"]


def test_revisions_asking_alembic_context_are_captured_offline(tmp_path):
    root = write_alembic(
        tmp_path / "alembic",
        [
            {
                "rev": "e1",
                "labels": ("expand",),
                "extra": "from alembic import context",
                "body": '    mode = "offline" if context.is_offline_mode() else "online"\n'
                '    op.create_table(mode, sa.Column("id", sa.Integer()))',
            }
        ],
    )
    [stmt] = load_patch(root, "postgresql").statements
    assert stmt.sql.startswith("CREATE TABLE offline")


def test_a_missing_project_module_is_one_line_and_exit_2(no_tree_project, capsys):
    code, err = cli(capsys, "lint", "--migrations", str(RELEASES), "--engine", "mariadb")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "a1_add_colour.py:5: imports 'treeproj'" in err and "--python" in err


def test_offline_capture_of_a_database_reading_revision_says_what_to_do(tree_project, capsys):
    code, err = cli(capsys, "lint", "--migrations", str(RELEASES), "--engine", "postgresql")
    assert code == 2
    assert "a2_index_name_if_missing.py:12: upgrade() reads the database" in err
    assert "harness ddl check" in err


def test_a_bad_branch_label_option_is_a_usage_error(capsys):
    code, err = cli(
        capsys, "lint", "--migrations", str(RELEASES), "--engine", "mariadb", "--branch-label", "x"
    )
    assert code == 2 and "--branch-label x: expected PHASE=LABEL" in err


def test_an_unreachable_scratch_server_is_exit_3(tree_project, capsys):
    code, err = cli(
        capsys,
        "check",
        "--migrations",
        str(RELEASES),
        "--engine",
        "postgresql",
        "--scratch-url",
        "postgresql://nobody@127.0.0.1:1/postgres",
    )
    assert code == 3 and "postgresql at 127.0.0.1:1" in err


def test_the_capture_subprocess_names_a_driver_it_lacks(tmp_path, monkeypatch):
    root = write_alembic(
        tmp_path / "alembic", [{"rev": "e1", "labels": ("expand",), "body": "    pass"}]
    )
    request = {"tree": str(root), "options": TreeOptions().to_json(), "action": "capture"}
    (tmp_path / "ask.json").write_text(json.dumps({**request, "engine": "mariadb"}))
    monkeypatch.setenv(URL_ENV, "mysql+mysqldb://nobody@127.0.0.1:1/none")
    assert capture_main(str(tmp_path / "ask.json"), str(tmp_path / "answer.json")) == 0
    error = json.loads((tmp_path / "answer.json").read_text())["error"]
    assert error["kind"] == "migration" and "cannot import 'MySQLdb'" in error["message"]
