"""What the forum does when its database fails: end the session safely, tell the causes apart.

A database that stops mid-request leaves a connection that cannot even roll back. The
session's end (Flask-SQLAlchemy's teardown, the error handlers' rollback) must not raise
then, or the server answers with its own bare "Internal Server Error": the failure is
logged, the connection is invalidated (the pool opens a fresh one next time) and the
response stays the forum's own.

A database that answers but cannot store anything (a full disk; SQLite ``SQLITE_FULL`` or a
read-only file, PostgreSQL ``53100 disk_full`` / "could not extend file") is another fault
than one that does not answer, with another message; ``/healthz`` reports it too.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time

from flask import Flask, current_app, has_app_context
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, Session, scoped_session

logger = logging.getLogger(__name__)

DOWN = "down"
FULL = "full"
READ_ONLY = "read-only"

# PostgreSQL SQLSTATEs: disk_full; and read_only_sql_transaction (a standby, or
# default_transaction_read_only set by an operator to stop writes on purpose).
POSTGRES_STATES = {"53100": FULL, "25006": READ_ONLY}
SQLITE_CODES = {sqlite3.SQLITE_FULL: FULL, sqlite3.SQLITE_READONLY: READ_ONLY}
MESSAGES = (
    ("database or disk is full", FULL),
    ("could not extend file", FULL),
    ("no space left on device", FULL),
    ("disk full", FULL),
    ("readonly database", READ_ONLY),
    ("read-only transaction", READ_ONLY),
)
# How long after a write was refused for want of space /healthz keeps saying so, unless a
# write has succeeded since: a full disk is only found by writing.
REFUSED_WRITE_REMEMBERED_SECONDS = 60.0
EXTENSION_KEY = "forum071_refused_writes"


def failure_kind(error: BaseException) -> str:
    """``full`` or ``read-only`` when the database answered but could not store; else ``down``."""
    original = getattr(error, "orig", None) or error
    state = getattr(original, "sqlstate", None)
    if state in POSTGRES_STATES:
        return POSTGRES_STATES[state]
    code = getattr(original, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in SQLITE_CODES:
        return SQLITE_CODES[code & 0xFF]
    text = str(original).lower()
    for fragment, kind in MESSAGES:
        if fragment in text:
            return kind
    return DOWN


class RefusedWrites:
    """When this app last saw a write refused for want of space, per process (per worker).

    Set by the error handler; cleared when a transaction that wrote something commits.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kind: str | None = None
        self._at = 0.0

    def note(self, kind: str) -> None:
        with self._lock:
            self._kind, self._at = kind, time.monotonic()

    def clear(self) -> None:
        with self._lock:
            self._kind = None

    def recent(self) -> str | None:
        with self._lock:
            if self._kind and time.monotonic() - self._at < REFUSED_WRITE_REMEMBERED_SECONDS:
                return self._kind
            return None


def refused_writes() -> RefusedWrites:
    return current_app.extensions[EXTENSION_KEY]


def note_failure(error: BaseException) -> str:
    """Classify a database error and remember a refused write; returns its kind."""
    kind = failure_kind(error)
    if kind != DOWN:
        refused_writes().note(kind)
    return kind


WROTE_KEY = "forum071_transaction_wrote"


def transaction_wrote(session: Session) -> bool:
    """Whether the session's current transaction has written anything (flushed or by a
    statement): the page cache counts such a commit, and its success clears a refused write."""
    return bool(session.info.get(WROTE_KEY))


def _note_flush(session: Session, flush_context) -> None:
    # Still the state from before this flush: what it wrote. An attribute set to the value it
    # already had is "dirty" yet writes nothing.
    if (
        session.new
        or session.deleted
        or any(session.is_modified(instance) for instance in session.dirty)
    ):
        session.info[WROTE_KEY] = True


def _note_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE_KEY] = True


def _committed(session: Session) -> None:
    if session.info.pop(WROTE_KEY, False) and has_app_context():
        state = current_app.extensions.get(EXTENSION_KEY)
        if state is not None:
            state.clear()


def _rolled_back(session: Session, previous_transaction) -> None:
    # A savepoint's rollback leaves the outer transaction's writes standing.
    if not getattr(previous_transaction, "nested", False):
        session.info.pop(WROTE_KEY, None)


def end_session(session: Session | scoped_session, *, remove: bool = False) -> None:
    """Roll back (and with ``remove``, close) a session without ever raising.

    A connection that fails to roll back is dead or unusable: it is invalidated, so the pool
    discards it, and the failure is logged once as a warning.
    """
    try:
        if remove and isinstance(session, scoped_session):
            session.remove()
        else:
            session.rollback()
        return
    except (SQLAlchemyError, OSError) as error:
        first_line = (str(error).splitlines() or [type(error).__name__])[0]
        logger.warning("ending the database session failed; connection discarded: %s", first_line)
    current = session() if isinstance(session, scoped_session) else session
    # The connection is gone already; invalidating it only tells the pool not to reuse it.
    with contextlib.suppress(Exception):
        current.invalidate()
    if isinstance(session, scoped_session):
        session.registry.clear()


class ForumSQLAlchemy(SQLAlchemy):
    """Flask-SQLAlchemy whose end-of-request teardown cannot raise (see the module doc)."""

    def _teardown_session(self, exc: BaseException | None) -> None:
        end_session(self.session, remove=True)


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = RefusedWrites()
    for name, listener in (
        ("after_flush", _note_flush),
        ("do_orm_execute", _note_statement),
        ("after_commit", _committed),
        ("after_soft_rollback", _rolled_back),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
