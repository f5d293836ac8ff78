"""Spam defences besides rate limits: the registration honeypot, and at most a few links and
@mentions per post while an account is still pre-moderated."""

from __future__ import annotations

import re

import html5lib
import pytest
from sqlalchemy import func, select

from forum071.extensions import db
from forum071.models import Post, Role, User
from forum071.threads.forms import count_links, count_mentions
from tests.factories import PASSWORD

SUBMISSION_FIELD = re.compile(r'name="submission_id" type="hidden" value="([0-9a-f]{32})"')
THEME = "circulaire-economie"

NEW_USER = {
    "username": "nieuwe_ondernemer",
    "email": "nieuw@example.org",
    "password": PASSWORD,
    "confirm": PASSWORD,
    "role": "entrepreneur",
    "organisation": "",
}


def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def text_of(response) -> str:
    return response.get_data(as_text=True)


def tree_of(response):
    return html5lib.parse(text_of(response), namespaceHTMLElements=False)


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


# Honeypot --------------------------------------------------------------------------------


def test_the_honeypot_is_hidden_unreachable_and_labelled(client):
    page = english(client).get("/auth/register")
    tree = tree_of(page)
    field = tree.find(".//input[@name='website']")
    assert field is not None
    assert field.get("tabindex") == "-1"
    assert field.get("autocomplete") == "off"
    assert field.get("value", "") == ""
    label = tree.find(f".//label[@for='{field.get('id')}']")
    assert label is not None and label.text.strip() == "Leave this empty"
    wrapper = tree.find(".//div[@class='visually-hidden']/input[@name='website']")
    assert wrapper is not None


def test_a_filled_honeypot_creates_no_account_and_does_not_say_why(app, client):
    before = user_count(app)
    response = english(client).post(
        "/auth/register", data={**NEW_USER, "website": "https://spam.example"}
    )
    assert response.status_code == 422
    assert user_count(app) == before
    body = text_of(response)
    assert "Leave this empty" in body  # only the field's own label
    for giveaway in ("honeypot", "bot", "spam.example"):
        assert giveaway not in body.lower()
    # What was typed is still there (except the passwords, which are never sent back).
    assert tree_of(response).find(".//input[@name='username']").get("value") == NEW_USER["username"]
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_a_person_whose_browser_filled_the_honeypot_can_send_again(app, client):
    refused = english(client).post("/auth/register", data={**NEW_USER, "website": "x"})
    assert refused.status_code == 422
    # The form comes back with the hidden field empty; sending it again works.
    assert tree_of(refused).find(".//input[@name='website']").get("value", "") == ""
    again = client.post("/auth/register", data={**NEW_USER, "website": ""})
    assert again.status_code == 302
    assert user_count(app) == 1


# Links and mentions while pre-moderated ---------------------------------------------------


@pytest.mark.parametrize(
    ("source", "links"),
    [
        ("Geen links hier.", 0),
        ("Zie https://example.org en http://example.net/pad?x=1.", 2),
        ("[onze site](https://example.org) en [nog een](https://example.net)", 2),
        ("<https://example.org> en www.example.com en ![logo](https://example.org/a.png)", 3),
        ("`https://in-code.example` telt niet", 0),
    ],
)
def test_count_links(app, source, links):
    with app.app_context():
        assert count_links(source) == links


@pytest.mark.parametrize(
    ("source", "mentions"),
    [
        ("Hallo @anna en @bram, en nog eens @Anna.", 2),
        ("mail info@example.org", 0),
        ("@een @twee @drie", 3),
    ],
)
def test_count_mentions(source, mentions):
    assert count_mentions(source) == mentions


@pytest.fixture
def premoderated(app_factory, make):
    """An app with pre-moderation on, a thread, and a new member's logged-in client."""
    app = app_factory(PREMODERATION_POSTS=2)
    owner = make.user("eigenaar", role=Role.MODERATOR)
    thread_id = make.thread(owner)
    make.user("nieuweling")
    client = english(app.test_client())
    assert client.post(
        "/auth/login", data={"login": "nieuweling", "password": PASSWORD}
    ).status_code == 302
    return app, client, thread_id


def reply(client, thread_id: int, body: str):
    page = text_of(client.get(f"/threads/{thread_id}", follow_redirects=True))
    data = {"body": body, "submission_id": SUBMISSION_FIELD.search(page).group(1)}
    return client.post(f"/threads/{thread_id}/reply", data=data)


def replies_by(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(Post.id)).join(User, Post.author_id == User.id).where(
                User.username == username
            )
        )


def test_a_premoderated_member_may_post_two_links(premoderated):
    app, client, thread_id = premoderated
    response = reply(client, thread_id, "Zie https://example.org en [dit](https://example.net).")
    assert response.status_code == 303
    assert replies_by(app, "nieuweling") == 1


def test_a_third_link_is_refused_and_the_text_kept(premoderated):
    app, client, thread_id = premoderated
    body = "Koop nu: https://a.example https://b.example [goedkoop](https://c.example)"
    response = reply(client, thread_id, body)
    assert response.status_code == 422
    assert "at most 2 links (this one has 3)" in text_of(response)
    assert tree_of(response).find(".//textarea[@name='body']").text.strip() == body
    assert replies_by(app, "nieuweling") == 0


def test_a_third_mention_is_refused(premoderated):
    app, client, thread_id = premoderated
    response = reply(client, thread_id, "Hoi @anna, @bram en @carla!")
    assert response.status_code == 422
    assert "mention at most 2 members (this one mentions 3)" in text_of(response)
    assert replies_by(app, "nieuweling") == 0


def test_a_new_thread_with_too_many_links_is_refused(premoderated):
    _app, client, _thread_id = premoderated
    page = text_of(client.get("/threads/new"))
    body = "https://a.example https://b.example https://c.example"
    response = client.post("/threads/new", data={
        "kind": "discussion",
        "theme": THEME,
        "title": "Goedkope aanbiedingen",
        "body": body,
        "submission_id": SUBMISSION_FIELD.search(page).group(1),
    })
    assert response.status_code == 422
    assert "at most 2 links" in text_of(response)
    assert tree_of(response).find(".//input[@name='title']").get("value") == "Goedkope aanbiedingen"


@pytest.mark.parametrize(
    ("role", "fields"),
    [
        (Role.MODERATOR, {}),
        (Role.ADMIN, {}),
        (Role.OFFICIAL, {"official_verified": True}),
    ],
)
def test_trusted_members_are_not_limited(app_factory, make, role, fields):
    app = app_factory(PREMODERATION_POSTS=2)
    owner = make.user("eigenaar")
    thread_id = make.thread(owner)
    make.user("vertrouwd", role=role, **fields)
    client = english(app.test_client())
    client.post("/auth/login", data={"login": "vertrouwd", "password": PASSWORD})
    response = reply(client, thread_id, "https://a.example https://b.example @een @twee @drie "
                                        "https://c.example")
    assert response.status_code == 303


def test_no_limit_once_premoderation_is_off(client, make):
    owner = make.user("eigenaar")
    thread_id = make.thread(owner)
    make.user("nieuweling")
    english(client).post("/auth/login", data={"login": "nieuweling", "password": PASSWORD})
    response = reply(client, thread_id, "https://a.example https://b.example https://c.example")
    assert response.status_code == 303
