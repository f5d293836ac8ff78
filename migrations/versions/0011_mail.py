"""outgoing mail: the outbox, bouncing addresses, notifications that were mailed

Revision ID: 0011_mail
Revises: 0010_language
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_mail"
down_revision = "0010_language"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outgoing_mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_outgoing_mails_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_mails")),
    )
    op.create_index(
        "ix_outgoing_mails_sent_at_next_attempt_at", "outgoing_mails",
        ["sent_at", "next_attempt_at"],
    )
    op.create_index(op.f("ix_outgoing_mails_user_id"), "outgoing_mails", ["user_id"])
    op.add_column("users", sa.Column("email_bouncing_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("notifications", sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("emailed_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email_bouncing_at")
    op.drop_index(op.f("ix_outgoing_mails_user_id"), table_name="outgoing_mails")
    op.drop_index("ix_outgoing_mails_sent_at_next_attempt_at", table_name="outgoing_mails")
    op.drop_table("outgoing_mails")
