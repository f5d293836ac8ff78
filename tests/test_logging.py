"""Where log lines go: gunicorn's error log (or stderr), one line each, with the request id;
and an outage logs one traceback per cause and minute, not one per request."""

from __future__ import annotations

import io
import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from forum071 import ROOT, logs
from forum071.extensions import db
from tests.factories import PASSWORD

CLOSED_REDIS_URL = "redis://127.0.0.1:1"
FALLBACK_WARNING = "Rate limit storage unreachable - falling back to in-memory storage"
REQUEST_ID = re.compile(r"\[request ([0-9a-f]{12})\]")
INCIDENT = re.compile(r"Incident number: ([0-9a-f]{12})")


@pytest.fixture
def gunicorn_log(monkeypatch):
    """gunicorn's error log as gunicorn sets it up (its own handler and format, no
    propagation), writing into a buffer."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("[%(process)d] [%(levelname)s] %(message)s"))
    error_log = logging.getLogger(logs.GUNICORN_ERROR_LOGGER)
    monkeypatch.setattr(error_log, "handlers", [handler])
    monkeypatch.setattr(error_log, "propagate", False)
    monkeypatch.setattr(error_log, "level", logging.INFO)
    return buffer


def log_in(client, username: str):
    return client.post("/auth/login", data={"login": username, "password": PASSWORD})


def database_down(app):
    with app.app_context():
        engine = db.engine

    def refuse(conn, cursor, statement, parameters, context, executemany):
        raise OperationalError(statement, parameters, Exception("connection refused"))

    event.listen(engine, "before_cursor_execute", refuse)
    return lambda: event.remove(engine, "before_cursor_execute", refuse)


def forum_handler() -> logs.ForumLogHandler:
    return next(h for h in logging.getLogger().handlers if isinstance(h, logs.ForumLogHandler))


def test_redis_fail_open_warning_reaches_gunicorns_error_log(app_factory, make, gunicorn_log):
    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=CLOSED_REDIS_URL)
    make.user("ondernemer")

    response = log_in(app.test_client(), "ondernemer")

    assert response.status_code == 302
    lines = [line for line in gunicorn_log.getvalue().splitlines() if FALLBACK_WARNING in line]
    assert lines, gunicorn_log.getvalue()
    assert lines[0].startswith(f"[{os.getpid()}] [WARNING] flask-limiter: ")
    assert REQUEST_ID.search(lines[0]), lines[0]


def test_without_gunicorn_warnings_go_to_stderr_one_line_each(app_factory, make, capsys):
    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=CLOSED_REDIS_URL)
    make.user("ondernemer")
    capsys.readouterr()

    assert log_in(app.test_client(), "ondernemer").status_code == 302

    lines = [line for line in capsys.readouterr().err.splitlines() if FALLBACK_WARNING in line]
    assert lines
    assert "[WARNING] flask-limiter: " in lines[0]
    assert REQUEST_ID.search(lines[0])


def test_the_incident_number_on_a_503_is_the_request_id_in_the_log(app, make, gunicorn_log):
    thread_id = make.thread(make.user("schrijver"))
    restore = database_down(app)
    try:
        response = app.test_client().get(f"/threads/{thread_id}", headers={"Accept-Language": "en"})
    finally:
        restore()

    assert response.status_code == 503
    incident = INCIDENT.search(response.get_data(as_text=True)).group(1)
    logged = gunicorn_log.getvalue()
    assert f"[request {incident}]" in logged
    assert "[ERROR] forum071: database unavailable" in logged
    assert "Traceback" in logged  # the first of its kind keeps its traceback


def test_an_outage_logs_one_traceback_per_cause_and_minute_and_a_count(app, make, gunicorn_log):
    client = app.test_client()
    now = [1000.0]
    forum_handler().throttle.clock = lambda: now[0]
    restore = database_down(app)
    try:
        for _ in range(30):
            assert client.get("/").status_code == 503
        during = gunicorn_log.getvalue()
        now[0] += 61
        assert client.get("/").status_code == 503
    finally:
        restore()

    assert during.count("Traceback") == 1
    # 30 incidents, not 30 tracebacks: a handful of lines, not thousands.
    assert len(during.splitlines()) < 200
    after = gunicorn_log.getvalue()[len(during) :]
    assert "... 29 more like this in the last minute" in after
    assert "OperationalError" in after
    assert after.count("Traceback") == 1  # a new minute, a new traceback


def test_each_cause_gets_its_own_traceback():
    throttle = logs.OutageThrottle(clock=lambda: 0.0)

    def record(error: Exception) -> logging.LogRecord:
        return logging.LogRecord(
            "forum071", logging.ERROR, __file__, 1, "failed", None, (type(error), error, None)
        )

    assert throttle.filter(record(OperationalError("SELECT 1", None, Exception("refused"))))
    assert not throttle.filter(record(OperationalError("SELECT 2", None, Exception("refused"))))
    assert throttle.filter(record(RuntimeError("something else")))
    assert throttle.filter(logging.LogRecord("x", logging.INFO, __file__, 1, "plain", None, None))


def test_a_failing_log_handler_does_not_turn_a_request_into_a_500(app, monkeypatch, capsys):
    """A log on a full disk: logging's own error handling swallows the write error."""

    class FullDisk(io.StringIO):
        def write(self, text: str) -> int:
            raise OSError(28, "No space left on device")

    handler = logging.StreamHandler(FullDisk())
    error_log = logging.getLogger(logs.GUNICORN_ERROR_LOGGER)
    monkeypatch.setattr(error_log, "handlers", [handler])
    monkeypatch.setattr(logging, "raiseExceptions", False)
    restore = database_down(app)
    try:
        response = app.test_client().get("/")
    finally:
        restore()

    assert response.status_code == 503


# --------------------------------------------------------------------------------------------
# The production command: gunicorn -c gunicorn.conf.py wsgi:app
# --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, server: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn stopped"
        try:
            urllib.request.urlopen(url, timeout=2).close()  # noqa: S310
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"gunicorn did not answer on {url}")


def test_gunicorn_with_its_config_file_logs_the_limiter_warning(database_url, make, tmp_path):
    """The README's production command: its error log gets the forum's warnings."""
    make.user("ondernemer")
    port = free_port()
    error_log = tmp_path / "error.log"
    env = {
        **os.environ,
        "FLASK_SECRET_KEY": "a-key-for-this-test-only",
        "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
        "FLASK_RATELIMIT_STORAGE_URI": CLOSED_REDIS_URL,
        "FLASK_PASSWORD_HASH_TIME_COST": "1",
        "FLASK_PASSWORD_HASH_MEMORY_COST": "1024",
        "FLASK_PASSWORD_HASH_PARALLELISM": "1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_ERROR_LOG": str(error_log),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz", server)
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        page = browser.open(f"{base}/auth/login", timeout=10).read().decode()
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
        form = urllib.parse.urlencode(
            {"login": "ondernemer", "password": PASSWORD, "csrf_token": token.group(1)}
        ).encode()
        browser.open(f"{base}/auth/login", data=form, timeout=10).close()
    finally:
        server.terminate()
        server.wait(timeout=30)

    lines = error_log.read_text().splitlines()
    warnings = [line for line in lines if FALLBACK_WARNING in line]
    assert len(warnings) == 1, lines
    assert "[WARNING] flask-limiter: " in warnings[0]
    assert REQUEST_ID.search(warnings[0])
    assert any("Booting worker" in line for line in lines)  # gunicorn's own lines, same file
