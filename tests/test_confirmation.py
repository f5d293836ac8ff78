"""Email confirmation at registration, and a registration that does not reveal taken addresses."""

from __future__ import annotations

import re
import uuid

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from forum071 import create_app, passwords
from forum071.auth import confirm_services
from forum071.extensions import db
from forum071.models import OutgoingMail, User
from tests.conftest import config_for_tests
from tests.factories import PASSWORD
from tests.smtp_server import html_part, mail_config, smtp_server, text_part

SITE = "https://forum.example.nl"
CONFIRM_LINK = re.compile(r"https://forum\.example\.nl/auth/confirm/[\w.-]+")
RESET_LINK = re.compile(r"https://forum\.example\.nl/auth/reset\b")
NEW_PASSWORD = "paars-fiets-onder-de-brug"
TYPED = "Mijn **eerste** reactie, die ik niet kwijt wil."


@pytest.fixture
def smtp():
    with smtp_server() as server:
        yield server


@pytest.fixture
def mail_app(app_factory, smtp):
    return app_factory(**mail_config(smtp[1]))


def run_worker(app) -> None:
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output


def registration(username: str, email: str) -> dict[str, str]:
    return {
        "username": username,
        "email": email,
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
        "role": "entrepreneur",
        "organisation": "",
    }


def confirm_path(inbox, address: str) -> str:
    (message,) = inbox.to(address)
    return CONFIRM_LINK.search(text_part(message)).group(0).removeprefix(SITE)


def log_in(client, username: str, password: str = PASSWORD) -> None:
    response = client.post("/auth/login", data={"login": username, "password": password})
    assert response.status_code == 302


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def new_thread(client, title: str):
    return client.post(
        "/threads/new",
        data={
            "kind": "discussion",
            "theme": "circulaire-economie",
            "title": title,
            "body": TYPED,
            "submission_id": uuid.uuid4().hex,
        },
    )


def test_register_receive_the_mail_confirm_then_post(mail_app, smtp):
    inbox, _ = smtp
    client = mail_app.test_client()
    response = client.post("/auth/register", data=registration("nieuwkomer", "nk@example.org"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/register/sent"
    assert "Kijk in je mail" in client.get("/auth/register/sent").get_data(as_text=True)
    assert inbox.messages == []  # queued; the worker sends
    run_worker(mail_app)
    (message,) = inbox.to("nk@example.org")
    assert message["Subject"] == "Bevestig je e-mailadres voor Forum071"
    assert CONFIRM_LINK.search(html_part(message))
    path = confirm_path(inbox, "nk@example.org")

    # Logged in but unconfirmed: reading is fine, posting is refused with the text kept.
    log_in(client, "nieuwkomer", NEW_PASSWORD)
    assert client.get("/users/nieuwkomer/edit").status_code == 200
    refused = new_thread(client, "Nog niet bevestigd")
    assert refused.status_code == 403
    page = refused.get_data(as_text=True)
    assert "Bevestig eerst je e-mailadres" in page
    assert "eerste** reactie" in page
    assert 'action="/auth/confirm/resend"' in page

    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "je kunt nu berichten plaatsen" in client.get("/").get_data(as_text=True)
    assert new_thread(client, "Nu wel bevestigd").status_code == 303
    assert 'action="/auth/confirm/resend"' not in client.get("/").get_data(as_text=True)

    # The link works once.
    used = mail_app.test_client().get(path)
    assert used.status_code == 400
    assert "Deze link werkt niet meer" in used.get_data(as_text=True)


def test_unconfirmed_reply_is_refused_with_the_text_kept_and_the_link_sent_again(
    mail_app, smtp, make
):
    inbox, _ = smtp
    author = make.user("schrijfster")
    thread_id = make.thread(author)
    make.user("wachtend", email="wachtend@example.org", email_confirmed_at=None)
    client = mail_app.test_client()
    log_in(client, "wachtend")

    refused = client.post(
        f"/threads/{thread_id}/reply", data={"body": TYPED, "submission_id": uuid.uuid4().hex}
    )
    assert refused.status_code == 403
    page = refused.get_data(as_text=True)
    assert "Bevestig eerst je e-mailadres" in page and "wachtend@example.org" in page
    assert "eerste** reactie" in page
    assert 'action="/auth/confirm/resend"' in page

    response = client.post("/auth/confirm/resend", data={"next": f"/threads/{thread_id}"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/threads/{thread_id}"
    run_worker(mail_app)
    assert client.get(confirm_path(inbox, "wachtend@example.org")).status_code == 302
    accepted = client.post(
        f"/threads/{thread_id}/reply", data={"body": TYPED, "submission_id": uuid.uuid4().hex}
    )
    assert accepted.status_code == 303


def test_unconfirmed_member_cannot_support_or_flag_and_is_told_why(mail_app, make):
    author = make.user("auteur")
    thread_id = make.thread(author)
    post_id = make.reply(author, thread_id)
    make.user("nieuw", email_confirmed_at=None)
    client = mail_app.test_client()
    log_in(client, "nieuw")
    support = client.post(f"/posts/{post_id}/support")
    assert support.status_code == 403
    assert "Bevestig eerst je e-mailadres" in support.get_data(as_text=True)
    flag = client.post(f"/posts/{post_id}/flag", data={"reason": "spam", "note": "mijn notitie"})
    assert flag.status_code == 403
    assert "Bevestig eerst je e-mailadres" in flag.get_data(as_text=True)
    assert "mijn notitie" in flag.get_data(as_text=True)


def test_taken_address_gets_the_same_answer_and_mails_the_owner(mail_app, smtp, make):
    inbox, _ = smtp
    make.user("eigenaar", email="eigenaar@example.org")
    before = user_count(mail_app)
    answers = []
    for username, address in (("vrij_adres", "vrij@example.org"),
                              ("bezet_adres", "  Eigenaar@Example.org ")):  # fmt: skip
        client = mail_app.test_client()
        client.get("/auth/register")
        answers.append(client.post("/auth/register", data=registration(username, address)))
        assert client.get("/notifications").status_code == 302  # nobody is logged in
    free, taken = answers
    assert free.status_code == taken.status_code == 302
    assert free.get_data() == taken.get_data()
    assert free.headers.get("Location") == "/auth/register/sent"
    assert sorted(free.headers.items()) == sorted(taken.headers.items())
    assert "Set-Cookie" not in free.headers  # the session is not touched in either case
    assert user_count(mail_app) == before + 1
    with mail_app.app_context():
        assert db.session.scalar(select(User).where(User.username == "bezet_adres")) is None

    run_worker(mail_app)
    (warning,) = inbox.to("eigenaar@example.org")
    assert warning["Subject"] == "Iemand probeerde zich op Forum071 te registreren met je adres"
    assert RESET_LINK.search(text_part(warning))
    assert CONFIRM_LINK.search(text_part(inbox.to("vrij@example.org")[0]))


def test_a_taken_username_is_still_said_on_the_form(mail_app, make):
    make.user("publiek", email="publiek@example.org")
    response = mail_app.test_client().post(
        "/auth/register", data=registration("publiek", "ander@example.org")
    )
    assert response.status_code == 422
    assert 'value="ander@example.org"' in response.get_data(as_text=True)


def test_expired_used_and_forged_links_get_a_clear_page(mail_app, make, monkeypatch):
    user_id = make.user("traag", email="traag@example.org", email_confirmed_at=None)
    with mail_app.test_request_context():
        user = db.session.get(User, user_id)
        token = confirm_services.confirmation_token(user)
        serializer = confirm_services._serializer()
        # Signed by us, but for another address: as a link from before an address change.
        other_address = serializer.dumps(
            {"u": user_id, "e": "ander@example.org", "f": confirm_services._fingerprint(user)}
        )
    client = mail_app.test_client()
    for bad in (token[:-3] + "abc", other_address, "niets"):
        page = client.get(f"/auth/confirm/{bad}")
        assert page.status_code == 400
        assert "Deze link werkt niet meer" in page.get_data(as_text=True)
    # Logged in, the page offers to send a new link at once.
    log_in(client, "traag")
    monkeypatch.setitem(mail_app.config, "CONFIRM_EMAIL_MAX_AGE_SECONDS", -1)
    expired = client.get(f"/auth/confirm/{token}")
    assert expired.status_code == 400
    assert "Stuur me een nieuwe link" in expired.get_data(as_text=True)
    monkeypatch.setitem(mail_app.config, "CONFIRM_EMAIL_MAX_AGE_SECONDS", 48 * 3600)
    assert client.get(f"/auth/confirm/{token}").status_code == 302
    with mail_app.app_context():
        assert db.session.get(User, user_id).is_confirmed


def test_sending_the_link_again_is_rate_limited(app_factory, smtp, make):
    app = app_factory(**mail_config(smtp[1]), RATELIMIT_ENABLED=True,
                      RATELIMIT_CONFIRM_RESEND="2 per hour")  # fmt: skip
    make.user("ongeduldig", email_confirmed_at=None)
    client = app.test_client()
    log_in(client, "ongeduldig")
    for _ in range(2):
        assert client.post("/auth/confirm/resend").status_code == 303
    refused = client.post("/auth/confirm/resend")
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
    with app.app_context():
        assert db.session.scalar(select(func.count(OutgoingMail.id))) == 2


def test_cli_and_demo_users_count_as_confirmed(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "beheer_cli", "cli@example.org", "--password-stdin"],
        input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["seed", "--demo"]).exit_code == 0
    with app.app_context():
        users = db.session.scalars(select(User)).all()
        assert any(user.username == "beheer_cli" for user in users)
        assert len(users) > 2
        assert all(user.is_confirmed for user in users)


def test_both_registration_paths_hash_the_password_once(mail_app, make, monkeypatch):
    """The same work for a taken address as for a new one, so the time tells nothing."""
    make.user("bezet", email="bezet@example.org")
    calls = []
    real = passwords.hash_password
    monkeypatch.setattr(passwords, "hash_password", lambda pw: calls.append(pw) or real(pw))
    client = mail_app.test_client()
    for username, address in (("een", "een@example.org"), ("twee", "bezet@example.org")):
        calls.clear()
        assert (
            client.post("/auth/register", data=registration(username, address)).status_code == 302
        )
        assert calls == [NEW_PASSWORD]


def test_migration_counts_existing_accounts_as_confirmed(tmp_path) -> None:
    app = create_app(config_for_tests(f"sqlite:///{tmp_path / 'confirm.sqlite'}"))
    with app.app_context():
        upgrade(revision="0011_mail")
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO users (id, username, username_skeleton, email, password_hash, role, "
                "organisation, bio, official_verified, session_token, created_at, "
                "published_post_count, suspension_reason) VALUES (1, 'oud', 'oud', "
                "'oud@example.org', 'x', 'student', '', '', false, 't1', "
                "'2026-01-01 10:00:00+00:00', 0, '')"
            )
        upgrade()
        assert db.session.get(User, 1).is_confirmed
        db.engine.dispose()
