"""Drop widget.owner_id, unused since 2024.1."""

from alembic import op

revision = "b2"
down_revision = "b1"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_column("widget", "owner_id")
