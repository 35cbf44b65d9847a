"""Neutron's expand_drop_exceptions / contract_creation_exceptions excuse the objects they name."""

import pytest
from click.testing import CliRunner

from ddl_check.errors import MigrationError
from ddl_check.migrations import load_patch
from ddl_check.model import PatchReport
from ddl_check.report import render_text
from ddl_check.static import check_patch
from harness.cli.ddl import command
from tests.ddl_trees.alembic_writer import write_alembic

pytestmark = pytest.mark.unit

NEUTRON_STYLE = '''
def expand_drop_exceptions():
    """Drop the legacy column and the gone table

    Nothing has read them since the previous release.
    """
    return {sa.Column: ["t.legacy"], sa.Table: ["gone"], sa.UniqueConstraint: ["uq_name"]}
'''
ATTRIBUTE_STYLE = 'contract_creation_exceptions = {"index": {"t": "the new index backs a FK"}}'


def tree(tmp_path, expand_extra: str, contract_extra: str = ATTRIBUTE_STYLE):
    return write_alembic(
        tmp_path / "alembic",
        [
            {
                "rev": "e1",
                "labels": ("expand",),
                "extra": expand_extra,
                "body": '    op.drop_column("t", "legacy")\n'
                '    op.drop_column("t", "other")\n'
                '    op.drop_table("gone")\n'
                '    op.drop_constraint("uq_name", "t", type_="unique")',
            },
            {
                "rev": "c1",
                "labels": ("contract",),
                "extra": contract_extra,
                "body": '    op.create_index("ix_c", "t", ["c"])\n'
                '    op.add_column("t", sa.Column("d", sa.Integer()))',
            },
        ],
    )


@pytest.mark.parametrize("engine", ["mariadb", "postgresql"])
def test_named_objects_are_allowed_with_the_docstring_as_reason(tmp_path, engine):
    findings = check_patch(load_patch(tree(tmp_path, NEUTRON_STYLE), engine), engine)
    status = {(f.code, f.sql.split()[-1].strip('"`')): f.allowed for f in findings}
    reason = "Drop the legacy column and the gone table"
    assert reason in status[("EXP002", "legacy")]
    assert "expand_drop_exceptions column t.legacy" in status[("EXP002", "legacy")]
    assert status[("EXP002", "other")] is None  # not named: still fails
    assert reason in status[("EXP001", "gone")]
    assert any(code == "EXP008" and why and "uq_name" in why for (code, _s), why in status.items())
    contract = {f.sql: f for f in findings if f.code == "CON001"}
    assert "the new index backs a FK" in contract["CREATE INDEX ix_c ON t (c)"].allowed
    assert [f.allowed for s, f in contract.items() if "ADD COLUMN" in s] == [None]
    text = render_text([PatchReport("p", engine, findings=findings)])
    assert f"[allowed: expand_drop_exceptions column t.legacy: {reason}]" in text


def test_lint_passes_when_every_finding_is_excepted(tmp_path):
    everything = NEUTRON_STYLE.replace('"t.legacy"', '"t.legacy", "t.other"')
    contract = 'contract_creation_exceptions = {"index": {"t": "x"}, "column": {"t.d": "y"}}'
    root = tree(tmp_path, everything, contract)
    result = CliRunner().invoke(command, ["lint", "--migrations", str(root), "--engine", "mariadb"])
    assert result.exit_code == 0, result.stdout
    assert "allowed: contract_creation_exceptions column t.d: y" in result.stdout


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ("def expand_drop_exceptions():\n    return {sa.Table: ['gone']}\n", "needs a docstring"),
        ('expand_drop_exceptions = {"table": ["gone"]}', "no reason given for 'gone'"),
        ('expand_drop_exceptions = {"view": {"v": "why"}}', "unknown key 'view'"),
    ],
)
def test_exceptions_without_a_reason_are_refused_naming_the_file(tmp_path, extra, error):
    with pytest.raises(MigrationError, match=error) as caught:
        load_patch(tree(tmp_path, extra), "mariadb")
    assert "e1.py" in str(caught.value)
