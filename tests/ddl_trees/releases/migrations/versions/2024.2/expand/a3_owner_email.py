"""Add owner.email (first of two heads of this release)."""

import sqlalchemy as sa
from alembic import op
from treeproj.db import constants

revision = "a3"
down_revision = "a2"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("owner", sa.Column("email", sa.String(constants.EMAIL_LENGTH), nullable=True))
