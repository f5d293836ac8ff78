"""edits: titles and redactions in the edit history, and the member's posting lock

Revision ID: 0009_edits
Revises: 0008_threadmod

- ``post_revisions.title``: an opening post's versions keep their thread's title, so a title
  correction is part of the history.
- ``post_revisions.redaction``: a moderator's edit that takes personal data out; the versions
  before it are shown to moderators only.
- ``users.last_posted_at``: written first when a member posts, which serialises their own
  posts, so a double click makes one post even without the form's one-time token.

Only columns are added (ALTER TABLE ADD COLUMN on SQLite too): ``posts`` is not rebuilt, so
its search triggers stay as they are.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_edits"
down_revision = "0008_threadmod"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("post_revisions") as batch_op:
        batch_op.add_column(sa.Column("title", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("redaction", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Titles could not be changed before: every kept version of an opening post had the title
    # its thread has now.
    op.execute(
        "UPDATE post_revisions SET title = ("
        "SELECT threads.title FROM posts JOIN threads ON threads.id = posts.thread_id "
        "WHERE posts.id = post_revisions.post_id AND posts.number = 1)"
    )
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("last_posted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("last_posted_at")
    with op.batch_alter_table("post_revisions") as batch_op:
        batch_op.drop_column("redaction")
        batch_op.drop_column("title")
