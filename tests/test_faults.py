"""Faults told apart: a database that is down, one that cannot store, one that dies mid-request.

Each fault keeps what a person typed, answers with the forum's own page and lets the next
request work. Runs on SQLite and on PostgreSQL (FORUM071_TEST_DATABASE_URL).
"""

from __future__ import annotations

import html
import logging

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import OperationalError

from forum071.extensions import db
from forum071.models import Post, Thread
from tests.factories import PASSWORD

REPLY = "Mijn antwoord tijdens de storing,\nmet een tweede regel & een <teken>."
TITLE = "Een vraag over de haven"
BODY = "Wie weet hoe de vergunning voor een kraam werkt?"
# Large enough to need new pages on SQLite, whatever room the last pages have left.
LONG_REPLY = "Een lang antwoord dat niet meer past. " * 150


def login(client, username: str) -> None:
    response = client.post("/auth/login", data={"login": username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


@pytest.fixture
def client(app):
    """A client that reads the pages in English (the messages asserted on)."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def writer(make, client):
    user_id = make.user("schrijver")
    thread_id = make.thread(user_id, title="Een draad van voor de storing")
    login(client, "schrijver")
    return thread_id


def send(client, path: str, token: str, **fields: str):
    """POST a form with a token fetched beforehand (during an outage no page gives one)."""
    return client.post(path, data={**fields, "csrf_token": token}, csrf=False)


def shown(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def engine_of(app):
    with app.app_context():
        return db.engine


@pytest.fixture
def database_down(app):
    """While active, every SQL statement fails as if the server were unreachable."""
    engine = engine_of(app)

    def refuse(conn, cursor, statement, parameters, context, executemany):
        raise OperationalError(statement, parameters, Exception("connection refused"))

    class Switch:
        def __enter__(self):
            event.listen(engine, "before_cursor_execute", refuse)

        def __exit__(self, *exc):
            event.remove(engine, "before_cursor_execute", refuse)

    return Switch()


class DiskFull(Exception):
    """What psycopg raises when PostgreSQL cannot extend a table's file."""

    sqlstate = "53100"


@pytest.fixture
def disk_full(app):
    """While active, the database answers but cannot store anything more.

    SQLite: the file may not grow (``PRAGMA max_page_count`` = its size, free pages vacuumed
    away), so the next insert fails with SQLITE_FULL. PostgreSQL: COMMIT fails with
    53100 "could not extend file", as on a full disk.
    """
    engine = engine_of(app)

    def cap_size(dbapi_connection, connection_record):
        cursor = dbapi_connection.cursor()
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count = {pages}")
        cursor.close()

    def refuse_commit(conn):
        raise OperationalError(
            "COMMIT", None, DiskFull('could not extend file "base/16384/2619": No space left')
        )

    class Switch:
        def __enter__(self):
            if engine.dialect.name == "sqlite":
                with engine.connect() as connection:
                    connection.exec_driver_sql("VACUUM")
                event.listen(engine, "connect", cap_size)
                engine.dispose()
            else:
                event.listen(engine, "commit", refuse_commit)

        def __exit__(self, *exc):
            if engine.dialect.name == "sqlite":
                event.remove(engine, "connect", cap_size)
                engine.dispose()
            else:
                event.remove(engine, "commit", refuse_commit)

    return Switch()


# --------------------------------------------------------------------------------------------
# Text typed during an outage comes back
# --------------------------------------------------------------------------------------------


def test_reply_sent_while_the_database_is_down_comes_back_in_the_503_page(
    app, client, writer, database_down
):
    token = client.csrf_token()
    with database_down:
        response = send(client, f"/threads/{writer}/reply", token, body=REPLY)

    assert response.status_code == 503
    assert "Retry-After" in response.headers
    page = shown(response)
    assert REPLY in page
    assert "was not saved" in page


def test_new_thread_sent_while_the_database_is_down_keeps_title_and_body(
    app, client, writer, database_down
):
    token = client.csrf_token()
    with database_down:
        response = send(
            client,
            "/threads/new",
            token,
            kind="question",
            theme="circulaire-economie",
            title=TITLE,
            body=BODY,
            submission_id="7f0c1c1e-2b7a-4c55-9b8e-0a6f1d3e2c11",
        )

    assert response.status_code == 503
    page = shown(response)
    assert TITLE in page
    assert BODY in page
    # What the person wrote, not the form's bookkeeping.
    assert "7f0c1c1e" not in page
    assert count(app, Thread) == 1


def test_a_refused_login_never_shows_the_password(client, make, database_down):
    make.user("schrijver")
    token = client.csrf_token()

    with database_down:
        response = send(
            client,
            "/auth/login",
            token,
            login="schrijver",
            password="geheim-wachtwoord-99",
            draft="eyJ0YXJnZXQiOiJyZXBseSJ9.signed-draft",
        )

    assert response.status_code == 503
    assert "geheim-wachtwoord-99" not in shown(response)
    # The draft kept through a login is a signed copy of a form, not something typed here.
    assert "signed-draft" not in shown(response)


def test_text_posted_from_another_site_is_not_shown_back(client, writer, database_down):
    """A forged form has no valid token: the page must not show its text on this site."""
    with database_down:
        response = client.post(
            f"/threads/{writer}/reply",
            data={"body": "Bel nu 0900-OPLICHTER", "csrf_token": "forged"},
            csrf=False,
        )

    assert response.status_code in (400, 503)
    assert "OPLICHTER" not in shown(response)


# --------------------------------------------------------------------------------------------
# A connection that dies mid-request: the session's end cannot raise
# --------------------------------------------------------------------------------------------


@pytest.fixture
def rollback_fails(app):
    """While active, every ROLLBACK fails as on a connection the server has dropped."""
    engine = engine_of(app)

    def refuse(conn):
        raise OperationalError("ROLLBACK", None, Exception("server closed the connection"))

    class Switch:
        def __enter__(self):
            event.listen(engine, "rollback", refuse)

        def __exit__(self, *exc):
            event.remove(engine, "rollback", refuse)

    return Switch()


def test_a_rollback_failing_at_the_end_of_a_request_is_logged_not_raised(
    client, writer, rollback_fails, caplog
):
    with rollback_fails, caplog.at_level(logging.WARNING):
        response = client.get(f"/threads/{writer}", follow_redirects=True)

    assert response.status_code == 200
    assert "Een draad van voor de storing" in shown(response)
    assert any("connection discarded" in record.getMessage() for record in caplog.records)
    # The broken connection was thrown away: the next request gets a working one.
    after = client.get(f"/threads/{writer}", follow_redirects=True)
    assert after.status_code == 200


def test_database_dying_mid_request_gives_the_forums_503_not_a_bare_500(
    app, client, writer, database_down, rollback_fails
):
    token = client.csrf_token()
    with rollback_fails, database_down:
        response = send(client, f"/threads/{writer}/reply", token, body=REPLY)

    assert response.status_code == 503
    assert "Forum071" in response.get_data(as_text=True)
    assert REPLY in shown(response)
    assert client.get(f"/threads/{writer}", follow_redirects=True).status_code == 200


# --------------------------------------------------------------------------------------------
# A full disk is its own fault
# --------------------------------------------------------------------------------------------


def test_reply_on_a_full_disk_says_so_keeps_the_text_and_works_once_there_is_room(
    app, client, writer, disk_full
):
    posts_before = count(app, Post)
    with disk_full:
        response = client.post(f"/threads/{writer}/reply", data={"body": LONG_REPLY})

        assert response.status_code == 503
        assert "Retry-After" in response.headers
        page = shown(response)
        assert "storage is full" in page
        assert "cannot reach" not in page
        assert LONG_REPLY.strip() in page
        assert count(app, Post) == posts_before

    again = client.post(f"/threads/{writer}/reply", data={"body": LONG_REPLY})
    assert again.status_code in (302, 303)
    assert count(app, Post) == posts_before + 1


def test_new_thread_on_a_full_disk_keeps_title_and_body(app, client, writer, disk_full):
    with disk_full:
        response = client.post(
            "/threads/new",
            data={
                "kind": "question",
                "theme": "circulaire-economie",
                "title": TITLE,
                "body": LONG_REPLY,
            },
        )

    assert response.status_code == 503
    page = shown(response)
    assert "storage is full" in page
    assert TITLE in page
    assert count(app, Thread) == 1


def test_healthz_reports_a_full_disk_after_a_refused_write_until_one_succeeds(
    app, client, writer, disk_full
):
    with disk_full:
        client.post(f"/threads/{writer}/reply", data={"body": LONG_REPLY})
        health = client.get("/healthz")

        assert health.status_code == 503
        assert health.get_json() == {"status": "unavailable", "database": "read-only"}
        assert "Retry-After" in health.headers

    assert client.post(f"/threads/{writer}/reply", data={"body": LONG_REPLY}).status_code == 303
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "up"}


def test_healthz_finds_a_full_sqlite_file_without_writing(app, client, disk_full):
    if engine_of(app).dialect.name != "sqlite":
        pytest.skip("the page limit is SQLite's")

    with disk_full:
        health = client.get("/healthz")

    assert health.status_code == 503
    assert health.get_json()["database"] == "read-only"
    assert client.get("/healthz").status_code == 200


@pytest.fixture
def read_only(app):
    """While active, the database answers but refuses every write: SQLite ``query_only``,
    PostgreSQL read-only transactions (as on a standby after a failover)."""
    engine = engine_of(app)
    if engine.dialect.name == "sqlite":
        statement = "PRAGMA query_only = ON"
    else:
        statement = "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"

    def refuse_writes(dbapi_connection, connection_record):
        cursor = dbapi_connection.cursor()
        cursor.execute(statement)
        cursor.close()
        if engine.dialect.name == "postgresql":
            dbapi_connection.commit()

    class Switch:
        def __enter__(self):
            event.listen(engine, "connect", refuse_writes)
            engine.dispose()

        def __exit__(self, *exc):
            event.remove(engine, "connect", refuse_writes)
            engine.dispose()

    return Switch()


def test_a_read_only_database_says_so_keeps_the_text_and_healthz_reports_it(
    app, client, writer, read_only
):
    token = client.csrf_token()
    with read_only:
        reading = client.get(f"/threads/{writer}", follow_redirects=True)
        response = send(client, f"/threads/{writer}/reply", token, body=REPLY)
        health = client.get("/healthz")

    assert reading.status_code == 200
    assert response.status_code == 503
    page = shown(response)
    assert "read-only" in page
    assert REPLY in page
    assert health.status_code == 503
    assert health.get_json()["database"] == "read-only"


def test_postgresql_connection_killed_mid_request_still_gets_the_forums_answer(app_factory):
    """The real fault: the server ends the connection between the view's query and the
    session's ROLLBACK at the end of the request."""
    app = app_factory()
    engine = engine_of(app)
    if engine.dialect.name != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's")

    @app.get("/test-killed-connection")
    def killed_connection():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        with engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        return "answered"

    client = app.test_client()
    response = client.get("/test-killed-connection")

    assert response.status_code == 200
    assert response.get_data(as_text=True) == "answered"
    assert client.get("/healthz").status_code == 200
