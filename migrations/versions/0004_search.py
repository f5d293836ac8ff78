"""full-text search over posts

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 10:00:00

Each post is one search document; the opening post (number 1) also carries its thread's title,
weighted above the body. Database triggers keep the index in step inside the transaction of
every write (new post, edit, moderation, merge, split, renumbering, delete, retitled thread,
bulk imports), so no service code has to remember it.

- SQLite: an FTS5 table ``post_search`` (rowid = posts.id) with its own copy of the text and
  the ``unicode61 remove_diacritics 2`` tokenizer (``cafe`` finds ``café``).
- PostgreSQL: a ``posts.search_vector`` tsvector with a GIN index, made from the configurations
  ``forum071_dutch`` (Dutch stemming) and ``forum071_simple`` (names and codes as written), both
  through ``unaccent``.

Beware for later SQLite migrations: batch mode rebuilds ``posts`` by dropping it, which drops
these triggers as well; such a migration must create them again (see _create_sqlite_triggers).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# The title a post's document carries: its thread's, for the opening post only.
_SQLITE_TITLE = (
    "CASE WHEN new.number = 1 THEN "
    "coalesce((SELECT title FROM threads WHERE threads.id = new.thread_id), '') ELSE '' END"
)

SQLITE_STATEMENTS = (
    "CREATE VIRTUAL TABLE post_search USING fts5("
    "title, body, tokenize = 'unicode61 remove_diacritics 2')",
    f"""CREATE TRIGGER post_search_after_insert AFTER INSERT ON posts BEGIN
        INSERT INTO post_search (rowid, title, body) VALUES (new.id, {_SQLITE_TITLE}, new.body);
    END""",
    f"""CREATE TRIGGER post_search_after_update AFTER UPDATE OF body, number, thread_id ON posts
    BEGIN
        DELETE FROM post_search WHERE rowid = old.id;
        INSERT INTO post_search (rowid, title, body) VALUES (new.id, {_SQLITE_TITLE}, new.body);
    END""",
    """CREATE TRIGGER post_search_after_delete AFTER DELETE ON posts BEGIN
        DELETE FROM post_search WHERE rowid = old.id;
    END""",
    """CREATE TRIGGER post_search_after_thread_title AFTER UPDATE OF title ON threads BEGIN
        UPDATE post_search SET title = new.title
        WHERE rowid = (SELECT id FROM posts WHERE thread_id = new.id AND number = 1);
    END""",
    # Existing posts.
    """INSERT INTO post_search (rowid, title, body)
        SELECT posts.id, CASE WHEN posts.number = 1 THEN threads.title ELSE '' END, posts.body
        FROM posts JOIN threads ON threads.id = posts.thread_id""",
)

SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS post_search_after_thread_title",
    "DROP TRIGGER IF EXISTS post_search_after_delete",
    "DROP TRIGGER IF EXISTS post_search_after_update",
    "DROP TRIGGER IF EXISTS post_search_after_insert",
    "DROP TABLE IF EXISTS post_search",
)


def _postgres_statements(unaccent_schema: str) -> tuple[str, ...]:
    unaccent = f'"{unaccent_schema}".unaccent'
    return (
        # Copies of the built-in configurations (which may not be altered) whose word types run
        # through unaccent first; ascii words need no unaccenting.
        "CREATE TEXT SEARCH CONFIGURATION forum071_dutch (COPY = pg_catalog.dutch)",
        "ALTER TEXT SEARCH CONFIGURATION forum071_dutch "
        f"ALTER MAPPING FOR word, hword, hword_part WITH {unaccent}, dutch_stem",
        "CREATE TEXT SEARCH CONFIGURATION forum071_simple (COPY = pg_catalog.simple)",
        "ALTER TEXT SEARCH CONFIGURATION forum071_simple "
        f"ALTER MAPPING FOR word, hword, hword_part WITH {unaccent}, simple",
        "ALTER TABLE posts ADD COLUMN search_vector tsvector",
        # One definition of a document, used by both triggers and the backfill.
        """CREATE FUNCTION forum071_post_document(title text, body text) RETURNS tsvector
        LANGUAGE sql STABLE AS $$
            SELECT setweight(to_tsvector('forum071_dutch', coalesce(title, ''))
                             || to_tsvector('forum071_simple', coalesce(title, '')), 'A')
                || setweight(to_tsvector('forum071_dutch', coalesce(body, ''))
                             || to_tsvector('forum071_simple', coalesce(body, '')), 'B')
        $$""",
        """CREATE FUNCTION forum071_posts_search_vector() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            thread_title text := '';
        BEGIN
            IF NEW.number = 1 THEN
                SELECT title INTO thread_title FROM threads WHERE id = NEW.thread_id;
            END IF;
            NEW.search_vector := forum071_post_document(thread_title, NEW.body);
            RETURN NEW;
        END
        $$""",
        """CREATE TRIGGER posts_search_vector
        BEFORE INSERT OR UPDATE OF body, number, thread_id ON posts
        FOR EACH ROW EXECUTE FUNCTION forum071_posts_search_vector()""",
        """CREATE FUNCTION forum071_threads_search_title() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE posts SET search_vector = forum071_post_document(NEW.title, posts.body)
            WHERE posts.thread_id = NEW.id AND posts.number = 1;
            RETURN NULL;
        END
        $$""",
        """CREATE TRIGGER threads_search_title AFTER UPDATE OF title ON threads
        FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title)
        EXECUTE FUNCTION forum071_threads_search_title()""",
        # Existing posts.
        """UPDATE posts SET search_vector = forum071_post_document(
            CASE WHEN posts.number = 1 THEN threads.title ELSE '' END, posts.body)
        FROM threads WHERE threads.id = posts.thread_id""",
        "CREATE INDEX ix_posts_search_vector ON posts USING gin (search_vector)",
    )


POSTGRES_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS threads_search_title ON threads",
    "DROP TRIGGER IF EXISTS posts_search_vector ON posts",
    "DROP FUNCTION IF EXISTS forum071_threads_search_title()",
    "DROP FUNCTION IF EXISTS forum071_posts_search_vector()",
    "DROP INDEX IF EXISTS ix_posts_search_vector",
    "ALTER TABLE posts DROP COLUMN IF EXISTS search_vector",
    "DROP FUNCTION IF EXISTS forum071_post_document(text, text)",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS forum071_simple",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS forum071_dutch",
    # The unaccent extension stays: it is database-wide and other schemas may use it.
)


def _unaccent_schema() -> str:
    """Install unaccent (a trusted extension) once per database, in public, so that every
    schema of the database finds it; answer the schema it lives in."""
    bind = op.get_bind()
    bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public")
    return bind.exec_driver_sql(
        "SELECT nspname FROM pg_extension JOIN pg_namespace ON pg_namespace.oid = extnamespace "
        "WHERE extname = 'unaccent'"
    ).scalar_one()


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        statements = SQLITE_STATEMENTS
    elif dialect == 'postgresql':
        statements = _postgres_statements(_unaccent_schema())
    else:
        raise NotImplementedError(f"search needs SQLite or PostgreSQL, not {dialect}")
    for statement in statements:
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    statements = SQLITE_DOWNGRADE if dialect == 'sqlite' else POSTGRES_DOWNGRADE
    for statement in statements:
        op.execute(statement)
