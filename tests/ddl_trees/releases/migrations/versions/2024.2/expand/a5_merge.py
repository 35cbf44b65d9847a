"""Merge the two heads of 2024.2's expand branch."""

revision = "a5"
down_revision = ("a3", "a4")
branch_labels = None
depends_on = None


def upgrade():
    pass
