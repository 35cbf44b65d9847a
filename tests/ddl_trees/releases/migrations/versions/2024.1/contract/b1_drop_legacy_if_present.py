"""Drop widget.legacy where a release still has it."""

import sqlalchemy as sa
from alembic import op

revision = "b1"
down_revision = "initial"
branch_labels = ("contract",)
depends_on = None


def upgrade():
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("widget")}
    if "legacy" in columns:
        op.drop_column("widget", "legacy")
