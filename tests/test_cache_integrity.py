"""What the visitors' page cache serves is true: fresh after every committed write, and never
built from a forged Host header (issue 10, R14)."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import insert, select

from forum071.extensions import db
from forum071.models import User, cache_generation
from tests.factories import PASSWORD

EN = {"Accept-Language": "en"}


def cached_app(app_factory, **overrides) -> Flask:
    app = app_factory(ANONYMOUS_PAGE_CACHE_ENTRIES=50, **overrides)
    with app.app_context():
        # The tables are emptied between tests, the generation's one row with them.
        if db.session.scalar(select(cache_generation.c.value)) is None:
            db.session.execute(insert(cache_generation).values(id=1, value=0))
            db.session.commit()
    return app


@pytest.fixture
def app(app_factory) -> Flask:
    return cached_app(app_factory)


def generation(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(cache_generation.c.value))


def logged_in(app: Flask, username: str):
    client = app.test_client()
    response = client.post("/auth/login", data={"login": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def visitor_sees(app: Flask, url: str) -> str:
    return app.test_client().get(url, headers=EN).get_data(as_text=True)


# Every committed write invalidates ----------------------------------------------------------


def test_a_verified_official_shows_as_verified_to_visitors_at_once(app, make):
    make.user("anouk", role="moderator")
    make.user("bas", role="official")
    assert "Verified official" not in visitor_sees(app, "/users/bas")  # now cached

    response = logged_in(app, "anouk").post("/moderation/users/bas/verify")

    assert response.status_code == 303
    assert "Verified official" in visitor_sees(app, "/users/bas")


def test_a_profile_edit_shows_to_visitors_at_once(app, make):
    make.user("femke")
    assert "Zonnepanelen op elk bedrijfsdak" not in visitor_sees(app, "/users/femke")

    response = logged_in(app, "femke").post(
        "/users/femke/edit",
        data={"organisation": "Femke Bouwt", "bio": "Zonnepanelen op elk bedrijfsdak."},
    )

    assert response.status_code in (302, 303)
    page = visitor_sees(app, "/users/femke")
    assert "Zonnepanelen op elk bedrijfsdak." in page
    assert "Femke Bouwt" in page


def test_a_suspension_shows_in_the_public_log_at_once(app, make):
    make.user("anouk", role="moderator")
    make.user("spammer")
    assert "Reclame voor zonnebrillen" not in visitor_sees(app, "/moderation/log/public")

    response = logged_in(app, "anouk").post(
        "/moderation/users/spammer/suspend",
        data={"until": "", "reason": "Reclame voor zonnebrillen"},
    )

    assert response.status_code == 303
    assert "Reclame voor zonnebrillen" in visitor_sees(app, "/moderation/log/public")


def test_a_commit_whose_changes_are_flushed_only_at_commit_counts(app, make):
    user_id = make.user("femke")
    before = generation(app)
    with app.app_context():
        db.session.get(User, user_id).bio = "Nog niet geschreven"  # pending, not flushed
        db.session.commit()

    assert generation(app) == before + 1


def test_a_read_only_commit_does_not_count(app, make):
    user_id = make.user("femke")
    before = generation(app)
    with app.app_context():
        db.session.get(User, user_id)
        db.session.commit()

    assert generation(app) == before


def test_setting_a_value_it_already_had_does_not_count(app, make):
    user_id = make.user("femke", bio="Hallo")
    before = generation(app)
    with app.app_context():
        db.session.get(User, user_id).bio = "Hallo"
        db.session.commit()

    assert generation(app) == before


# A forged Host header -----------------------------------------------------------------------


def test_a_forged_host_never_reaches_another_visitors_page(app, make):
    """TRUSTED_HOSTS is unset (the default): the forged request is answered, but its page is
    kept apart from the one a normal visitor gets."""
    assert app.config["TRUSTED_HOSTS"] is None
    author = make.user("femke")
    make.thread(author, title="Statiegeld op koffiebekers")
    for url in ("/", "/themes/circulaire-economie"):
        forged = app.test_client().get(url, headers={**EN, "Host": "evil.example"})
        assert forged.status_code == 200
        assert "evil.example" in forged.get_data(as_text=True)  # its own feed link

        normal = visitor_sees(app, url)
        assert "evil.example" not in normal
        assert "Statiegeld op koffiebekers" in visitor_sees(app, "/")


def test_https_and_http_pages_are_kept_apart(app, make):
    make.user("femke")
    secure = app.test_client().get("/", headers=EN, base_url="https://localhost")
    assert "https://localhost/" in secure.get_data(as_text=True)

    plain = visitor_sees(app, "/")
    assert "https://localhost/" not in plain


SITE = "https://forum071.example.nl"


@pytest.fixture
def site_app(app_factory) -> Flask:
    return cached_app(app_factory, SITE_URL=SITE)


def test_with_site_url_absolute_links_ignore_the_host_header(site_app, make):
    author = make.user("femke")
    thread_id = make.thread(author, title="Statiegeld op koffiebekers")
    forged = {**EN, "Host": "evil.example"}
    client = site_app.test_client()

    page = client.get("/", headers=forged).get_data(as_text=True)
    feed = client.get("/feeds/latest.atom", headers=forged).get_data(as_text=True)
    thread_feed = client.get(f"/threads/{thread_id}/feed.atom", headers=forged)
    api = client.get("/api/v1/threads", headers=forged).get_json()

    assert f'href="{SITE}/feeds/latest.atom"' in page
    assert "evil.example" not in page
    assert "evil.example" not in feed and f"{SITE}/threads/{thread_id}-" in feed
    thread_feed = thread_feed.get_data(as_text=True)
    assert "evil.example" not in thread_feed
    self_link = f'rel="self" type="application/atom+xml" href="{SITE}/threads/{thread_id}/feed'
    assert self_link in thread_feed
    assert f'href="{SITE}/threads/{thread_id}-' in thread_feed  # the posts' links
    assert api["items"][0]["url"].startswith(f"{SITE}/threads/{thread_id}-")


def test_a_site_url_that_is_not_an_address_is_refused_at_startup(app_factory):
    with pytest.raises(RuntimeError, match="SITE_URL"):
        app_factory(SITE_URL="forum071.example.nl")


def test_with_site_url_links_outside_a_request_use_it_too(site_app):
    from flask import url_for

    with site_app.app_context():
        assert url_for("main.index", _external=True) == f"{SITE}/"
