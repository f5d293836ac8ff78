"""a member's language, for pages and mails

Revision ID: 0010_language
Revises: 0009_edits
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_language"
down_revision = "0009_edits"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("language", sa.String(length=2), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("language")
