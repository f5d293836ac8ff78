"""Backups and restoring: ``flask backup FILE`` and ``flask restore FILE``.

SQLite: the online backup API copies the database page by page under a read lock, so a
backup is consistent while the forum serves (WAL lets writers go on). PostgreSQL: ``pg_dump``'s
custom format of the forum's schema (the first one of the connection's search_path, ``public``
by default), restored in one transaction through ``pg_restore`` and ``psql``: either the whole
backup is in place or nothing changed.

A restore replaces everything in the configured database; over a database that holds forum
data it asks for ``--yes``. It sets the visitors' page-cache generation above both the old and
the backup's value, so no worker keeps serving a page it rendered before the restore. The search
index comes along: it is part of the database (SQLite's FTS5 table, PostgreSQL's tsvector
column), filled by triggers that a backup carries.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, inspect, select, table, text

from . import backup_postgres as postgres
from .extensions import db
from .models import Post, User

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
# The page cache's counter is bookkeeping: a migrated, unseeded database holds only it.
BOOKKEEPING_TABLES = frozenset({"cache_generation"})
NO_GENERATION = "The backup has no cache_generation table: it is not a backup of this forum."


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def backup_command(file: Path) -> None:
    """Write a consistent copy of the database to FILE (safe while the forum serves)."""
    engine = _engine_kind()
    with _private_replacement(file) as partial:
        if engine == "sqlite":
            _backup_sqlite(partial)
        else:
            postgres.backup(postgres.target(), partial)
    click.echo(f"Backed up {_summary()} to {file}.")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace a database that already holds forum data.")
@with_appcontext
def restore_command(file: Path, yes: bool) -> None:
    """Replace the configured database with the backup in FILE."""
    engine = _engine_kind()
    expected = PG_DUMP_MAGIC if engine == "postgresql" else SQLITE_MAGIC
    with file.open("rb") as backup:
        magic = backup.read(len(expected))
    if magic != expected:
        kind = "a pg_dump custom-format file" if engine == "postgresql" else "an SQLite database"
        raise click.ClickException(
            f"{file} is not a forum071 backup for this database ({engine}): expected {kind}."
        )
    if engine == "sqlite":
        _restore_sqlite(file, confirmed=yes)
    else:
        _restore_postgres(file, confirmed=yes)
    db.engine.dispose()  # pooled connections may hold plans or pages of the old database
    click.echo(f"Restored {_summary()} from {file}.{_revision_note(_current_revision())}")


def _engine_kind() -> str:
    name = db.engine.dialect.name
    if name == "sqlite" and not db.engine.url.database:
        raise click.ClickException("An in-memory SQLite database cannot be backed up or restored.")
    if name not in ("sqlite", "postgresql"):
        raise click.ClickException(f"Backups need SQLite or PostgreSQL, not {name}.")
    return name


@contextmanager
def _private_replacement(file: Path) -> Iterator[Path]:
    """A new file beside FILE, readable by its owner only (a backup holds password hashes and
    email addresses), that replaces FILE once the block finished without error."""
    directory = file.resolve().parent
    if not directory.is_dir():
        raise click.ClickException(f"The folder {directory} does not exist.")
    descriptor, name = tempfile.mkstemp(prefix=f".{file.name}.", suffix=".partial", dir=directory)
    os.close(descriptor)
    partial = Path(name)
    try:
        yield partial
        partial.replace(file)
    finally:
        partial.unlink(missing_ok=True)


def _summary() -> str:
    with db.engine.connect() as connection:
        users = connection.scalar(select(func.count()).select_from(User))
        posts = connection.scalar(select(func.count()).select_from(Post))
    return f"{db.engine.url.render_as_string()} ({users} users, {posts} posts)"


def _present_tables(schema: str | None = None) -> set[str]:
    return set(inspect(db.engine).get_table_names(schema=schema))


def _refuse_without_confirmation(confirmed: bool, schema: str | None = None) -> None:
    """Ask for --yes where any of the forum's tables in the configured database has a row."""
    if confirmed:
        return
    names = (_present_tables(schema) & set(db.metadata.tables)) - BOOKKEEPING_TABLES
    with db.engine.connect() as connection:
        for name in sorted(names):
            query = select(text("1")).select_from(table(name, schema=schema)).limit(1)
            if connection.execute(query).first():
                raise click.ClickException(
                    "The configured database already holds forum data; a restore replaces "
                    "all of it. Make a backup first if you may need it, then run again with "
                    "--yes."
                )


def _live_generation() -> int:
    if "cache_generation" not in _present_tables():
        return 0
    with db.engine.connect() as connection:
        return connection.scalar(text("SELECT value FROM cache_generation WHERE id = 1")) or 0


def _check_revision(revision: str | None) -> None:
    """Refuse a backup of a schema this code does not know (made by a newer version)."""
    if revision is None:
        raise click.ClickException("The backup has no schema version: it is not a forum database.")
    try:
        _scripts().get_revision(revision)
    except CommandError:
        raise click.ClickException(
            f"The backup's schema version {revision!r} is unknown to this version of forum071: "
            "restore it with the version that made it."
        ) from None


def _revision_note(revision: str | None) -> str:
    if revision in _scripts().get_heads():
        return ""
    return " The backup is from an older version: run `flask --app forum071 db upgrade`."


def _scripts() -> ScriptDirectory:
    return ScriptDirectory(current_app.extensions["migrate"].directory)


def _current_revision() -> str | None:
    with db.engine.connect() as connection:
        return connection.scalar(text("SELECT version_num FROM alembic_version"))


# SQLite ------------------------------------------------------------------------------------


def _backup_sqlite(target: Path) -> None:
    with db.engine.connect() as connection:
        source = connection.connection.driver_connection
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # one step: a consistent snapshot, writers wait only on WAL
            # A backup is one self-contained file, not a WAL database with side files.
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()


def _restore_sqlite(file: Path, *, confirmed: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="forum071-restore-") as folder:
        # Check and adjust a copy, never the backup itself; then copy it in with one step, so
        # the new generation arrives together with the data.
        work = sqlite3.connect(Path(folder) / "restore.sqlite")
        try:
            backup = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)
            try:
                backup.backup(work)
            except sqlite3.DatabaseError as error:
                raise click.ClickException(f"{file} cannot be read: {error}.") from None
            finally:
                backup.close()
            _check_sqlite_copy(work)
            _refuse_without_confirmation(confirmed)
            work.execute(
                "INSERT INTO cache_generation (id, value) VALUES (1, :live + 1) "
                "ON CONFLICT (id) DO UPDATE SET value = max(value, :live) + 1",
                {"live": _live_generation()},
            )
            work.commit()
            with db.engine.connect() as connection:
                work.backup(connection.connection.driver_connection)
        finally:
            work.close()


def _check_sqlite_copy(work: sqlite3.Connection) -> None:
    try:
        problems = [row[0] for row in work.execute("PRAGMA quick_check")]
        tables = {row[0] for row in work.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as error:
        raise click.ClickException(f"The backup cannot be read: {error}.") from None
    if problems != ["ok"]:
        raise click.ClickException(f"The backup is damaged: {'; '.join(problems[:5])}.")
    revision = None
    if "alembic_version" in tables:
        revision = work.execute("SELECT version_num FROM alembic_version").fetchone()
    _check_revision(revision[0] if revision else None)
    if "cache_generation" not in tables:
        raise click.ClickException(NO_GENERATION)


# PostgreSQL: the client tools live in backup_postgres.py ----------------------------------


def _restore_postgres(file: Path, *, confirmed: bool) -> None:
    target = postgres.target()
    schemas, tables = postgres.dump_tables(target, file)
    if schemas != {target.schema}:
        raise click.ClickException(
            f"The backup holds the schema(s) {', '.join(sorted(schemas)) or 'none'}; the "
            f"configured database uses {target.schema!r}. Restore it where it was made."
        )
    _check_revision(postgres.dump_revision(target, file))
    if "cache_generation" not in tables:
        raise click.ClickException(NO_GENERATION)
    _refuse_without_confirmation(confirmed, target.schema)
    has_generation = "cache_generation" in _present_tables(target.schema)
    # Idle pooled connections hold no locks, but a session's open transaction would make the
    # restore's DROP SCHEMA wait for ever.
    db.session.remove()
    db.engine.dispose()
    postgres.restore(target, file, has_generation=has_generation)
