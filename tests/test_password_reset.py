"""Forgot the password: the link by mail, choosing a new one, and what stops working after."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from forum071.auth import reset_services
from forum071.extensions import db
from forum071.models import OutgoingMail, User
from tests.conftest import CSRF_FIELD
from tests.factories import PASSWORD
from tests.smtp_server import html_part, mail_config, smtp_server, text_part

NEW_PASSWORD = "groene-kraan-boven-de-singel"
LINK = re.compile(r"https://forum\.example\.nl/auth/reset/[\w.-]+")


@pytest.fixture
def smtp():
    with smtp_server() as server:
        yield server


@pytest.fixture
def mail_app(app_factory, smtp):
    return app_factory(**mail_config(smtp[1]))


def run_worker(app) -> str:
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    return result.output


def reset_link(inbox, address: str) -> str:
    (message,) = inbox.to(address)
    return LINK.search(text_part(message)).group(0)


def test_forgotten_password_reset_ends_old_password_and_sessions(mail_app, smtp, make):
    inbox, _ = smtp
    make.user("vergeetal", email="vergeetal@example.org")
    old_session = mail_app.test_client()
    assert (
        old_session.post(
            "/auth/login", data={"login": "vergeetal", "password": PASSWORD}
        ).status_code
        == 302
    )
    assert old_session.get("/notifications").status_code == 200

    client = mail_app.test_client()
    response = client.post("/auth/reset", data={"login": "Vergeetal@Example.org"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/reset/sent"
    assert "Kijk in je mail" in client.get("/auth/reset/sent").get_data(as_text=True)
    assert inbox.messages == []  # the request only queued it: the worker sends
    assert "1 mail(s) sent" in run_worker(mail_app)
    link = reset_link(inbox, "vergeetal@example.org")
    path = link.removeprefix("https://forum.example.nl")

    assert client.get(path).status_code == 200
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/login")

    # The old session and the old password no longer work; the new password does.
    assert old_session.get("/notifications").status_code == 302
    assert (
        client.post("/auth/login", data={"login": "vergeetal", "password": PASSWORD}).status_code
        == 422
    )
    assert (
        client.post(
            "/auth/login", data={"login": "vergeetal", "password": NEW_PASSWORD}
        ).status_code
        == 302
    )
    # The link was for the old password: used once, it is worthless.
    other = mail_app.test_client()
    page = other.get(path)
    assert page.status_code == 400
    assert 'href="/auth/reset"' in page.get_data(as_text=True)
    response = other.post(path, data={"password": "nog-een-ander-wachtwoord", "confirm":
                                      "nog-een-ander-wachtwoord"})  # fmt: skip
    assert response.status_code == 400


def test_unknown_account_gets_the_same_answer_and_no_mail(mail_app, smtp, make):
    inbox, _ = smtp
    make.user("bestaat", email="bestaat@example.org")
    client = mail_app.test_client()
    known = client.post("/auth/reset", data={"login": "bestaat"})
    unknown = client.post("/auth/reset", data={"login": "bestaat-niet@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert known.get_data() == unknown.get_data()
    run_worker(mail_app)
    assert [message["To"] for message in inbox.messages] == ["bestaat@example.org"]
    with mail_app.app_context():
        assert db.session.scalar(select(func.count(OutgoingMail.id))) == 1


def test_reset_mail_is_in_the_members_language_with_both_parts(mail_app, smtp, make):
    inbox, _ = smtp
    make.user("english", email="english@example.org", language="en")
    make.user("nederlands", email="nederlands@example.org")
    client = mail_app.test_client()
    client.post("/auth/reset", data={"login": "english"})
    client.post("/auth/reset", data={"login": "nederlands"})
    run_worker(mail_app)
    (english,) = inbox.to("english@example.org")
    (dutch,) = inbox.to("nederlands@example.org")
    assert english["Subject"] == "Choose a new password for Forum071"
    assert english["Content-Language"] == "en"
    assert "Hello english," in text_part(english)
    assert dutch["Content-Language"] == "nl"
    assert "Hallo nederlands," in text_part(dutch)
    assert "Kies een nieuw wachtwoord" in html_part(dutch)
    assert LINK.search(html_part(dutch))


def test_link_uses_site_url_whatever_the_host_header(mail_app, smtp, make):
    inbox, _ = smtp
    make.user("gastheer", email="gastheer@example.org")
    client = mail_app.test_client()
    forged = {"Host": "evil.example"}
    page = client.get("/auth/reset", headers=forged).get_data(as_text=True)
    token = CSRF_FIELD.search(page).group(1)
    response = client.post(
        "/auth/reset", data={"login": "gastheer", "csrf_token": token}, headers=forged
    )
    assert response.status_code == 302
    run_worker(mail_app)
    (message,) = inbox.to("gastheer@example.org")
    assert "evil.example" not in message.as_string()
    assert LINK.search(text_part(message))


def test_expired_and_forged_links_get_a_clear_page(mail_app, make, monkeypatch):
    user_id = make.user("traag", email="traag@example.org")
    client = mail_app.test_client()
    with mail_app.test_request_context():
        token = reset_services.password_reset_token(db.session.get(User, user_id))
        serializer = reset_services._serializer()
        # Signed by us, but for another password: as a link after the password changed.
        outdated = serializer.dumps({"u": user_id, "f": "0" * 32})
    assert client.get(f"/auth/reset/{token}").status_code == 200
    for bad in (token[:-3] + "abc", outdated, "niets"):
        page = client.get(f"/auth/reset/{bad}")
        assert page.status_code == 400
        assert "Vraag een nieuwe link aan" in page.get_data(as_text=True)
    # An hour and a bit later the real link has expired too.
    monkeypatch.setitem(mail_app.config, "PASSWORD_RESET_MAX_AGE_SECONDS", -1)
    assert client.get(f"/auth/reset/{token}").status_code == 400


def test_new_password_follows_the_registration_policy(mail_app, make):
    user_id = make.user("zwak", email="zwak@example.org")
    with mail_app.test_request_context():
        token = reset_services.password_reset_token(db.session.get(User, user_id))
    client = mail_app.test_client()
    response = client.post(f"/auth/reset/{token}", data={"password": "kort", "confirm": "kort"})
    assert response.status_code == 422
    assert "minstens 10 tekens" in response.get_data(as_text=True)
    # Still valid: nothing changed.
    assert client.get(f"/auth/reset/{token}").status_code == 200


def test_reset_requests_are_rate_limited_per_account(app_factory, smtp, make):
    inbox, port = smtp
    app = app_factory(**mail_config(port), RATELIMIT_ENABLED=True,
                      RATELIMIT_RESET_ACCOUNT="2 per hour")  # fmt: skip
    make.user("belaagd", email="belaagd@example.org")
    client = app.test_client()
    for _ in range(2):
        assert client.post("/auth/reset", data={"login": "belaagd"}).status_code == 302
    refused = client.post("/auth/reset", data={"login": "belaagd"})
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
    assert 'value="belaagd"' in refused.get_data(as_text=True)
    # An account that does not exist is counted the same way.
    for _ in range(2):
        assert client.post("/auth/reset", data={"login": "niemand"}).status_code == 302
    assert client.post("/auth/reset", data={"login": "niemand"}).status_code == 429
    run_worker(app)
    assert len(inbox.to("belaagd@example.org")) == 2


def test_login_page_links_to_the_reset(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert 'href="/auth/reset"' in page


def test_reset_requests_are_rate_limited_per_address(app_factory, smtp):
    app = app_factory(**mail_config(smtp[1]), RATELIMIT_ENABLED=True, RATELIMIT_RESET="2 per hour")
    client = app.test_client()
    for name in ("een", "twee"):
        assert client.post("/auth/reset", data={"login": name}).status_code == 302
    assert client.post("/auth/reset", data={"login": "drie"}).status_code == 429
