"""The schema every release starts from, with a few rows."""

import sqlalchemy as sa
from alembic import op

revision = "initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "owner",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(64), nullable=False),
    )
    op.create_index("ix_owner_name", "owner", ["name"])
    widget = op.create_table(
        "widget",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("legacy", sa.String(32), nullable=True),
        sa.Column("notes", sa.String(64), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
    )
    op.bulk_insert(
        sa.table("owner", sa.column("id"), sa.column("name")),
        [{"id": 1, "name": "ann"}, {"id": 2, "name": "bob"}],
    )
    op.bulk_insert(
        widget,
        [
            {"id": 1, "name": "a", "legacy": "x", "owner_id": 1},
            {"id": 2, "name": "b", "legacy": None, "owner_id": 2},
            {"id": 3, "name": "c", "legacy": "y", "owner_id": 1},
        ],
    )
