"""Accounts through HTTP: registration, login, logout, sessions, passwords and the CLI."""

from __future__ import annotations

from http.cookies import SimpleCookie

import argon2
import html5lib
import pytest
from flask import Flask
from sqlalchemy import func, select

from forum071 import passwords
from forum071.auth.forms import RegisterForm
from forum071.extensions import db
from forum071.models import Project, Role, Theme, Thread, User
from tests.factories import PASSWORD

NEW_USER = {
    "username": "nieuwe_ondernemer",
    "email": "nieuw@example.org",
    "password": PASSWORD,
    "confirm": PASSWORD,
    "role": "entrepreneur",
    "organisation": "Bakkerij Het Gouden Korenaar",
}

LONG_PASSWORD = "sleutelbos-" * 5 + "fietsenrek-ab"  # 64 characters
EMOJI_PASSWORD = "🚲🌷 fiets langs de grachten 🇳🇱🧑‍🍳"


@pytest.fixture
def client(app: Flask):
    """The shared CSRF-aware client, asking for English so messages can be matched."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def fresh_client(app: Flask):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def register(client, **fields):
    return client.post("/auth/register", data={**NEW_USER, **fields})


def page(response):
    return html5lib.parse(response.get_data(as_text=True), namespaceHTMLElements=False)


def input_value(response, name: str) -> str | None:
    element = page(response).find(f".//input[@name='{name}']")
    assert element is not None, f"no input named {name}"
    return element.get("value")


def field_error(response, field_id: str) -> str:
    element = page(response).find(f".//*[@id='{field_id}-error']")
    assert element is not None, f"no error shown for {field_id}"
    return "".join(element.itertext())


def find_user(app: Flask, username: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is not None:
            db.session.expunge(user)
        return user


def user_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def is_logged_in(client) -> bool:
    """Whether the client's cookies authenticate it: a login-only page answers 200 (one an
    unconfirmed member may see too)."""
    response = client.get("/notifications")
    if response.status_code == 200:
        return True
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    return False


def set_cookies(response) -> dict[str, str]:
    """The Set-Cookie headers of a response, by cookie name (the raw header each)."""
    cookies = {}
    for header in response.headers.getlist("Set-Cookie"):
        cookies[next(iter(SimpleCookie(header).keys()))] = header
    return cookies


def cookie_flags(header: str) -> set[str]:
    return {part.strip().lower() for part in header.split(";")[1:]}


# --------------------------------------------------------------------------------------------
# Registration
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["entrepreneur", "student", "official"])
def test_register_each_self_service_role(app, client, role):
    response = register(client, username=f"nieuw_{role}", role=role)

    # Not logged in: first the address is confirmed (tests/test_confirmation.py).
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/register/sent"
    assert not is_logged_in(client)
    user = find_user(app, f"nieuw_{role}")
    assert user.role == role
    assert user.organisation == NEW_USER["organisation"]
    assert not user.official_verified
    profile = client.get(f"/users/nieuw_{role}")
    assert profile.status_code == 200
    text = profile.get_data(as_text=True)
    assert NEW_USER["organisation"] in text
    assert ("unverified" in text) == (role == "official")


@pytest.mark.parametrize("role", ["admin", "moderator"])
def test_registration_cannot_grant_a_staff_role(app, client, role):
    response = register(client, role=role)

    assert response.status_code == 422
    assert find_user(app, NEW_USER["username"]) is None
    assert not is_logged_in(client)


def test_registration_ignores_extra_privilege_fields(app, client):
    response = register(client, is_staff="1", official_verified="1", session_token="chosen")

    assert response.status_code == 302
    user = find_user(app, NEW_USER["username"])
    assert user.role == Role.ENTREPRENEUR
    assert not user.official_verified
    assert user.session_token != "chosen"


def test_duplicate_username_is_refused_with_a_message(app, client, make):
    make.user("bestaand_lid")

    response = register(client, username="Bestaand_Lid", email="ander@example.org")

    assert response.status_code == 422
    assert "This username is taken" in field_error(response, "username")
    assert user_count(app) == 1


def test_duplicate_email_makes_no_account_whatever_its_case(app, client, make):
    make.user("anna", email="anna.de.vries@example.org")

    response = register(client, email="  Anna.De.Vries@EXAMPLE.org ")

    # The same answer as for a new address (SECURITY.md R10; tests/test_confirmation.py).
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/register/sent"
    assert find_user(app, NEW_USER["username"]) is None
    assert user_count(app) == 1


def test_registration_losing_a_race_for_the_username_gets_a_form_error(
    app, client, make, monkeypatch
):
    make.user(NEW_USER["username"], email="eerder@example.org")
    # The other registration commits between this form's check and its commit.
    monkeypatch.setattr(RegisterForm, "validate_username", lambda form, field: None)

    response = register(client)

    assert response.status_code == 422
    assert "just taken" in field_error(response, "username")
    assert input_value(response, "email") == NEW_USER["email"]
    assert user_count(app) == 1
    assert not is_logged_in(client)


@pytest.mark.parametrize(
    ("password", "confirm", "field", "message"),
    [
        ("kort-1", "kort-1", "password", "at least 10 characters"),
        ("wachtwoord123", "wachtwoord123", "password", "too common"),
        (PASSWORD, PASSWORD + "!", "confirm", "The passwords differ"),
    ],
    ids=["short", "common", "mismatched-confirm"],
)
def test_weak_password_rerenders_form_with_input_kept(
    app, client, password, confirm, field, message
):
    response = register(client, password=password, confirm=confirm)

    assert response.status_code == 422
    assert message in field_error(response, field)
    assert input_value(response, "username") == NEW_USER["username"]
    assert input_value(response, "email") == NEW_USER["email"]
    assert input_value(response, "organisation") == NEW_USER["organisation"]
    # A password is never sent back in the page.
    assert not input_value(response, "password")
    assert not input_value(response, "confirm")
    assert find_user(app, NEW_USER["username"]) is None


def test_stored_password_hash_is_argon2id(app, client):
    register(client)

    stored = find_user(app, NEW_USER["username"]).password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


@pytest.mark.parametrize("password", [LONG_PASSWORD, EMOJI_PASSWORD], ids=["64-chars", "emoji"])
def test_long_and_emoji_passwords_work_end_to_end(app, client, auth, password):
    assert register(client, password=password, confirm=password).status_code == 302

    # Nothing is truncated or normalised away: a character more or less is another password.
    assert auth.login(NEW_USER["username"], password + "x").status_code == 422
    assert auth.login(NEW_USER["username"], password[:-1]).status_code == 422
    assert auth.login(NEW_USER["username"], password).status_code == 302
    assert is_logged_in(client)


def test_password_over_128_characters_is_refused_with_a_message(app, client):
    too_long = "lange-zin-" * 12 + "fietsband"  # 129 characters
    assert len(too_long) == 129

    response = register(client, password=too_long, confirm=too_long)

    assert response.status_code == 422
    assert "at most 128 characters" in field_error(response, "password")
    assert find_user(app, NEW_USER["username"]) is None


# --------------------------------------------------------------------------------------------
# Login
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "login",
    ["inge_071", "INGE_071", "inge@example.org", "  Inge@Example.ORG "],
    ids=["username", "username-upper", "email", "email-mixed-case"],
)
def test_login_by_username_or_email_ignores_case(client, auth, make, login):
    make.user("inge_071", email="inge@example.org")

    response = auth.login(login)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert is_logged_in(client)


def test_wrong_password_and_unknown_user_look_the_same(app, client, auth, make, monkeypatch):
    make.user("bekend_lid")
    calls: list[str] = []
    real_verify, real_dummy = passwords.verify_password, passwords.verify_dummy
    real_argon2_verify = argon2.PasswordHasher.verify

    def spy_verify(stored_hash, password):
        calls.append("verify_password")
        return real_verify(stored_hash, password)

    def spy_dummy(password):
        calls.append("verify_dummy")
        return real_dummy(password)

    def spy_argon2(self, stored_hash, password):
        calls.append("argon2")
        return real_argon2_verify(self, stored_hash, password)

    monkeypatch.setattr(passwords, "verify_password", spy_verify)
    monkeypatch.setattr(passwords, "verify_dummy", spy_dummy)
    monkeypatch.setattr(argon2.PasswordHasher, "verify", spy_argon2)

    wrong_password = auth.login("bekend_lid", "niet-het-goede-wachtwoord")
    wrong_calls, calls[:] = list(calls), []
    unknown_user = auth.login("onbekend_lid", "niet-het-goede-wachtwoord")
    unknown_calls = list(calls)

    assert wrong_password.status_code == unknown_user.status_code == 422
    # The page differs only in the name that was typed back into the form.
    wrong_text = wrong_password.get_data(as_text=True).replace("bekend_lid", "NAME")
    unknown_text = unknown_user.get_data(as_text=True).replace("onbekend_lid", "NAME")
    assert wrong_text == unknown_text
    assert "wrong password" in field_error(wrong_password, "password")
    # One real Argon2 verification on each path, so timing does not tell them apart.
    assert wrong_calls == ["verify_password", "argon2"]
    assert unknown_calls == ["verify_dummy", "verify_password", "argon2"]
    assert wrong_calls.count("argon2") == unknown_calls.count("argon2") == 1


def test_failed_login_keeps_the_typed_login_but_not_the_password(client, auth, make):
    make.user("bekend_lid")

    response = auth.login("bekend_lid", "niet-het-goede-wachtwoord")

    assert input_value(response, "login") == "bekend_lid"
    assert not input_value(response, "password")
    assert not is_logged_in(client)


def test_login_rehashes_a_hash_made_with_other_parameters(app, auth, make):
    user_id = make.user("oud_lid")
    old_hash = argon2.PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1).hash(PASSWORD)
    with app.app_context():
        db.session.get(User, user_id).password_hash = old_hash
        db.session.commit()

    assert auth.login("oud_lid", "niet-het-goede-wachtwoord").status_code == 422
    assert make.get(User, user_id).password_hash == old_hash

    assert auth.login("oud_lid").status_code == 302
    new_hash = make.get(User, user_id).password_hash
    assert new_hash != old_hash
    assert new_hash.startswith("$argon2id$")
    assert "m=1024,t=1,p=1" in new_hash
    assert not passwords.needs_rehash(new_hash)
    assert passwords.verify_password(new_hash, PASSWORD)


def test_login_starts_a_fresh_session(app, client, auth, make):
    make.user("lid")
    old_token = client.csrf_token()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    old_cookie = client.get_cookie("session").value

    auth.login("lid")

    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != old_token
    assert client.get_cookie("session").value != old_cookie
    # The token of the session before login no longer works.
    response = client.post("/threads/new", data={"csrf_token": old_token, "title": "x"})
    assert response.status_code == 400
    # A pre-login cookie someone else holds is still anonymous.
    other = fresh_client(app)
    other.set_cookie("session", old_cookie)
    assert not is_logged_in(other)


def test_language_choice_survives_login_and_logout(client, auth, make):
    make.user("lid")
    client.post("/language/nl")

    auth.login("lid")
    with client.session_transaction() as session:
        assert session["language"] == "nl"
    auth.logout()
    with client.session_transaction() as session:
        assert session["language"] == "nl"
        assert "_user_id" not in session


# --------------------------------------------------------------------------------------------
# Logout and cookies
# --------------------------------------------------------------------------------------------


def test_logout_is_post_only(client, auth, make):
    make.user("lid")
    auth.login("lid")

    response = client.get("/auth/logout")

    assert response.status_code == 405
    assert is_logged_in(client)


def test_logout_logs_out(client, auth, make):
    make.user("lid")
    auth.login("lid")

    response = auth.logout()

    assert response.status_code == 302
    assert not is_logged_in(client)


def test_copied_session_cookie_no_longer_authenticates_after_logout(app, client, auth, make):
    make.user("lid")
    auth.login("lid")
    copied = client.get_cookie("session").value
    thief = fresh_client(app)
    thief.set_cookie("session", copied)
    assert is_logged_in(thief)

    auth.logout()

    thief = fresh_client(app)
    thief.set_cookie("session", copied)
    assert not is_logged_in(thief)


def test_copied_remember_cookie_no_longer_authenticates_after_logout(app, client, auth, make):
    make.user("lid")
    auth.login("lid", remember="y")
    copied = client.get_cookie("remember_token").value
    thief = fresh_client(app)
    thief.set_cookie("remember_token", copied)
    assert is_logged_in(thief)

    auth.logout()

    thief = fresh_client(app)
    thief.set_cookie("remember_token", copied)
    assert not is_logged_in(thief)


def test_logout_deletes_the_remember_cookie(client, auth, make):
    make.user("lid")
    auth.login("lid", remember="y")
    assert client.get_cookie("remember_token") is not None

    auth.logout()

    assert client.get_cookie("remember_token") is None


def test_remember_me_sets_an_httponly_remember_cookie(client, auth, make):
    make.user("lid")

    response = auth.login("lid", remember="y")

    header = set_cookies(response)["remember_token"]
    assert {"httponly", "samesite=lax"} <= cookie_flags(header)
    assert "secure" not in cookie_flags(header)


def test_login_without_remember_me_sets_no_remember_cookie(client, auth, make):
    make.user("lid")

    response = auth.login("lid")

    assert "remember_token" not in set_cookies(response)
    assert client.get_cookie("remember_token") is None


def test_session_cookie_is_httponly_and_samesite_lax(client, auth, make):
    make.user("lid")

    response = auth.login("lid")

    flags = cookie_flags(set_cookies(response)["session"])
    assert {"httponly", "samesite=lax"} <= flags
    assert "secure" not in flags


def test_cookies_are_secure_when_configured(app_factory, make):
    secure_app = app_factory(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    make.user("lid")
    client = secure_app.test_client()

    response = client.post(
        "/auth/login", data={"login": "lid", "password": PASSWORD, "remember": "y"}
    )

    assert response.status_code == 302
    cookies = set_cookies(response)
    assert {"secure", "httponly", "samesite=lax"} <= cookie_flags(cookies["session"])
    assert {"secure", "httponly", "samesite=lax"} <= cookie_flags(cookies["remember_token"])


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def invoke_in_app_context(app: Flask, runner, args: list[str]):
    # `flask seed` gets an app context from FlaskGroup; the test runner calls app.cli, which
    # pushes one only for commands made with AppGroup.command (`users ...`), not for `seed`.
    with app.app_context():
        return runner.invoke(args=args)


def counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Theme, Project, User, Thread)
        }


def test_users_create_prints_the_new_id(app, runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Nieuwe_Mod",
            "Mod@Example.org",
            "--role",
            "moderator",
            "--password-stdin",
        ],
        input=f"{PASSWORD}\n",
    )

    assert result.exit_code == 0, result.output
    user = find_user(app, "nieuwe_mod")
    assert result.output.strip() == str(user.id)
    assert user.role == Role.MODERATOR
    assert user.email == "mod@example.org"
    assert user.password_hash.startswith("$argon2id$")
    assert passwords.verify_password(user.password_hash, PASSWORD)


@pytest.mark.parametrize(
    ("password", "message"),
    [("wachtwoord123", "too common"), ("kort", "at least 10 characters")],
    ids=["common", "short"],
)
def test_users_create_refuses_a_weak_password(app, runner, password, message):
    result = runner.invoke(
        args=["users", "create", "zwak", "zwak@example.org", "--password-stdin"],
        input=f"{password}\n",
    )

    assert result.exit_code != 0
    assert message in result.output
    assert find_user(app, "zwak") is None


@pytest.mark.parametrize(
    ("username", "email"),
    [("bestaand", "nieuw@example.org"), ("nieuw", "BESTAAND@example.org")],
    ids=["username", "email"],
)
def test_users_create_refuses_a_duplicate(app, runner, make, username, email):
    make.user("bestaand", email="bestaand@example.org")

    result = runner.invoke(
        args=["users", "create", username, email, "--password-stdin"], input=f"{PASSWORD}\n"
    )

    assert result.exit_code != 0
    assert "already exists" in result.output
    assert user_count(app) == 1


def test_seed_is_idempotent(app, runner):
    before = counts(app)

    for _ in range(2):
        result = invoke_in_app_context(app, runner, ["seed"])
        assert result.exit_code == 0, result.output
        assert "Seeded" in result.output

    after = counts(app)
    assert after == before
    assert after["Theme"] >= 9
    assert after["Project"] == 10


def test_seed_demo_adds_demo_content_once(app, runner):
    before = counts(app)

    first = invoke_in_app_context(app, runner, ["seed", "--demo"])
    after_first = counts(app)
    second = invoke_in_app_context(app, runner, ["seed", "--demo"])
    after_second = counts(app)

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert after_first["User"] > before["User"]
    assert after_first["Thread"] > before["Thread"]
    assert after_second == after_first
    assert "0 users and 0 threads added" in second.output


# The draft kept through a login: tests/test_login_drafts.py.


def test_a_carried_draft_never_targets_another_host(client, make):
    make.user("draft_host")
    response = client.post(
        "/auth/login",
        data={
            "login": "draft_host",
            "password": "paars-fiets-onder-de-brug",
            "draft_target": "//evil.example/threads/new",
            "draft__body": "tekst",
        },
    )
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]
