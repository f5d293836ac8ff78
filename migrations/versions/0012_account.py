"""deleted accounts (users.deleted_at) and the usernames they released

Revision ID: 0012_account
Revises: 0011_mail
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_account"
down_revision = "0011_mail"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "released_usernames",
        sa.Column("name_hash", sa.String(length=64), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name_hash", name=op.f("pk_released_usernames")),
    )
    op.create_index(
        op.f("ix_released_usernames_released_at"), "released_usernames", ["released_at"]
    )


def downgrade():
    op.drop_index(op.f("ix_released_usernames_released_at"), table_name="released_usernames")
    op.drop_table("released_usernames")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("deleted_at")
