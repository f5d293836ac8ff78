"""Fixtures: an app on a migrated database, a CSRF-aware client, factories, a query counter.

The database is SQLite in a temporary folder unless FORUM071_TEST_DATABASE_URL names another
(CI also runs the suite on PostgreSQL). The schema is built once per run with the real
migrations; each test starts from empty tables with the seed themes and projects.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from forum071 import create_app
from forum071.extensions import db
from tests import factories

POSTGRES_URL_ENV = "FORUM071_TEST_DATABASE_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TEST_SCHEMA = "forum071_test"

CSRF_FIELD = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def postgres_url(schema: str) -> str:
    """A URL for the test PostgreSQL database whose connections use their own schema."""
    base = os.environ.get(POSTGRES_URL_ENV) or DEFAULT_POSTGRES_URL
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def postgres_available() -> bool:
    url = os.environ.get(POSTGRES_URL_ENV) or DEFAULT_POSTGRES_URL
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 2})
        with engine.connect():
            pass
        engine.dispose()
    except Exception:
        return False
    return True


def reset_postgres_schema(schema: str) -> None:
    url = os.environ.get(POSTGRES_URL_ENV) or DEFAULT_POSTGRES_URL
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()


def config_for_tests(database_url: str, **overrides: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": True,
        # Argon2id still, at the lowest cost, so the suite stays fast.
        "PASSWORD_HASH_TIME_COST": 1,
        "PASSWORD_HASH_MEMORY_COST": 1024,
        "PASSWORD_HASH_PARALLELISM": 1,
        # Ordinary tests post directly; pre-moderation tests ask for it with app_factory().
        "PREMODERATION_POSTS": 0,
        # Rate limits have their own tests (test_ratelimits.py), which switch them on.
        "RATELIMIT_ENABLED": False,
        # So does the visitors' page cache (test_page_cache.py): most tests read a page right
        # after writing with another session.
        "ANONYMOUS_PAGE_CACHE_ENTRIES": 0,
        # The mail worker's job queue stays in the process (test_mail.py runs the worker).
        "JOB_QUEUE_URL": "memory://",
        **overrides,
    }


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The migrated test database, created once per run."""
    if os.environ.get(POSTGRES_URL_ENV):
        reset_postgres_schema(TEST_SCHEMA)
        url = postgres_url(TEST_SCHEMA)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'forum071-test.sqlite'}"
    app = create_app(config_for_tests(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


def empty_all_tables() -> None:
    tables = [table.name for table in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        quoted = ", ".join(f'"{name}"' for name in tables)
        db.session.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    else:
        for name in tables:
            db.session.execute(text(f'DELETE FROM "{name}"'))
    db.session.commit()


class CSRFClient(FlaskClient):
    """A test client that sends the session's CSRF token with each form, like a browser.

    Pass ``csrf=False`` to send a form without a token.
    """

    def csrf_token(self) -> str:
        page = self.get("/auth/login" if not self._logged_in() else "/").get_data(as_text=True)
        match = CSRF_FIELD.search(page)
        assert match, "no CSRF token on the page"
        return match.group(1)

    def _logged_in(self) -> bool:
        with self.session_transaction() as session:
            return "_user_id" in session

    def post(self, *args: Any, csrf: bool = True, **kwargs: Any):
        data = kwargs.get("data")
        if csrf and (data is None or isinstance(data, dict)) and "json" not in kwargs:
            data = dict(data or {})
            data.setdefault("csrf_token", self.csrf_token())
            kwargs["data"] = data
        return super().post(*args, **kwargs)


@pytest.fixture
def app_factory(database_url: str) -> Iterator:
    """Build apps on the test database; tables are emptied and re-seeded for each test."""
    apps: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        app = create_app(config_for_tests(database_url, **overrides))
        app.test_client_class = CSRFClient
        apps.append(app)
        return app

    first = make()
    with first.app_context():
        empty_all_tables()
        factories.seed()
    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(app_factory) -> Flask:
    return app_factory()


@pytest.fixture
def client(app: Flask) -> CSRFClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client: CSRFClient) -> None:
        self._client = client

    def login(self, login: str, password: str = factories.PASSWORD, **extra: Any):
        return self._client.post(
            "/auth/login", data={"login": login, "password": password, **extra}
        )

    def logout(self):
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client: CSRFClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def make(app: Flask) -> factories.Factories:
    """Factories that write committed rows (users, threads, replies) in short app contexts."""
    return factories.Factories(app)


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask):
    """Count the SQL statements run inside ``with count_queries() as counter:``."""

    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()

        def record(conn, cursor, statement, parameters, context, executemany) -> None:
            if not statement.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE")):
                counter.statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return counting
