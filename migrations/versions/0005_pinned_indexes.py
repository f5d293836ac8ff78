"""pinned threads: partial indexes for the lists' pinned threads

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_threads_pinned_globally",
        "threads",
        ["last_post_at"],
        sqlite_where=sa.text("pinned_globally = 1"),
        postgresql_where=sa.text("pinned_globally"),
    )
    op.create_index(
        "ix_threads_pinned_theme_id",
        "threads",
        ["theme_id", "last_post_at"],
        sqlite_where=sa.text("pinned = 1"),
        postgresql_where=sa.text("pinned"),
    )


def downgrade():
    op.drop_index("ix_threads_pinned_theme_id", table_name="threads")
    op.drop_index("ix_threads_pinned_globally", table_name="threads")
