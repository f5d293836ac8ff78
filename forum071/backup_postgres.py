"""PostgreSQL backups through the client tools: pg_dump's custom format of the forum's schema,
restored through pg_restore and psql in one transaction (see forum071/backup.py)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import click
from psycopg.conninfo import make_conninfo
from sqlalchemy import text
from sqlalchemy.engine import URL

from .extensions import db

# The search index's accent folding (migration 0004): an extension, outside the forum's schema.
EXTENSIONS = ("unaccent",)


@dataclass(frozen=True)
class PostgresTarget:
    """How the client tools reach the configured database, and the forum's schema there."""

    conninfo: str
    env: dict[str, str]
    schema: str

    @property
    def quoted_schema(self) -> str:
        return '"' + self.schema.replace('"', '""') + '"'


def target() -> PostgresTarget:
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


def backup(target: PostgresTarget, file: Path) -> None:
    command = ["pg_dump", "--format=custom", f"--schema={target.quoted_schema}", "--no-comments"]
    command += [f"--extension={name}" for name in EXTENSIONS]
    with file.open("wb") as output:
        result = _run(
            [*command, f"--dbname={target.conninfo}"], target, stdout=output, stderr=subprocess.PIPE
        )
    if result.returncode != 0:
        raise click.ClickException(f"pg_dump failed: {result.stderr.decode(errors='replace')}")


TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (?:DATA )?(\S+) (\S+) ")


def dump_tables(target: PostgresTarget, file: Path) -> tuple[set[str], set[str]]:
    """The schemas and the table names in a dump's table of contents."""
    result = _run(["pg_restore", "--list", str(file)], target, capture_output=True, text=True)
    if result.returncode != 0:
        raise click.ClickException(f"{file} cannot be read: {result.stderr.strip()}")
    found = [TOC_TABLE.match(line) for line in result.stdout.splitlines()]
    return {m.group(1) for m in found if m}, {m.group(2) for m in found if m}


def dump_revision(target: PostgresTarget, file: Path) -> str | None:
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


def _framing(schema: str, has_generation: bool) -> tuple[str, str]:
    """The statements before and after the backup's. SCHEMA is a quoted identifier: they bind
    no input."""
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
    return "\n".join(before), after


def restore(target: PostgresTarget, file: Path, *, has_generation: bool) -> None:
    """Replace the schema with the backup's in one psql transaction: the schema dropped, the
    backup as SQL (pg_restore), the page-cache generation above the old and the backup's.

    psql commits when its input ends; if pg_restore fails halfway (a truncated file), psql is
    killed before that, and the server rolls the transaction back.
    """
    before, after = _framing(target.quoted_schema, has_generation)
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
        pg_restore = subprocess.Popen(  # noqa: S603
            ["pg_restore", "--no-owner", "--file=-", str(file)],  # noqa: S607
            stdout=subprocess.PIPE,
            stderr=restore_errors,
            env=target.env,
        )
        complete = False
        try:
            psql.stdin.write(before.encode() + b"\n")
            shutil.copyfileobj(pg_restore.stdout, psql.stdin)
            if pg_restore.wait() == 0:
                psql.stdin.write(b"\n" + after.encode() + b"\n")
                complete = True
        except BrokenPipeError:
            pass  # psql stopped at an error; its message says which
        finally:
            pg_restore.stdout.close()  # a pg_restore still writing stops
            pg_restore.wait()
            if not complete:
                psql.kill()
            with suppress(BrokenPipeError):
                psql.stdin.close()
            psql.wait()
        if pg_restore.returncode != 0 or psql.returncode != 0:
            message = _read(restore_errors) if pg_restore.returncode else _read(psql_errors)
            raise click.ClickException(f"The restore failed and changed nothing: {message}")


def _read(errors: IO[bytes]) -> str:
    errors.seek(0)
    return errors.read().decode(errors="replace").strip()
