"""Remembered list rows and posts (fragments.py): reused, but never once they are out of date.

The suite runs with the fragment store on, so every page test also reads remembered pieces;
these tests change exactly what a piece shows, after it was remembered, and read it again.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import update

from forum071.extensions import db
from forum071.fragments import remember
from forum071.models import Post, Theme, User
from tests.factories import PASSWORD, Factories

EN = {"Accept-Language": "en"}
NL = {"Accept-Language": "nl"}


def stored(app: Flask) -> dict:
    return app.extensions["forum071_fragments"]


@pytest.fixture
def author(make) -> int:
    return make.user("femke", role="entrepreneur", organisation="Koffiebar De Haven")


@pytest.fixture
def thread(make, author) -> int:
    return make.thread(author, title="Statiegeld op koffiebekers", body="Wie doet er **mee**?")


def thread_page(client, thread_id: int, **headers: str) -> str:
    return client.get(f"/threads/{thread_id}", follow_redirects=True, headers=headers).text


def test_list_rows_and_posts_are_remembered_and_reused(app, client, thread):
    client.get("/", headers=EN)
    rows = len(stored(app))
    thread_page(client, thread, **EN)
    assert rows >= 1
    assert len(stored(app)) == rows + 1  # the opening post

    again = client.get("/", headers=EN)

    assert len(stored(app)) == rows + 1
    assert "Statiegeld op koffiebekers" in again.text


def test_a_reply_changes_the_row_and_the_thread_at_once(app, client, make, thread):
    assert "0 replies" in client.get("/themes/circulaire-economie", headers=EN).text

    make.reply(make.user("lotte", role="student"), thread, "Ik doe mee met de *pilot*.")

    theme = client.get("/themes/circulaire-economie", headers=EN).text
    assert "1 reply" in theme and "by lotte" in theme
    page = thread_page(client, thread, **EN)
    assert "<em>pilot</em>" in page and "lotte" in page


def test_the_same_rows_and_posts_in_the_other_language(app, client, thread):
    assert "0 reacties" in client.get("/", headers=NL).text
    thread_page(client, thread, **NL)

    front = client.get("/", headers=EN).text
    assert "0 replies" in front and "0 reacties" not in front
    assert "Entrepreneur" in thread_page(client, thread, **EN)


def test_an_edited_post_shows_its_new_text(app, client, auth, thread):
    assert "<strong>mee</strong>" in thread_page(client, thread)
    auth.login("femke", PASSWORD)
    post = _opening_post(app, thread)

    response = client.post(
        f"/posts/{post.id}/edit",
        data={"body": "Wie doet er **niet** mee?", "base_version": post.version},
    )

    assert response.status_code == 303
    page = thread_page(client, thread)
    assert "<strong>niet</strong>" in page and "<strong>mee</strong>" not in page
    assert "post__edited" in page


def test_an_authors_new_organisation_and_verification_show_on_their_posts(app, client, make):
    official = make.user("ambtenaar_ruud", role="official", organisation="Gemeente X")
    thread = make.thread(official, title="Subsidie voor zonnedaken op bedrijventerreinen")
    page = thread_page(client, thread, **EN)
    assert "Gemeente X" in page and "(unverified)" in page

    with app.app_context():
        db.session.execute(
            update(User)
            .where(User.id == official)
            .values(organisation="Gemeente Leiden", official_verified=True)
        )
        db.session.commit()

    page = thread_page(client, thread, **EN)
    assert "Gemeente Leiden" in page and "Gemeente X" not in page
    assert "(unverified)" not in page


def test_a_renamed_theme_shows_its_new_name_in_rows(app, client, thread):
    assert "Circulaire economie" in client.get("/", headers=NL).text
    with app.app_context():
        db.session.execute(
            update(Theme).where(Theme.slug == "circulaire-economie").values(name="Kringloop")
        )
        db.session.commit()

    assert "Kringloop" in client.get("/", headers=NL).text.split('class="thread-list"')[1]


def test_a_hidden_post_is_not_shown_from_the_store(app, client, auth, make, thread):
    reply = make.reply(make.user("spammer"), thread, "Koop nu goedkope **koffie**!")
    assert "goedkope" in thread_page(client, thread)
    make.user("moderator", role="moderator")
    auth.login("moderator", PASSWORD)
    hidden = client.post(f"/moderation/posts/{reply}/hide", data={"reason": "Reclame"})
    assert hidden.status_code == 303
    auth.logout()

    assert "goedkope" not in thread_page(client, thread)


def test_the_store_can_be_switched_off(app_factory):
    off = app_factory(FRAGMENT_CACHE_CHARACTERS=0)
    make_off = Factories(off)
    make_off.thread(make_off.user("femke"), title="Statiegeld op koffiebekers")

    page = off.test_client().get("/")

    assert "Statiegeld op koffiebekers" in page.text
    assert stored(off) == {}


def test_the_store_stays_within_its_budget_and_skips_huge_pieces(app_factory):
    small = app_factory(FRAGMENT_CACHE_CHARACTERS=100_000)
    renders = []

    def render(text: str) -> str:
        renders.append(text)
        return text

    with small.test_request_context("/"):
        for number in range(300):
            piece = f"{number:04d}" * 100
            assert remember(("piece", number), render, piece) == piece
        assert remember(("piece", 299), render, "anders") == "0299" * 100  # remembered
        huge = "x" * 1_000
        remember(("huge",), render, huge)
        remember(("huge",), render, huge)

    assert renders.count(huge) == 2  # over a hundredth of the budget: never kept
    assert 0 < small.extensions["forum071_fragments_size"][0] <= 100_000
    assert len(stored(small)) < 300  # cleared on the way


def _opening_post(app: Flask, thread_id: int) -> Post:
    with app.app_context():
        post = db.session.scalars(
            db.select(Post).where(Post.thread_id == thread_id, Post.number == 1)
        ).one()
        db.session.expunge(post)
        return post
