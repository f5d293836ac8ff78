"""The moderation log: in full for moderators, a summary for everyone."""

from __future__ import annotations

import pytest

from forum071.extensions import db
from forum071.models import User
from forum071.moderation.services import log_action
from tests.factories import PASSWORD


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def hidden_post(app, make) -> int:
    """A reply hidden by the moderator 'handhaver', which puts one entry in the log."""
    author = make.user("schrijver")
    make.user("handhaver", role="moderator")
    thread_id = make.thread(author, title="Fietsenstalling Stationsplein")
    post_id = make.reply(author, thread_id, "Iets ongepasts.")
    client = app.test_client()
    client.post("/auth/login", data={"login": "handhaver", "password": PASSWORD})
    response = client.post(f"/moderation/posts/{post_id}/hide", data={"reason": "Scheldwoord"})
    assert response.status_code == 303
    return post_id


def test_full_log_shows_who_did_what_on_what_why_and_when(client, auth, hidden_post):
    auth.login("handhaver")
    response = client.get("/moderation/log")
    assert response.status_code == 200
    page = text_of(response)
    assert "handhaver" in page
    assert "Hidden" in page
    assert "Fietsenstalling Stationsplein" in page
    assert "Scheldwoord" in page
    assert "<time datetime=" in page


@pytest.mark.parametrize("role", ["entrepreneur", "student", "official"])
def test_full_log_is_refused_to_members(client, make, auth, role):
    make.user("lid", role=role)
    auth.login("lid")
    assert client.get("/moderation/log").status_code == 403


def test_full_log_needs_a_login(client):
    assert client.get("/moderation/log").status_code in (302, 401)


def test_admin_reads_the_full_log(client, make, auth, hidden_post):
    make.user("beheerder", role="admin")
    auth.login("beheerder")
    assert "handhaver" in text_of(client.get("/moderation/log"))


def test_public_log_shows_action_object_reason_and_date_but_not_the_moderator(
    client, hidden_post
):
    response = client.get("/moderation/log/public")
    assert response.status_code == 200
    page = text_of(response)
    assert "Hidden" in page
    assert "Fietsenstalling Stationsplein" in page
    assert "Scheldwoord" in page
    assert "<time datetime=" in page
    assert "handhaver" not in page
    assert "Iets ongepasts" not in page


def test_public_log_names_the_moderator_when_configured(app_factory, make, hidden_post):
    app = app_factory(PUBLIC_LOG_SHOWS_MODERATOR=True)
    assert "handhaver" in text_of(app.test_client().get("/moderation/log/public"))


def test_log_uses_readable_names_for_every_action(app, client, make, auth):
    moderator_id = make.user("handhaver", role="moderator")
    with app.app_context():
        moderator = db.session.get(User, moderator_id)
        log_action(moderator, "suspend", "user", moderator_id, "spammer", "Reclame")
        log_action(None, "auto_hide", "post", 1, "#2 Een draad", "hidden after flags")
        db.session.commit()
    page = text_of(client.get("/moderation/log/public"))
    assert "Suspended" in page and "Hidden after flags" in page
    assert "suspend<" not in page and "auto_hide" not in page


def test_log_is_newest_first_and_paginated(app_factory, make):
    app = app_factory(MODERATION_LOG_PER_PAGE=2)
    moderator_id = make.user("handhaver", role="moderator")
    with app.app_context():
        moderator = db.session.get(User, moderator_id)
        for number in range(3):
            log_action(moderator, "lock", "thread", number + 1, f"Draad {number}", "")
            db.session.commit()
    client = app.test_client()
    first = text_of(client.get("/moderation/log/public"))
    assert first.index("Draad 2") < first.index("Draad 1")
    assert "Draad 0" not in first
    assert "Draad 0" in text_of(client.get("/moderation/log/public?page=2"))
    assert client.get("/moderation/log/public?page=3").status_code == 404


def test_empty_log_says_so(client):
    assert "No moderation actions yet" in text_of(client.get("/moderation/log/public"))
