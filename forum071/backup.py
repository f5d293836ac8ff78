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
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import click
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from flask.cli import with_appcontext
from psycopg.conninfo import make_conninfo
from sqlalchemy import func, inspect, select, table, text
from sqlalchemy.engine import URL

from .extensions import db
from .models import Post, User

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
# The search index's accent folding (migration 0004): an extension, outside the forum's schema.
PG_EXTENSIONS = ("unaccent",)
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
            _backup_postgres(_postgres_target(), partial)
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
        _restore_postgres(_postgres_target(), file, confirmed=yes)
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


# PostgreSQL --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostgresTarget:
    """How the client tools reach the configured database, and the forum's schema there."""

    conninfo: str
    env: dict[str, str]
    schema: str

    @property
    def quoted_schema(self) -> str:
        return '"' + self.schema.replace('"', '""') + '"'


def _postgres_target() -> PostgresTarget:
    url: URL = db.engine.url
    # The URL's query holds libpq keywords (options, sslmode, ...), as psycopg passes them.
    keywords = {key: value for key, value in url.query.items() if isinstance(value, str)}
    keywords.update(dbname=url.database, host=url.host, port=url.port, user=url.username)
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)  # not on the command line, where ps shows it
    conninfo = make_conninfo("", **{k: v for k, v in keywords.items() if v is not None})
    return PostgresTarget(conninfo=conninfo, env=env, schema=_forum_schema())


def _forum_schema() -> str:
    """The schema the forum's tables live in: the first of the search_path (options=-c...)."""
    with db.engine.connect() as connection:
        setting = connection.scalar(text("SHOW search_path"))
        user = connection.scalar(text("SELECT current_user"))
        schemas = set(connection.scalars(text("SELECT nspname FROM pg_namespace")))
    for entry in (part.strip() for part in setting.split(",")):
        if entry == '"$user"':
            if user in schemas:
                return user
            continue
        if entry.startswith('"') and entry.endswith('"'):
            return entry[1:-1].replace('""', '"')
        if entry:
            return entry.lower()
    return "public"


def _require(tool: str) -> None:
    if shutil.which(tool) is None:
        raise click.ClickException(
            f"{tool} is not installed: install PostgreSQL's client tools "
            "(Debian: postgresql-client) of the server's major version or newer."
        )


def _run(command: list[str], target: PostgresTarget, **kwargs) -> subprocess.CompletedProcess:
    _require(command[0])
    return subprocess.run(command, env=target.env, check=False, **kwargs)  # noqa: S603


def _backup_postgres(target: PostgresTarget, file: Path) -> None:
    command = ["pg_dump", "--format=custom", f"--schema={target.quoted_schema}", "--no-comments"]
    command += [f"--extension={name}" for name in PG_EXTENSIONS]
    with file.open("wb") as output:
        result = _run(
            [*command, f"--dbname={target.conninfo}"], target, stdout=output, stderr=subprocess.PIPE
        )
    if result.returncode != 0:
        raise click.ClickException(f"pg_dump failed: {result.stderr.decode(errors='replace')}")


TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (?:DATA )?(\S+) (\S+) ")


def _dump_tables(target: PostgresTarget, file: Path) -> tuple[set[str], set[str]]:
    """The schemas and the table names in a dump's table of contents."""
    result = _run(["pg_restore", "--list", str(file)], target, capture_output=True, text=True)
    if result.returncode != 0:
        raise click.ClickException(f"{file} cannot be read: {result.stderr.strip()}")
    found = [TOC_TABLE.match(line) for line in result.stdout.splitlines()]
    return {m.group(1) for m in found if m}, {m.group(2) for m in found if m}


def _dump_revision(target: PostgresTarget, file: Path) -> str | None:
    result = _run(
        ["pg_restore", "--data-only", "--table=alembic_version", "--file=-", str(file)],
        target,
        capture_output=True,
        text=True,
    )
    lines = result.stdout.splitlines()
    for number, line in enumerate(lines[:-1]):
        if line.startswith("COPY ") and lines[number + 1] != "\\.":
            return lines[number + 1].strip()
    return None


def _restore_postgres(target: PostgresTarget, file: Path, *, confirmed: bool) -> None:
    schemas, tables = _dump_tables(target, file)
    if schemas != {target.schema}:
        raise click.ClickException(
            f"The backup holds the schema(s) {', '.join(sorted(schemas)) or 'none'}; the "
            f"configured database uses {target.schema!r}. Restore it where it was made."
        )
    _check_revision(_dump_revision(target, file))
    if "cache_generation" not in tables:
        raise click.ClickException(NO_GENERATION)
    _refuse_without_confirmation(confirmed, target.schema)
    has_generation = "cache_generation" in _present_tables(target.schema)
    # Idle pooled connections hold no locks, but a session's open transaction would make the
    # DROP SCHEMA below wait for ever.
    db.session.remove()
    db.engine.dispose()
    schema = target.quoted_schema  # an identifier, quoted: the statements below bind no input
    before = [
        "SET client_min_messages = warning;",
        "CREATE TEMP TABLE forum071_restore_generation (value integer) ON COMMIT DROP;",
    ]
    if has_generation:
        # Locks the counter's row: no write can count between here and the commit.
        current = f"SELECT value FROM {schema}.cache_generation WHERE id = 1 FOR UPDATE"  # noqa: S608
        before.append(f"INSERT INTO pg_temp.forum071_restore_generation {current};")
    before.append(f"DROP SCHEMA IF EXISTS {schema} CASCADE;")
    live = "coalesce((SELECT max(value) FROM pg_temp.forum071_restore_generation), 0)"
    after = (
        f"INSERT INTO {schema}.cache_generation AS kept (id, value) VALUES (1, {live} + 1) "  # noqa: S608
        f"ON CONFLICT (id) DO UPDATE SET value = greatest(kept.value, {live}) + 1;"
    )
    _apply_in_one_transaction(target, file, "\n".join(before), after)


def _apply_in_one_transaction(target: PostgresTarget, file: Path, before: str, after: str) -> None:
    """Feed BEFORE, the backup as SQL (pg_restore) and AFTER to one psql transaction.

    psql commits when its input ends; if pg_restore fails halfway (a truncated file), psql is
    killed before that, and the server rolls the transaction back.
    """
    _require("pg_restore")
    _require("psql")
    with tempfile.TemporaryFile() as restore_errors, tempfile.TemporaryFile() as psql_errors:
        psql = subprocess.Popen(  # noqa: S603
            [  # noqa: S607
                "psql",
                "--no-psqlrc",
                "--quiet",
                "--single-transaction",
                "--set=ON_ERROR_STOP=1",
                f"--dbname={target.conninfo}",
                "--file=-",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_errors,
            env=target.env,
        )
        restore = subprocess.Popen(  # noqa: S603
            ["pg_restore", "--no-owner", "--file=-", str(file)],  # noqa: S607
            stdout=subprocess.PIPE,
            stderr=restore_errors,
            env=target.env,
        )
        complete = False
        try:
            psql.stdin.write(before.encode() + b"\n")
            shutil.copyfileobj(restore.stdout, psql.stdin)
            if restore.wait() == 0:
                psql.stdin.write(b"\n" + after.encode() + b"\n")
                complete = True
        except BrokenPipeError:
            pass  # psql stopped at an error; its message says which
        finally:
            restore.stdout.close()  # a pg_restore still writing stops
            restore.wait()
            if not complete:
                psql.kill()
            with suppress(BrokenPipeError):
                psql.stdin.close()
            psql.wait()
        if restore.returncode != 0 or psql.returncode != 0:
            message = _read(restore_errors) if restore.returncode else _read(psql_errors)
            raise click.ClickException(f"The restore failed and changed nothing: {message}")


def _read(errors: IO[bytes]) -> str:
    errors.seek(0)
    return errors.read().decode(errors="replace").strip()
