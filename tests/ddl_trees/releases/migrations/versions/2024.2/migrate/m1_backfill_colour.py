"""Backfill widget.colour: a data migration."""

import sqlalchemy as sa
from alembic import op
from treeproj.db import constants

revision = "m1"
down_revision = "initial"
branch_labels = ("migrate",)
depends_on = ("a1",)


def upgrade():
    widget = sa.table("widget", sa.column("colour", sa.String))
    op.execute(
        widget.update().where(widget.c.colour.is_(None)).values(colour=constants.DEFAULT_COLOUR)
    )
