"""thread rules: a lock's reason, a merged thread's opening post, usernames' skeletons

Revision ID: 0008_threadmod
Revises: 0007

Plain ADD COLUMN and CREATE INDEX, no batch mode: recreating threads on SQLite would drop the
triggers of migrations 0004 and 0006.
"""

import sqlalchemy as sa
from alembic import op

from forum071.names import skeleton

revision = "0008_threadmod"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "threads",
        sa.Column("lock_reason", sa.String(length=500), nullable=False, server_default=""),
    )
    op.add_column("threads", sa.Column("merged_post_id", sa.Integer(), nullable=True))
    op.add_column("users", sa.Column("username_skeleton", sa.String(length=200), nullable=True))
    # Existing accounts keep their names; of two that look alike, the older one gets the
    # skeleton (and so the newer one's look-alikes stay refused too).
    connection = op.get_bind()
    users = sa.table("users", sa.column("id"), sa.column("username"), sa.column("username_skeleton"))
    seen: set[str] = set()
    for user_id, username in connection.execute(
        sa.select(users.c.id, users.c.username).order_by(users.c.id)
    ).all():
        value = skeleton(username)
        if value in seen:
            continue
        seen.add(value)
        connection.execute(
            users.update().where(users.c.id == user_id).values(username_skeleton=value)
        )
    op.create_index(
        "ix_users_username_skeleton", "users", ["username_skeleton"], unique=True
    )


def downgrade():
    op.drop_index("ix_users_username_skeleton", table_name="users")
    op.drop_column("users", "username_skeleton")
    op.drop_column("threads", "merged_post_id")
    op.drop_column("threads", "lock_reason")
