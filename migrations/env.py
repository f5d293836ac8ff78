"""Alembic environment for Flask-Migrate: the app's engine and metadata."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
# Keep the application's own loggers working after a migration runs in-process (tests, CLI).
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
engine = target_db.engine
config.set_main_option(
    "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
)


def render_item(type_, obj, autogen_context):
    """Write the app's UTCDateTime as a plain timezone-aware DateTime: migrations stay
    independent of application code."""
    if type_ == "type" and type(obj).__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False


# Full-text search lives outside the models (migration 0004): the SQLite FTS5 table with its
# shadow tables, and PostgreSQL's tsvector column and its index, all kept up by triggers.
SEARCH_OBJECTS = ("post_search", "search_vector", "ix_posts_search_vector")


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Leave the search objects out of autogenerate, so `flask db check` sees no drift."""
    return not (name and name.startswith(SEARCH_OBJECTS))


def _options() -> dict:
    return {
        "target_metadata": target_db.metadata,
        "compare_type": True,
        "render_item": render_item,
        "include_object": include_object,
        # SQLite cannot ALTER most things; batch mode copies the table instead.
        "render_as_batch": engine.dialect.name == "sqlite",
        **current_app.extensions["migrate"].configure_args,
    }


def run_migrations_offline() -> None:
    url = config.get_main_option("sqlalchemy.url")
    context.configure(url=url, literal_binds=True, **_options())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    options = _options()
    options.setdefault("process_revision_directives", process_revision_directives)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table by dropping it; with foreign keys on, SQLite would
            # first cascade that drop into every referencing row (all posts of all threads).
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            # End the transaction the PRAGMA opened, so that Alembic commits its own.
            connection.commit()
        try:
            context.configure(connection=connection, **options)
            with context.begin_transaction():
                context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration left broken foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                connection.rollback()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
