"""Privacy (AVG/GDPR) through HTTP: the data export, deleting an account, /privacy."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import JSON, String, Text, inspect, select, text
from sqlalchemy.types import NullType

from forum071.extensions import db
from forum071.models import (
    ContentState,
    Flag,
    ModerationAction,
    Post,
    ReleasedUsername,
    Role,
    Support,
    Thread,
    ThreadFollow,
    User,
    utcnow,
)
from tests.factories import PASSWORD
from tests.test_account import is_logged_in, logged_in

NAME, EMAIL = "annadevries", "anna.devries@voorbeeld.nl"


def user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def delete_account(client, posts: str = "keep", password: str = PASSWORD, **extra):
    return client.post("/account/delete", data={"password": password, "posts": posts, **extra})


@pytest.fixture
def world(app, make):
    """Anna (organisation, bio) with a thread, a reply that she edited, a support, a follow, a
    flag and a notification; Bert, who replied to her and mentions her."""
    anna = make.user(
        NAME, email=EMAIL, organisation="Anna's Atelier Leiden", bio="Ik maak meubels."
    )
    bert = make.user("bertbakker", email="bert@voorbeeld.nl", organisation="Bakkerij Bert")
    own_thread = make.thread(anna, title="Hergebruik van hout", body="Wie heeft er restpartijen?")
    lonely_thread = make.thread(anna, title="Een vraag zonder antwoord")
    make.reply(bert, own_thread, "Ik heb nog eiken planken, @annadevries!")
    bert_thread = make.thread(bert, title="Brood van gisteren", body="Wie wil het hebben?")
    anna_reply = make.reply(anna, bert_thread, "Graag, voor de kippen.")
    client = logged_in(app, NAME)
    edit_page = client.get(f"/posts/{anna_reply}/edit").get_data(as_text=True)
    version = edit_page.split('name="base_version" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        f"/posts/{anna_reply}/edit",
        data={"body": "Graag, voor de kippen van de kinderboerderij.", "base_version": version},
    )
    assert response.status_code in (302, 303)
    bert_post = make.first_post_id(bert_thread)
    assert client.post(f"/posts/{bert_post}/support").status_code == 303
    assert client.post(f"/threads/{bert_thread}/follow").status_code == 303
    response = client.post(
        f"/posts/{bert_post}/flag", data={"reason": "other", "note": "Anna vindt dit vreemd"}
    )
    assert response.status_code in (302, 303)
    return {
        "anna": anna,
        "bert": bert,
        "client": client,
        "own_thread": own_thread,
        "lonely_thread": lonely_thread,
        "bert_thread": bert_thread,
        "anna_reply": anna_reply,
        "bert_post": bert_post,
    }


# Export ------------------------------------------------------------------------------------


def test_export_downloads_the_members_data_as_json(app, world):
    response = world["client"].get("/account/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response.headers["Cache-Control"]
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["username"] == NAME
    assert data["profile"]["email"] == EMAIL
    assert data["profile"]["organisation"] == "Anna's Atelier Leiden"
    assert {thread["title"] for thread in data["threads"]} == {
        "Hergebruik van hout",
        "Een vraag zonder antwoord",
    }
    bodies = {post["body"] for post in data["posts"]}
    assert "Graag, voor de kippen van de kinderboerderij." in bodies
    edited = next(post for post in data["posts"] if post["id"] == world["anna_reply"])
    assert edited["revisions"][0]["body"] == "Graag, voor de kippen."
    assert data["supports"][0]["post_id"] == world["bert_post"]
    assert [follow["thread_id"] for follow in data["follows"]["threads"]].count(
        world["bert_thread"]
    ) == 1
    assert data["flags"][0]["note"] == "Anna vindt dit vreemd"
    assert {n["kind"] for n in data["notifications"]} & {"reply", "mention"}


def test_export_holds_nobody_elses_private_data(app, world):
    text_ = world["client"].get("/account/export").get_data(as_text=True)
    assert "bert@voorbeeld.nl" not in text_
    assert "Bakkerij Bert" not in text_
    assert "Ik heb nog eiken planken" not in text_  # Bert's post is his, not hers
    assert "password" not in text_ and "$argon2" not in text_
    assert "session_token" not in text_


def test_export_has_moderation_decisions_about_the_member_but_not_others(app, make, world):
    moderator = make.user("moderator", role=Role.MODERATOR)
    mod = logged_in(app, "moderator")
    reason = "Te commercieel voor dit forum"
    assert (
        mod.post(
            f"/moderation/posts/{world['anna_reply']}/hide", data={"reason": reason}
        ).status_code
        == 303
    )
    other = make.reply(world["bert"], world["bert_thread"], "Nog een bericht")
    mod.post(f"/moderation/posts/{other}/hide", data={"reason": "Over Bert, niet over Anna"})
    data = json.loads(world["client"].get("/account/export").get_data(as_text=True))
    reasons = [entry["reason"] for entry in data["moderation"]]
    assert reason in reasons
    assert "Over Bert, niet over Anna" not in reasons
    assert "moderator" not in json.dumps(data["moderation"])
    assert moderator


def test_export_needs_a_login(client):
    response = client.get("/account/export")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


# Delete ------------------------------------------------------------------------------------


def text_columns_containing(app, *needles: str) -> list[str]:
    """Every (table.column) of every table whose text holds one of the needles."""
    found = []
    with app.app_context():
        inspector = inspect(db.engine)
        tables = inspector.get_table_names()
        for table in tables:
            for column in inspector.get_columns(table):
                # Text of any kind, JSON, and what the database does not type (SQLite's
                # full-text tables).
                if not isinstance(column["type"], String | Text | JSON | NullType):
                    continue
                value = f'lower(CAST("{column["name"]}" AS TEXT))'
                for needle in needles:
                    hit = db.session.execute(
                        text(f'SELECT 1 FROM "{table}" WHERE {value} LIKE :n LIMIT 1'),
                        {"n": f"%{needle.lower()}%"},
                    ).first()
                    if hit:
                        found.append(f"{table}.{column['name']}: {needle}")
    return found


def test_delete_with_keep_leaves_the_posts_under_former_member(app, world):
    client = world["client"]
    assert client.get("/account/delete").status_code == 200
    response = delete_account(client, "keep")
    assert response.status_code == 303
    assert not is_logged_in(client)

    visitor = app.test_client()
    page = visitor.get(
        f"/threads/{world['own_thread']}", follow_redirects=True, headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "Wie heeft er restpartijen?" in page
    assert "former member" in page
    assert NAME not in page.replace("@annadevries", "")
    assert "/users/annadevries" not in page
    dutch = visitor.get(
        f"/threads/{world['own_thread']}", follow_redirects=True, headers={"Accept-Language": "nl"}
    ).get_data(as_text=True)
    assert "oud-lid" in dutch
    assert visitor.get(f"/users/{NAME}").status_code == 404
    front = visitor.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "by former member" in front and NAME not in front


def test_delete_leaves_no_trace_of_name_or_address_in_any_table(app, world):
    delete_account(world["client"], "keep")
    # Bert's post mentions her by name: that mention stays as plain text, as the issue asks;
    # every other trace must be gone.
    with app.app_context():
        db.session.execute(text("DELETE FROM posts WHERE body LIKE '%@annadevries%'"))
        db.session.commit()
    leftovers = text_columns_containing(
        app, NAME, EMAIL, "Anna's Atelier", "Ik maak meubels", "Anna vindt dit vreemd"
    )
    assert leftovers == []


def test_delete_removes_personal_rows_and_sessions(app, world):
    other_device = logged_in(app, NAME)
    anna = world["anna"]
    delete_account(world["client"], "keep")
    assert not is_logged_in(other_device)
    with app.app_context():
        user = db.session.get(User, anna)
        assert user.is_former_member
        assert user.password_hash == "" and user.organisation == "" and user.bio == ""
        assert db.session.scalar(select(Support).where(Support.user_id == anna)) is None
        assert db.session.scalar(select(ThreadFollow).where(ThreadFollow.user_id == anna)) is None
        bert_post = db.session.get(Post, world["bert_post"])
        assert bert_post.support_count == 0
        flag = db.session.scalar(select(Flag).where(Flag.user_id == anna))
        assert flag.note == ""
        # Her posts stay, unchanged and published.
        reply = db.session.get(Post, world["anna_reply"])
        assert reply.state == ContentState.PUBLISHED
        assert reply.body == "Graag, voor de kippen van de kinderboerderij."
    response = app.test_client().post("/auth/login", data={"login": NAME, "password": PASSWORD})
    assert response.status_code == 422
    response = app.test_client().post("/auth/login", data={"login": EMAIL, "password": PASSWORD})
    assert response.status_code == 422


def test_mentions_of_the_old_name_stay_as_plain_text(app, world):
    delete_account(world["client"], "keep")
    with app.app_context():
        post = db.session.scalar(select(Post).where(Post.body.contains("@annadevries")))
        assert "@annadevries" in post.body_html
        assert "/users/annadevries" not in post.body_html
        assert post.version == 1  # rendered again, not edited


def test_delete_with_remove_deletes_posts_as_a_moderator_would(app, world):
    response = delete_account(world["client"], "remove")
    assert response.status_code == 303
    visitor = app.test_client()
    visitor.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    # Bert replied to her thread: it stays, without her opening post's text.
    page = visitor.get(f"/threads/{world['own_thread']}", follow_redirects=True)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Wie heeft er restpartijen?" not in html
    assert "Ik heb nog eiken planken" in html
    # Her thread nobody replied to is gone; so is her reply in Bert's thread.
    assert (
        visitor.get(f"/threads/{world['lonely_thread']}", follow_redirects=True).status_code == 404
    )
    bert_page = visitor.get(f"/threads/{world['bert_thread']}", follow_redirects=True)
    assert "kinderboerderij" not in bert_page.get_data(as_text=True)
    with app.app_context():
        states = set(db.session.scalars(select(Post.state).where(Post.author_id == world["anna"])))
        assert states == {ContentState.DELETED.value}
        assert db.session.get(Thread, world["own_thread"]).state == ContentState.PUBLISHED
        assert db.session.get(Thread, world["lonely_thread"]).state == ContentState.DELETED
        bodies = set(db.session.scalars(select(Post.body).where(Post.author_id == world["anna"])))
        assert bodies == {""}
    assert text_columns_containing(app, "kinderboerderij", "restpartijen") == []
    assert visitor.get("/api/v1/search?q=kinderboerderij").get_json()["total"] == 0


def test_username_cannot_be_registered_again_for_90_days(app, world):
    delete_account(world["client"], "keep")
    newcomer = app.test_client()
    newcomer.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    form = {
        "username": NAME,
        "email": "nieuw@voorbeeld.nl",
        "password": "een-heel-ander-wachtwoord",
        "confirm": "een-heel-ander-wachtwoord",
        "role": "student",
    }
    response = newcomer.post("/auth/register", data=form)
    assert response.status_code == 422
    assert "deleted recently" in response.get_data(as_text=True)
    # Written in other letters it is the same name.
    response = newcomer.post("/auth/register", data={**form, "username": "AnnaDeVries"})
    assert "deleted recently" in response.get_data(as_text=True)
    # The address is free again at once.
    response = newcomer.post(
        "/auth/register", data={**form, "username": "iemand_anders", "email": EMAIL}
    )
    assert response.status_code == 302
    # 91 days later the name is free.
    with app.app_context():
        for row in db.session.scalars(select(ReleasedUsername)):
            row.released_at = utcnow() - timedelta(days=91)
        db.session.commit()
    later = app.test_client()
    assert (
        later.post("/auth/register", data={**form, "email": "later@voorbeeld.nl"}).status_code
        == 302
    )


def test_a_look_alike_of_a_released_name_is_refused_too(app, make):
    make.user("willem")
    delete_account(logged_in(app, "willem"))
    form = {
        "username": "wi11em",
        "email": "w@voorbeeld.nl",
        "password": "een-heel-ander-wachtwoord",
        "confirm": "een-heel-ander-wachtwoord",
        "role": "student",
    }
    response = app.test_client().post(
        "/auth/register", data=form, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 422
    assert "deleted recently" in response.get_data(as_text=True)


def test_wrong_password_refuses_and_keeps_the_choice(app, world):
    response = delete_account(world["client"], "remove", password="niet-goed-geraden-1")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "This is not your password." in html
    assert re.search(r'<input[^>]* checked[^>]*value="remove"', html)
    with app.app_context():
        assert not db.session.get(User, world["anna"]).is_former_member
    assert is_logged_in(world["client"])


def test_delete_without_a_choice_is_refused_with_a_message(app, world):
    response = world["client"].post("/account/delete", data={"password": PASSWORD})
    assert response.status_code == 422
    assert "Choose what happens to your posts." in response.get_data(as_text=True)


def test_delete_needs_a_csrf_token(app, world):
    response = world["client"].post(
        "/account/delete", data={"password": PASSWORD, "posts": "keep"}, csrf=False
    )
    assert response.status_code in (400, 422)
    with app.app_context():
        assert not db.session.get(User, world["anna"]).is_former_member


def test_suspended_member_may_export_and_delete(app, make):
    make.user("geschorst", suspended_at=utcnow(), suspension_reason="Spam over fietsen")
    client = logged_in(app, "geschorst")
    assert client.get("/account/export").status_code == 200
    assert delete_account(client).status_code == 303
    assert text_columns_containing(app, "geschorst", "Spam over fietsen") == []


def test_the_last_admin_cannot_delete_their_account(app, make):
    make.user("beheerder", role=Role.ADMIN)
    client = logged_in(app, "beheerder")
    page = client.get("/account/delete", headers={"Accept-Language": "en"})
    assert "only administrator" in page.get_data(as_text=True)
    assert delete_account(client).status_code == 403
    make.user("tweede", role=Role.ADMIN)
    assert delete_account(client).status_code == 303


def test_moderation_log_no_longer_names_a_deleted_member(app, make, world):
    make.user("moderator", role=Role.MODERATOR)
    mod = logged_in(app, "moderator")
    mod.post(
        f"/moderation/users/{NAME}/suspend",
        data={"reason": "Even rustig aan", "until": ""},
        follow_redirects=True,
    )
    delete_account(world["client"], "keep")
    with app.app_context():
        entry = db.session.scalar(
            select(ModerationAction).where(ModerationAction.target_type == "user")
        )
        assert entry.target_label == ""
    log = mod.get("/moderation/log").get_data(as_text=True)
    assert NAME not in log and "former member" in log


def test_caches_show_former_member_at_once(app_factory, make):
    app = app_factory(ANONYMOUS_PAGE_CACHE_ENTRIES=50)
    anna = make.user(NAME, email=EMAIL)
    thread_id = make.thread(anna, title="Hergebruik van hout")
    visitor = app.test_client()
    visitor.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = f"/threads/{thread_id}"
    assert NAME in visitor.get(url, follow_redirects=True).get_data(as_text=True)
    assert NAME in visitor.get("/").get_data(as_text=True)
    client = logged_in(app, NAME)
    assert NAME in client.get(url, follow_redirects=True).get_data(as_text=True)
    assert delete_account(client).status_code == 303
    for page in (visitor.get(url, follow_redirects=True), visitor.get("/")):
        html = page.get_data(as_text=True)
        assert NAME not in html and "former member" in html


# The privacy statement ---------------------------------------------------------------------


def test_privacy_page_in_both_languages_names_the_controller(app_factory):
    app = app_factory(
        PRIVACY_CONTROLLER_NAME="Stichting Economie071",
        PRIVACY_CONTROLLER_ADDRESS="Breestraat 1, Leiden",
        PRIVACY_CONTACT_EMAIL="avg@economie071.example",
    )
    client = app.test_client()
    english = client.get("/privacy", headers={"Accept-Language": "en"}).get_data(as_text=True)
    dutch = client.get("/privacy", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    for page in (english, dutch):
        assert "Stichting Economie071" in page
        assert "Breestraat 1, Leiden" in page
        assert "mailto:avg@economie071.example" in page
    assert "Privacy statement" in english and "For how long" in english
    assert "Privacyverklaring" in dutch and "Hoe lang" in dutch


def test_privacy_is_linked_in_the_footer_and_at_registration(client):
    assert 'href="/privacy"' in client.get("/").get_data(as_text=True)
    assert 'href="/privacy"' in client.get("/auth/register").get_data(as_text=True)


def test_every_page_that_names_authors_shows_former_member(app, make, world):
    make.user("moderator", role=Role.MODERATOR)
    delete_account(world["client"], "keep")
    visitor = app.test_client()
    visitor.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    mod = logged_in(app, "moderator")
    pages = {
        "history": visitor.get(f"/posts/{world['anna_reply']}/history"),
        "search": visitor.get("/search?q=kinderboerderij"),
        "theme": visitor.get("/themes/circulaire-economie"),
        "feed": visitor.get(f"/threads/{world['bert_thread']}/feed.atom"),
        "queue": mod.get("/moderation/queue"),  # her flag on Bert's post is still open
        "notifications": logged_in(app, "bertbakker").get("/notifications"),
    }
    for name, response in pages.items():
        html = response.get_data(as_text=True)
        assert response.status_code == 200, name
        assert NAME not in html and EMAIL not in html, name
        assert "former member" in html or "A former member" in html, name
    api = visitor.get(f"/api/v1/threads/{world['own_thread']}").get_json()
    assert api["author"] is None
    hits = visitor.get("/api/v1/search?q=kinderboerderij").get_json()["items"]
    assert hits and hits[0]["author"] is None


def test_a_former_members_posts_cannot_be_gathered_by_a_search_for_the_placeholder(app, world):
    delete_account(world["client"], "keep")
    with app.app_context():
        placeholder = db.session.get(User, world["anna"]).username
    visitor = app.test_client()
    for name in (placeholder, NAME):
        assert visitor.get("/api/v1/search", query_string={"author": name}).get_json()[
            "total"
        ] == 0
