"""Account settings through HTTP: a new password, logging out everywhere, the language."""

from __future__ import annotations

from sqlalchemy import select

from forum071.extensions import db
from forum071.models import User
from tests.factories import PASSWORD

NEW_PASSWORD = "zeven-groene-kikkers-op-het-dak"


def logged_in(app, username: str, password: str = PASSWORD, **extra):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post("/auth/login", data={"login": username, "password": password, **extra})
    assert response.status_code == 302, "could not log in"
    return client


def is_logged_in(client) -> bool:
    return client.get("/account").status_code == 200


def user_row(app, username: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        db.session.expunge(user)
        return user


def change_password(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post(
        "/account/password",
        data={"current_password": current, "password": new, "confirm": confirm or new},
    )


def test_account_page_shows_the_settings(app, make):
    make.user("lid")
    client = logged_in(app, "lid")
    page = client.get("/account").get_data(as_text=True)
    for name in ("current_password", "confirm", 'name="language"'):
        assert name in page
    assert "/account/logout-everywhere" in page
    assert "/account/export" in page and "/account/delete" in page
    # Changing the address and notification preferences come later, with mail: no dead links.
    assert "email" not in page.lower().replace("email address", "")


def test_password_change_ends_other_sessions_and_keeps_this_one(app, make, auth):
    make.user("lid")
    other_device = logged_in(app, "lid")
    remembered = logged_in(app, "lid", remember="y")
    copied = remembered.get_cookie("remember_token").value
    client = logged_in(app, "lid")

    response = change_password(client)

    assert response.status_code == 303
    assert is_logged_in(client)
    assert not is_logged_in(other_device)
    thief = app.test_client()
    thief.set_cookie("remember_token", copied)
    assert not is_logged_in(thief)
    # The old password no longer logs in, the new one does.
    stranger = app.test_client()
    assert (
        stranger.post("/auth/login", data={"login": "lid", "password": PASSWORD}).status_code == 422
    )
    assert logged_in(app, "lid", NEW_PASSWORD)


def test_password_change_renews_this_devices_remember_cookie(app, make):
    make.user("lid")
    client = logged_in(app, "lid", remember="y")
    old_cookie = client.get_cookie("remember_token").value
    assert change_password(client).status_code == 303
    new_cookie = client.get_cookie("remember_token").value
    assert new_cookie != old_cookie
    restarted = app.test_client()  # the browser closed: only the remember cookie is left
    restarted.set_cookie("remember_token", new_cookie)
    assert is_logged_in(restarted)


def test_wrong_current_password_is_refused_and_changes_nothing(app, make):
    make.user("lid")
    client = logged_in(app, "lid")
    before = user_row(app, "lid")

    response = change_password(client, current="niet-mijn-wachtwoord-123")

    assert response.status_code == 422
    assert "This is not your current password." in response.get_data(as_text=True)
    after = user_row(app, "lid")
    assert (after.password_hash, after.session_token) == (
        before.password_hash,
        before.session_token,
    )


def test_new_password_follows_the_registration_policy(app, make):
    make.user("annadevries")
    client = logged_in(app, "annadevries")
    short = change_password(client, new="kort")
    assert short.status_code == 422
    assert "Use at least 10 characters." in short.get_data(as_text=True)
    common = change_password(client, new="wachtwoord123")
    assert "too common" in common.get_data(as_text=True)
    with_name = change_password(client, new="annadevries-is-de-beste")
    assert "must not contain your username" in with_name.get_data(as_text=True)
    differ = change_password(client, confirm="iets-heel-anders-dan-dat")
    assert "The passwords differ." in differ.get_data(as_text=True)
    assert logged_in(app, "annadevries", PASSWORD)


def test_password_change_needs_a_csrf_token(app, make):
    make.user("lid")
    client = logged_in(app, "lid")
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        csrf=False,
    )
    assert response.status_code in (400, 422)
    assert logged_in(app, "lid", PASSWORD)


def test_log_out_everywhere_ends_every_session(app, make):
    make.user("lid")
    other_device = logged_in(app, "lid")
    client = logged_in(app, "lid", remember="y")
    copied = client.get_cookie("remember_token").value

    response = client.post("/account/logout-everywhere")

    assert response.status_code == 303
    assert not is_logged_in(client)
    assert not is_logged_in(other_device)
    thief = app.test_client()
    thief.set_cookie("remember_token", copied)
    assert not is_logged_in(thief)
    assert logged_in(app, "lid")  # the password still works


def test_log_out_everywhere_is_post_only_and_needs_a_token(app, make):
    make.user("lid")
    client = logged_in(app, "lid")
    assert client.get("/account/logout-everywhere").status_code == 405
    assert client.post("/account/logout-everywhere", csrf=False).status_code == 400
    assert is_logged_in(client)


def test_language_is_stored_and_used_without_accept_language(app, make):
    make.user("lid")
    client = logged_in(app, "lid")
    response = client.post("/account/language", data={"language": "en"})
    assert response.status_code == 303
    assert user_row(app, "lid").language == "en"

    # A new device with no language preference at all: the stored one applies.
    fresh = app.test_client()
    fresh.post("/auth/login", data={"login": "lid", "password": PASSWORD})
    page = fresh.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page

    client.post("/account/language", data={"language": "nl"})
    page = fresh.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="nl">' in page  # the member's choice beats the browser's


def test_language_button_stores_the_choice_on_the_account(app, make):
    make.user("lid")
    client = logged_in(app, "lid")
    assert client.post("/language/en").status_code == 303
    assert user_row(app, "lid").language == "en"
    fresh = app.test_client()
    fresh.post("/auth/login", data={"login": "lid", "password": PASSWORD})
    assert '<html lang="en">' in fresh.get("/").get_data(as_text=True)


def test_unknown_language_is_refused_with_a_message(app, make):
    make.user("lid")
    client = logged_in(app, "lid")
    response = client.post("/account/language", data={"language": "de"})
    assert response.status_code == 422
    assert user_row(app, "lid").language is None


def test_visitors_language_still_follows_the_browser(client):
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )


def test_suspended_member_may_change_password(app, make):
    from forum071.models import utcnow

    make.user("geschorst", suspended_at=utcnow(), suspension_reason="Spam")
    client = logged_in(app, "geschorst")
    assert client.get("/account").status_code == 200
    assert change_password(client).status_code == 303


def test_guessing_the_current_password_is_throttled(app_factory, make):
    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN_ACCOUNT="2 per minute")
    make.user("lid")
    client = logged_in(app, "lid")
    for _ in range(2):
        assert change_password(client, current="fout-geraden-wachtwoord").status_code == 422
    response = change_password(client)  # the right one, but after too many wrong ones
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert "Too many wrong passwords" in response.get_data(as_text=True)
    deletion = client.post("/account/delete", data={"password": PASSWORD, "posts": "keep"})
    assert deletion.status_code == 429
    assert is_logged_in(client)
    # Typing one's password right does not count: another member is not affected.
    make.user("ander")
    other = logged_in(app, "ander")
    assert change_password(other).status_code == 303
