"""Drop ix_owner_name, documented as an expand drop."""

import sqlalchemy as sa
from alembic import op

revision = "a6"
down_revision = "a5"
branch_labels = None
depends_on = None


def expand_drop_exceptions():
    """Owner lookups by name moved to the search service in 2024.1."""
    return {sa.Index: ["ix_owner_name"]}


def upgrade():
    op.drop_index("ix_owner_name", table_name="owner")
