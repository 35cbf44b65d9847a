"""Add audit.actor NOT NULL without a default: the old code's INSERTs would fail."""

import sqlalchemy as sa
from alembic import op

revision = "a7"
down_revision = "a6"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("audit", sa.Column("actor", sa.String(32), nullable=False))
