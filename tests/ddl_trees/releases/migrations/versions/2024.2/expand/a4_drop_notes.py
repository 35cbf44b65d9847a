"""Drop widget.notes already in expand, accepted by an allow-comment (second head)."""

from alembic import op

revision = "a4"
down_revision = "a2"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "-- ddl-check: allow EXP002 nothing has read widget.notes since 2023.2\n"
        "-- ddl-check: allow RB001 its values are kept in the 2023.2 archive\n"
        "ALTER TABLE widget DROP COLUMN notes"
    )
