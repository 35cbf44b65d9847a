"""Rename owner.name in expand: the old code loses the column (refused)."""

import sqlalchemy as sa
from alembic import op

revision = "a7"
down_revision = "a6"
branch_labels = None
depends_on = None


def upgrade():
    op.alter_column(
        "owner",
        "name",
        new_column_name="full_name",
        existing_type=sa.String(64),
        existing_nullable=False,
    )
