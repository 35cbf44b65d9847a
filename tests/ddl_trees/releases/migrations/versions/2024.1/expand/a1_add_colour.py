"""Add widget.colour, sized by the project's constants."""

import sqlalchemy as sa
from alembic import op
from treeproj.db import constants

revision = "a1"
down_revision = "initial"
branch_labels = ("expand",)
depends_on = None


def upgrade():
    op.add_column("widget", sa.Column("colour", sa.String(constants.COLOUR_LENGTH), nullable=True))
