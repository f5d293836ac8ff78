"""A liveness check for load balancers and monitoring."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from . import database
from .extensions import db

bp = Blueprint("health", __name__)

# Less free space than this where the SQLite file lives and the next write may fail.
MIN_FREE_BYTES = 1024 * 1024


@bp.get("/healthz")
def healthz():
    """Report whether the database answers, and whether it can store anything."""
    try:
        db.session.execute(text("SELECT 1"))
        storage = _storage_problem()
    except SQLAlchemyError:
        database.end_session(db.session)
        current_app.logger.warning("health check: database does not answer")
        return _unavailable(database.DOWN)
    if storage is not None:
        current_app.logger.warning("health check: database cannot store (%s)", storage)
        return _unavailable(database.READ_ONLY)
    return jsonify(status="ok", database="up")


def _unavailable(state: str):
    response = jsonify(status="unavailable", database=state)
    response.status_code = 503
    response.headers["Retry-After"] = "30"
    return response


def _storage_problem() -> str | None:
    """``full`` or ``read-only`` when writes cannot succeed, found without writing.

    A write refused for want of space in the last minute counts (a full disk shows itself
    only to writes); so do, on SQLite, a file at its page limit with no free pages or a disk
    with almost no room left, and on PostgreSQL a read-only server.
    """
    recent = database.refused_writes().recent()
    if recent is not None:
        return recent
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        pages = connection.exec_driver_sql(
            "SELECT page_count, max_page_count, freelist_count "
            "FROM pragma_page_count(), pragma_max_page_count(), pragma_freelist_count()"
        ).one()
        if pages[0] >= pages[1] and pages[2] == 0:
            return database.FULL
        path = connection.engine.url.database
        if path and path != ":memory:" and Path(path).exists():
            stats = os.statvfs(Path(path).resolve().parent)
            if stats.f_bavail * stats.f_frsize < MIN_FREE_BYTES:
                return database.FULL
    elif connection.dialect.name == "postgresql":
        read_only = connection.exec_driver_sql("SHOW transaction_read_only").scalar()
        if read_only == "on":
            return database.READ_ONLY
    return None
