"""The visitors' page cache: reused only for visitors, and never after a write."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import insert, select, update

from forum071.extensions import db
from forum071.models import Post, Thread, cache_generation
from tests.factories import PASSWORD

EN = {"Accept-Language": "en"}


@pytest.fixture
def app(app_factory) -> Flask:
    app = app_factory(ANONYMOUS_PAGE_CACHE_ENTRIES=50)
    with app.app_context():
        db.session.execute(insert(cache_generation).values(id=1, value=0))
        db.session.commit()
    return app


@pytest.fixture
def thread(make) -> int:
    author = make.user("femke", role="entrepreneur")
    return make.thread(author, title="Statiegeld op koffiebekers", body="Wie doet er mee?")


def generation(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(cache_generation.c.value))


def test_a_visitor_gets_the_same_page_again_for_one_query(app, client, thread, count_queries):
    first = client.get(f"/threads/{thread}", follow_redirects=True, headers=EN)
    url = first.request.path

    with count_queries() as counter:
        second = client.get(url, headers=EN)

    assert second.status_code == 200
    assert second.data == first.data
    assert counter.count == 1  # the generation
    assert "Set-Cookie" not in second.headers
    assert second.headers["Content-Security-Policy"]  # security headers as on any page


def test_a_new_reply_shows_at_once_for_visitors(app, client, make, thread):
    visitor = app.test_client()
    url = visitor.get(f"/threads/{thread}", follow_redirects=True).request.path
    assert b"Koffiebekers zijn er genoeg" not in visitor.get(url).data

    before = generation(app)
    make.reply(make.user("lotte", role="student"), thread, "Koffiebekers zijn er genoeg.")

    assert generation(app) > before
    assert b"Koffiebekers zijn er genoeg" in visitor.get(url).data


def test_writes_without_the_orm_unit_of_work_count_too(app, client, thread):
    page = client.get("/", headers=EN)
    assert b"Statiegeld op koffiebekers" in page.data

    with app.app_context():
        db.session.execute(update(Thread).values(title="Nieuwe titel hier"))
        db.session.commit()

    assert b"Nieuwe titel hier" in client.get("/", headers=EN).data


def test_a_rolled_back_write_does_not_count(app):
    before = generation(app)
    with app.app_context():
        db.session.execute(update(Post).values(support_count=5))
        db.session.rollback()
        db.session.commit()

    assert generation(app) == before


def test_members_never_get_a_visitors_page_and_visitors_never_a_members(
    app, client, make, auth, thread
):
    visitor = app.test_client()
    assert visitor.get("/", headers=EN).status_code == 200  # cached for visitors

    make.user("lotte", role="student")
    auth.login("lotte", PASSWORD)
    member_page = client.get("/", headers=EN).get_data(as_text=True)
    assert "lotte" in member_page and "Log out" in member_page

    visitor_page = visitor.get("/", headers=EN).get_data(as_text=True)
    assert "lotte" not in visitor_page and "Log in" in visitor_page


def test_a_member_whose_session_ended_is_not_served_from_the_cache(app, client, thread):
    client.get("/", headers=EN)  # cached
    client.set_cookie("remember_token", "whatever")

    with_cookie = client.get("/", headers=EN)

    assert with_cookie.status_code == 200  # rendered, not taken from the cache


def test_visitors_pages_carry_no_csrf_token_and_set_no_cookie(client, thread):
    for url in ("/", "/themes/circulaire-economie", "/search?q=koffiebekers"):
        response = client.get(url, headers=EN)

        assert response.status_code == 200, url
        assert b'name="csrf_token"' not in response.data, url
        assert "Set-Cookie" not in response.headers, url


def test_languages_are_kept_apart_and_the_language_link_switches(app, thread):
    visitor = app.test_client()
    dutch = visitor.get("/").get_data(as_text=True)
    assert 'lang="nl"' in dutch and "/language/en" in dutch

    switched = visitor.get("/language/en?next=/")
    assert switched.status_code == 303 and switched.headers["Location"] == "/"
    english = visitor.get("/").get_data(as_text=True)
    assert 'lang="en"' in english and "Latest activity" in english

    other_visitor = app.test_client()
    assert 'lang="nl"' in other_visitor.get("/").get_data(as_text=True)


def test_a_page_with_a_message_for_the_visitor_is_not_cached(app, client, make, auth, thread):
    make.user("lotte", role="student")
    auth.login("lotte", PASSWORD)
    auth.logout()  # leaves a flashed "logged out" message, shown on the next page

    shown = client.get("/", headers=EN).get_data(as_text=True)
    again = client.get("/", headers=EN).get_data(as_text=True)

    assert 'class="flash' in shown
    assert 'class="flash' not in again


def test_missing_pages_and_other_answers_are_not_cached(app, client, count_queries):
    client.get("/threads/999999")
    with count_queries() as counter:
        response = client.get("/threads/999999")

    assert response.status_code == 404
    assert counter.count > 1


def test_entries_expire(app_factory, make, thread):
    app = app_factory(ANONYMOUS_PAGE_CACHE_ENTRIES=50, ANONYMOUS_PAGE_CACHE_SECONDS=0)
    visitor = app.test_client()
    visitor.get("/")
    with app.app_context():
        cache = app.extensions["forum071_page_cache"]
        assert cache.get(next(iter(cache._pages))) is None
