"""Index widget.name unless a hotfix already did."""

import sqlalchemy as sa
from alembic import op

revision = "a2"
down_revision = "a1"
branch_labels = None
depends_on = None


def upgrade():
    indexes = sa.inspect(op.get_bind()).get_indexes("widget")
    if "ix_widget_name" not in {i["name"] for i in indexes}:
        op.create_index("ix_widget_name", "widget", ["name"])
