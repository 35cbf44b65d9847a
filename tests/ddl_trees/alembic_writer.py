"""Write tiny alembic trees with expand/contract branches for the unit tests."""

from pathlib import Path

HEADER = '''"""{rev}"""
from alembic import op
import sqlalchemy as sa

revision = {rev!r}
down_revision = {down!r}
branch_labels = {labels!r}
depends_on = None
{extra}

def upgrade():
{body}
'''


def write_alembic(root: Path, revisions: list[dict]) -> Path:
    """env.py, script.py.mako and one module per revision dict (rev, down, labels, body, extra)."""
    (root / "versions").mkdir(parents=True)
    (root / "env.py").write_text("# unused: the checker runs revisions offline\n")
    (root / "script.py.mako").write_text("")
    for r in revisions:
        (root / "versions" / f"{r['rev']}.py").write_text(
            HEADER.format(
                rev=r["rev"],
                down=r.get("down"),
                labels=r.get("labels"),
                extra=r.get("extra", ""),
                body=r["body"],
            )
        )
    return root
