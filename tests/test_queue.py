"""The review queue: one page for moderators with everything that waits, oldest first."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from forum071.extensions import db
from forum071.models import Flag, Post
from tests.factories import PASSWORD

SUBMISSION_FIELD = re.compile(r'name="submission_id" type="hidden" value="([0-9a-f]{32})"')


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def app(app_factory):
    return app_factory(PREMODERATION_POSTS=2, RATELIMIT_ENABLED=False)


def english_client(app):
    """A client that reads the site in English, so assertions survive the translation."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def client_of(app, login: str):
    client = english_client(app)
    response = client.post("/auth/login", data={"login": login, "password": PASSWORD})
    assert response.status_code == 302
    return client


def reply_to(client, thread_id: int, body: str):
    page = text_of(client.get(f"/threads/{thread_id}", follow_redirects=True))
    data = {"body": body, "submission_id": SUBMISSION_FIELD.search(page).group(1)}
    return client.post(f"/threads/{thread_id}/reply", data=data)


def add_flag(app, post_id: int, user_id: int, reason: str = "spam", note: str = "") -> None:
    with app.app_context():
        db.session.add(Flag(post_id=post_id, user_id=user_id, reason=reason, note=note))
        db.session.get(Post, post_id).flag_count += 1
        db.session.commit()


@pytest.fixture
def people(make) -> dict[str, int]:
    return {
        "nieuw": make.user("nieuwkomer"),
        "lid": make.user("vasteklant", organisation="Bakkerij Leiden"),
        "melder": make.user("melder"),
        "mod": make.user("moderator", role="moderator"),
        "admin": make.user("beheerder", role="admin"),
        "ambtenaar": make.user("gemeentelid", role="official", organisation="Gemeente Leiden"),
    }


def test_anonymous_visitor_is_sent_to_log_in(app):
    response = english_client(app).get("/moderation/queue")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("login", ["vasteklant", "gemeentelid"])
def test_members_may_not_see_the_queue(app, people, login):
    assert client_of(app, login).get("/moderation/queue").status_code == 403


@pytest.mark.parametrize("login", ["moderator", "beheerder"])
def test_moderators_and_admins_see_the_queue(app, people, login):
    assert client_of(app, login).get("/moderation/queue").status_code == 200


def test_queue_shows_pending_posts_flags_and_officials_with_their_context(app, make, people):
    thread_id = make.thread(people["lid"], title="Een draad over verpakkingen")
    reply_to(client_of(app, "nieuwkomer"), thread_id, "Mijn **eerste** bijdrage.")
    flagged_id = make.reply(people["lid"], thread_id, "Koop hier goedkope horloges")
    add_flag(app, flagged_id, people["melder"], "other", note="Lijkt op reclame")
    page = text_of(client_of(app, "moderator").get("/moderation/queue"))
    with app.app_context():
        pending_id = db.session.scalar(select(Post.id).where(Post.state == "pending"))
    # The waiting reply: its thread, its author's history, its text, the buttons.
    assert "Een draad over verpakkingen" in page
    assert "nieuwkomer" in page and "0 published posts" in page
    assert "Mijn <strong>eerste</strong> bijdrage." in page
    assert f'action="/moderation/posts/{pending_id}/approve"' in page
    assert f'action="/moderation/posts/{pending_id}/reject"' in page
    # The flagged post with the flag's reason and note.
    assert "Koop hier goedkope horloges" in page
    assert "Lijkt op reclame" in page and "melder" in page
    # The official awaiting verification, with the button.
    assert 'action="/moderation/users/gemeentelid/verify"' in page


def test_queue_lists_the_oldest_first(app, make, people):
    thread_id = make.thread(people["lid"], title="Een drukke draad")
    newcomer = client_of(app, "nieuwkomer")
    reply_to(newcomer, thread_id, "Eerste wachtende reactie")
    reply_to(newcomer, thread_id, "Tweede wachtende reactie")
    page = text_of(client_of(app, "moderator").get("/moderation/queue"))
    assert page.index("Eerste wachtende reactie") < page.index("Tweede wachtende reactie")


def test_moderators_are_told_something_waits(app, make, people):
    thread_id = make.thread(people["lid"], title="Een draad")
    reply_to(client_of(app, "nieuwkomer"), thread_id, "Wacht op goedkeuring")
    moderator_page = text_of(client_of(app, "moderator").get("/"))
    # One waiting post and one official to verify.
    assert 'href="/moderation/queue"' in moderator_page
    assert "(2)" in moderator_page
    member_page = text_of(client_of(app, "vasteklant").get("/"))
    assert 'href="/moderation/queue"' not in member_page


def test_approving_from_the_queue_returns_to_it_and_empties_it(app, make, people):
    thread_id = make.thread(people["lid"], title="Een draad")
    reply_to(client_of(app, "nieuwkomer"), thread_id, "Wacht op goedkeuring")
    with app.app_context():
        post_id = db.session.scalar(select(Post.id).where(Post.state == "pending"))
    moderator = client_of(app, "moderator")
    response = moderator.post(f"/moderation/posts/{post_id}/approve")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/moderation/queue")
    page = text_of(moderator.get("/moderation/queue"))
    assert f'action="/moderation/posts/{post_id}/approve"' not in page


def test_queue_sections_are_paginated(app_factory, make, people):
    app = app_factory(PREMODERATION_POSTS=5, QUEUE_PER_PAGE=2, RATELIMIT_ENABLED=False)
    thread_id = make.thread(people["lid"], title="Een draad")
    newcomer = client_of(app, "nieuwkomer")
    for number in range(3):
        reply_to(newcomer, thread_id, f"Wachtende reactie {number}")
    moderator = client_of(app, "moderator")
    first = text_of(moderator.get("/moderation/queue"))
    assert "Wachtende reactie 0" in first and "Wachtende reactie 2" not in first
    second = text_of(moderator.get("/moderation/queue?posts_page=2"))
    assert "Wachtende reactie 2" in second and "Wachtende reactie 0" not in second
    # A page past the end (handled meanwhile) shows the last page.
    assert moderator.get("/moderation/queue?posts_page=9").status_code == 200
    assert moderator.get("/moderation/queue?posts_page=x").status_code == 404
