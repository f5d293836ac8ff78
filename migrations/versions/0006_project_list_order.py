"""list indexes: project pages in link order, deep pages and open questions from indexes

Revision ID: 0006
Revises: 0005

A project page lists the project's threads by last activity. With the time only on threads,
the database had to find every thread of the project and sort them on each request, which
grows with the forum. The link table now carries a copy of threads.last_post_at, indexed by
(project_id, last_post_at), so a project page reads its twenty rows in order like a theme page.

Triggers keep the copy in step inside the transaction of each write (a new link, and every
change of a thread's last activity: replies, approvals, merges, splits, deletions), so no
service code has to remember it. Beware for later SQLite migrations: batch mode rebuilds of
thread_projects or threads drop these triggers; such a migration must create them again.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = (
    """CREATE TRIGGER thread_projects_last_post_at_on_link AFTER INSERT ON thread_projects
    BEGIN
        UPDATE thread_projects
        SET last_post_at = (SELECT last_post_at FROM threads WHERE threads.id = new.thread_id)
        WHERE thread_id = new.thread_id AND project_id = new.project_id;
    END""",
    """CREATE TRIGGER thread_projects_last_post_at_on_thread AFTER UPDATE OF last_post_at
    ON threads BEGIN
        UPDATE thread_projects SET last_post_at = new.last_post_at WHERE thread_id = new.id;
    END""",
)
SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS thread_projects_last_post_at_on_thread",
    "DROP TRIGGER IF EXISTS thread_projects_last_post_at_on_link",
)

POSTGRES_TRIGGERS = (
    """CREATE FUNCTION forum071_link_last_post_at() RETURNS trigger AS $$
    BEGIN
        NEW.last_post_at := (SELECT last_post_at FROM threads WHERE threads.id = NEW.thread_id);
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER thread_projects_last_post_at_on_link BEFORE INSERT ON thread_projects
    FOR EACH ROW EXECUTE FUNCTION forum071_link_last_post_at()""",
    """CREATE FUNCTION forum071_thread_last_post_at_to_links() RETURNS trigger AS $$
    BEGIN
        UPDATE thread_projects SET last_post_at = NEW.last_post_at WHERE thread_id = NEW.id;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER thread_projects_last_post_at_on_thread AFTER UPDATE OF last_post_at
    ON threads FOR EACH ROW WHEN (OLD.last_post_at IS DISTINCT FROM NEW.last_post_at)
    EXECUTE FUNCTION forum071_thread_last_post_at_to_links()""",
)
POSTGRES_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS thread_projects_last_post_at_on_thread ON threads",
    "DROP FUNCTION IF EXISTS forum071_thread_last_post_at_to_links()",
    "DROP TRIGGER IF EXISTS thread_projects_last_post_at_on_link ON thread_projects",
    "DROP FUNCTION IF EXISTS forum071_link_last_post_at()",
)


def upgrade():
    with op.batch_alter_table("thread_projects") as batch_op:
        batch_op.add_column(sa.Column("last_post_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE thread_projects SET last_post_at = "
        "(SELECT last_post_at FROM threads WHERE threads.id = thread_projects.thread_id)"
    )
    op.create_index(
        "ix_thread_projects_project_id_last_post_at",
        "thread_projects",
        ["project_id", "last_post_at", "thread_id"],
    )
    # The listed (published) threads in activity order, all and per theme, so that a deep
    # page of a list skips index entries only.
    listed = sa.text("state = 'published'")
    op.create_index(
        "ix_threads_listed_last_post_at",
        "threads",
        ["last_post_at", "id"],
        sqlite_where=listed,
        postgresql_where=listed,
    )
    op.create_index(
        "ix_threads_listed_theme_id_last_post_at",
        "threads",
        ["theme_id", "last_post_at", "id"],
        sqlite_where=listed,
        postgresql_where=listed,
    )
    # Only the theme's open questions (unanswered, not closed) in activity order.
    open_question = "kind = 'question' AND accepted_post_id IS NULL AND closed_at IS NULL"
    op.create_index(
        "ix_threads_open_questions",
        "threads",
        ["theme_id", "last_post_at", "id"],
        sqlite_where=sa.text(open_question),
        postgresql_where=sa.text(open_question),
    )
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_TRIGGERS if dialect == "sqlite" else POSTGRES_TRIGGERS:
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_DOWNGRADE if dialect == "sqlite" else POSTGRES_DOWNGRADE:
        op.execute(statement)
    op.drop_index("ix_threads_open_questions", table_name="threads")
    op.drop_index("ix_threads_listed_theme_id_last_post_at", table_name="threads")
    op.drop_index("ix_threads_listed_last_post_at", table_name="threads")
    op.drop_index("ix_thread_projects_project_id_last_post_at", table_name="thread_projects")
    with op.batch_alter_table("thread_projects") as batch_op:
        batch_op.drop_column("last_post_at")
