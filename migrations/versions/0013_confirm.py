"""email confirmation: users.email_confirmed_at (existing accounts count as confirmed)

Revision ID: 0013_confirm
Revises: 0012_account
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_confirm"
down_revision = "0012_account"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "users", sa.Column("email_confirmed_at", sa.DateTime(timezone=True), nullable=True)
    )
    # Accounts from before confirmation existed were never asked: they keep posting.
    op.execute("UPDATE users SET email_confirmed_at = created_at")


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email_confirmed_at")
