"""Rate limits (R9): attempt N+1 within the window is a 429 with Retry-After, a page in the
site's layout, and what was typed still in the form.

Ordinary tests run with the limiter switched off (conftest); here each test builds an app with
it on and small limits, on in-memory counters (one set per app), on Redis when it runs, and on
a Redis that is down.
"""

from __future__ import annotations

import logging
import re
import socket
import uuid

import html5lib
import pytest
from sqlalchemy import func, select

from forum071.extensions import db
from forum071.models import User
from tests.factories import PASSWORD

SUBMISSION_FIELD = re.compile(r'name="submission_id" type="hidden" value="([0-9a-f]{32})"')
THEME = "circulaire-economie"
REDIS_URL = "redis://127.0.0.1:6379"
# A loopback port nothing listens on: connecting is refused at once.
CLOSED_REDIS_URL = "redis://127.0.0.1:1"

NEW_USER = {
    "email": "nieuw@example.org",
    "password": PASSWORD,
    "confirm": PASSWORD,
    "role": "entrepreneur",
    "organisation": "",
}


def limited_app(app_factory, **limits):
    settings = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_LOGIN": "100 per minute",
        "RATELIMIT_LOGIN_ACCOUNT": "100 per minute",
        "RATELIMIT_LOGIN_ACCOUNT_TOTAL": "100 per minute",
        "RATELIMIT_REGISTER": "100 per hour",
        "RATELIMIT_POSTS": "100 per minute",
        "RATELIMIT_FLAGS": "100 per hour",
        **limits,
    }
    return app_factory(**settings)


def client_from(app, address: str = "192.0.2.1"):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.environ_base["REMOTE_ADDR"] = address
    return client


def text_of(response) -> str:
    return response.get_data(as_text=True)


def input_value(response, name: str) -> str | None:
    tree = html5lib.parse(text_of(response), namespaceHTMLElements=False)
    element = tree.find(f".//input[@name='{name}']")
    return None if element is None else element.get("value")


def textarea_text(response, name: str) -> str | None:
    tree = html5lib.parse(text_of(response), namespaceHTMLElements=False)
    element = tree.find(f".//textarea[@name='{name}']")
    return None if element is None else (element.text or "")


WRONG_PASSWORD = "wrong-password-123"


def login(client, name: str, password: str = WRONG_PASSWORD):
    return client.post("/auth/login", data={"login": name, "password": password})


def assert_refused(response) -> int:
    """A 429 in the site's layout with a sensible Retry-After; returns the seconds."""
    assert response.status_code == 429
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 24 * 3600
    page = text_of(response)
    assert "site-header" in page  # the layout, not a bare body
    assert "Traceback" not in page
    return retry_after


# Login ----------------------------------------------------------------------------------


def test_failed_logins_per_ip_answer_429_and_keep_the_login_name(app_factory, make):
    app = limited_app(app_factory, RATELIMIT_LOGIN="3 per minute")
    make.user("ondernemer")
    client = client_from(app)
    for name in ("ondernemer", "iemand_anders", "nog_een"):
        assert login(client, name).status_code == 422
    refused = login(client, "vierde_naam")
    assert_refused(refused)
    assert input_value(refused, "login") == "vierde_naam"
    assert "Too many login attempts" in text_of(refused)
    # The right password does not get through either while the address is refused.
    assert login(client, "ondernemer", PASSWORD).status_code == 429
    # Another address is not affected.
    assert login(client_from(app, "192.0.2.99"), "ondernemer", PASSWORD).status_code == 302


def test_failed_logins_per_account_count_across_addresses(app_factory, make):
    app = limited_app(app_factory, RATELIMIT_LOGIN_ACCOUNT_TOTAL="3 per minute")
    make.user("ondernemer")
    for number in range(3):
        response = login(client_from(app, f"198.51.100.{number + 1}"), "  Ondernemer ")
        assert response.status_code == 422
    refused = login(client_from(app, "198.51.100.200"), "ondernemer", PASSWORD)
    assert_refused(refused)
    # The same address may still try other accounts: the limit is on the account.
    assert login(client_from(app, "198.51.100.1"), "iemand_anders").status_code == 422


def test_a_refused_login_does_not_reveal_whether_the_account_exists(app_factory, make):
    app = limited_app(app_factory, RATELIMIT_LOGIN_ACCOUNT="1 per minute")
    make.user("bestaat")
    pages = {}
    for name in ("bestaat", "bestaat_niet"):
        client = client_from(app)
        assert login(client, name).status_code == 422
        refused = login(client, name)
        assert refused.status_code == 429
        pages[name] = re.sub(r'value="[^"]*"', "", text_of(refused)).replace(name, "NAME")
        pages[name] = re.sub(r"\d+ seconds", "N seconds", pages[name])
    assert pages["bestaat"] == pages["bestaat_niet"]


def test_successful_logins_are_not_counted(app_factory, make):
    """A class logging in together behind one address is not refused."""
    app = limited_app(app_factory, RATELIMIT_LOGIN="2 per minute")
    for number in range(4):
        make.user(f"student{number}", role="student")
        assert login(client_from(app), f"student{number}", PASSWORD).status_code == 302


def test_the_limiter_is_off_when_disabled(app_factory, make):
    app = app_factory(RATELIMIT_ENABLED=False, RATELIMIT_LOGIN="1 per minute")
    client = client_from(app)
    for _ in range(5):
        assert login(client, "ondernemer").status_code == 422


# Registration -----------------------------------------------------------------------------


def test_registrations_per_ip_answer_429_and_create_no_account(app_factory):
    app = limited_app(app_factory, RATELIMIT_REGISTER="2 per hour")
    # Forms with mistakes do not count as registrations.
    for _ in range(3):
        mistaken = client_from(app).post(
            "/auth/register", data={**NEW_USER, "username": "x", "email": "x@example.org"}
        )
        assert mistaken.status_code == 422
    for number in range(2):
        response = client_from(app).post(
            "/auth/register",
            data={**NEW_USER, "username": f"nieuw{number}", "email": f"n{number}@example.org"},
        )
        assert response.status_code == 302
    refused = client_from(app).post(
        "/auth/register", data={**NEW_USER, "username": "derde", "email": "derde@example.org"}
    )
    assert_refused(refused)
    assert input_value(refused, "username") == "derde"
    assert input_value(refused, "email") == "derde@example.org"
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 2
    # Another address may register.
    other = client_from(app, "203.0.113.7").post(
        "/auth/register", data={**NEW_USER, "username": "elders", "email": "e@example.org"}
    )
    assert other.status_code == 302


# Posts and flags ---------------------------------------------------------------------------


def logged_in(app, make, username: str, address: str = "192.0.2.1"):
    make.user(username)
    client = client_from(app, address)
    assert login(client, username, PASSWORD).status_code == 302
    return client


def reply_data(client, thread_id: int, body: str) -> dict:
    page = text_of(client.get(f"/threads/{thread_id}", follow_redirects=True))
    return {"body": body, "submission_id": SUBMISSION_FIELD.search(page).group(1)}


def thread_data(client, title: str) -> dict:
    page = text_of(client.get("/threads/new"))
    return {
        "kind": "discussion",
        "theme": THEME,
        "title": title,
        "body": "Wie doet er mee aan een gezamenlijke inzameling?",
        "submission_id": SUBMISSION_FIELD.search(page).group(1),
    }


def test_posts_per_member_answer_429_and_keep_the_text(app_factory, make):
    app = limited_app(app_factory, RATELIMIT_POSTS="3 per minute")
    owner = make.user("eigenaar")
    thread_id = make.thread(owner)
    client = logged_in(app, make, "schrijver")
    # Threads and replies share one budget.
    created = client.post("/threads/new", data=thread_data(client, "Een eerste onderwerp"))
    assert created.status_code == 303
    for number in range(2):
        data = reply_data(client, thread_id, f"Reactie {number}")
        assert client.post(f"/threads/{thread_id}/reply", data=data).status_code == 303
    body = "Een lange reactie die ik niet nog eens wil typen."
    refused = client.post(f"/threads/{thread_id}/reply", data=reply_data(client, thread_id, body))
    assert_refused(refused)
    assert textarea_text(refused, "body").strip() == body
    assert "too often" in text_of(refused)
    refused_thread = client.post("/threads/new", data=thread_data(client, "Nog een onderwerp"))
    assert_refused(refused_thread)
    assert input_value(refused_thread, "title") == "Nog een onderwerp"
    # Another member, from the same address, may still post.
    other = logged_in(app, make, "ander", address="192.0.2.1")
    data = reply_data(other, thread_id, "Ik mag nog.")
    assert other.post(f"/threads/{thread_id}/reply", data=data).status_code == 303


def test_a_refused_reply_is_not_stored(app_factory, make):
    app = limited_app(app_factory, RATELIMIT_POSTS="1 per minute")
    owner = make.user("eigenaar")
    thread_id = make.thread(owner)
    client = logged_in(app, make, "schrijver")
    first = client.post(f"/threads/{thread_id}/reply", data=reply_data(client, thread_id, "Een"))
    assert first.status_code == 303
    refused = client.post(
        f"/threads/{thread_id}/reply", data=reply_data(client, thread_id, "Twee, geweigerd")
    )
    assert refused.status_code == 429
    page = text_of(client.get(f"/threads/{thread_id}", follow_redirects=True))
    assert "Twee, geweigerd" not in page


def test_flags_per_member_answer_429(app_factory, make):
    app = limited_app(app_factory, RATELIMIT_FLAGS="1 per hour")
    owner = make.user("eigenaar")
    first_thread = make.thread(owner)
    second_thread = make.thread(owner)
    client = logged_in(app, make, "melder")
    first_post = make.first_post_id(first_thread)
    second_post = make.first_post_id(second_thread)
    flagged = client.post(f"/posts/{first_post}/flag", data={"reason": "spam", "note": ""})
    assert flagged.status_code == 303
    refused = client.post(f"/posts/{second_post}/flag", data={"reason": "spam", "note": ""})
    assert_refused(refused)


# Storage ---------------------------------------------------------------------------------


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_reachable(), reason="Redis is not running on 127.0.0.1:6379")
def test_redis_counts_for_all_workers(app_factory, make):
    """Two apps (two gunicorn workers) on one Redis share their counters."""
    prefix = f"forum071-test-{uuid.uuid4().hex}"
    settings = {
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
        "RATELIMIT_LOGIN": "3 per minute",
    }
    worker_one = limited_app(app_factory, **settings)
    worker_two = limited_app(app_factory, **settings)
    assert login(client_from(worker_one), "een").status_code == 422
    assert login(client_from(worker_two), "twee").status_code == 422
    assert login(client_from(worker_one), "drie").status_code == 422
    refused = login(client_from(worker_two), "vier")
    assert_refused(refused)
    assert input_value(refused, "login") == "vier"


def test_redis_down_fails_open_with_a_warning(app_factory, make, caplog):
    """Documented: an unreachable Redis falls back to per-process counters, logs a WARNING,
    and never answers 500."""
    app = limited_app(
        app_factory, RATELIMIT_STORAGE_URI=CLOSED_REDIS_URL, RATELIMIT_LOGIN="2 per minute"
    )
    make.user("ondernemer")
    client = client_from(app)
    with caplog.at_level(logging.WARNING):
        assert login(client, "ondernemer").status_code == 422
        assert login(client, "ondernemer").status_code == 422
        assert login(client, "ondernemer").status_code == 429
        assert client.get("/").status_code == 200
        assert login(client_from(app, "192.0.2.50"), "ondernemer", PASSWORD).status_code == 302
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert any("unreachable" in record.getMessage() for record in warnings)


def test_behind_a_proxy_each_client_is_counted_on_its_own(app_factory):
    app = limited_app(app_factory, RATELIMIT_LOGIN="1 per minute", PROXY_FIX_X_FOR=1)
    proxy = client_from(app, "127.0.0.1")
    for address in ("192.0.2.10", "192.0.2.11"):
        proxy.environ_base["HTTP_X_FORWARDED_FOR"] = address
        assert login(proxy, f"naam_{address[-2:]}").status_code == 422
    assert login(proxy, "nog_eens").status_code == 429
