"""Site-wide defences through HTTP: redirects, CSRF, headers, error pages, faults, templates."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import html5lib
import pytest
from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

import forum071.config
from forum071 import ROOT, create_app
from forum071.auth.reset_services import password_reset_token
from forum071.extensions import db
from forum071.models import Flag, Notification, Post, Project, Support, Thread, User, utcnow
from forum071.notifications.services import follow_project, follow_theme, unfollow_thread
from tests.factories import PASSWORD

NEW_PASSWORD = "een-nieuw-wachtwoord-na-herstel"

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
PUBLIC = "public"  # meant for anonymous visitors too
MEMBERS = "members"  # login required
STAFF = "staff"  # moderators and admins
ADMINS = "admins"

# Who the walk's control test logs in as, for each kind of endpoint.
ACTOR = {MEMBERS: "schrijver", STAFF: "moderator_m", ADMINS: "beheerder"}

# Every rule that changes state. A new one makes test_every_state_changing_rule_is_listed fail
# until it is added here (with URL values and form data below), so it joins the CSRF walk.
STATE_CHANGING_ENDPOINTS = {
    "auth.login": PUBLIC,
    "auth.register": PUBLIC,
    "auth.logout": MEMBERS,
    "auth.reset": PUBLIC,
    "auth.reset_password": PUBLIC,
    "auth.resend_confirmation": MEMBERS,
    "main.set_language": PUBLIC,
    "account.password": MEMBERS,
    "account.language": MEMBERS,
    "account.logout_everywhere": MEMBERS,
    "account.delete": MEMBERS,
    "threads.create": MEMBERS,
    "threads.reply": MEMBERS,
    "threads.edit_post": MEMBERS,
    "questions.accept": MEMBERS,
    "questions.unaccept": MEMBERS,
    "questions.close": MEMBERS,
    "questions.reopen": MEMBERS,
    "pitches.post_update": MEMBERS,
    "users.edit": MEMBERS,
    "notifications.support": MEMBERS,
    "notifications.unsupport": MEMBERS,
    "notifications.follow_thread": MEMBERS,
    "notifications.unfollow_thread": MEMBERS,
    "notifications.follow_theme": MEMBERS,
    "notifications.unfollow_theme": MEMBERS,
    "notifications.follow_project": MEMBERS,
    "notifications.unfollow_project": MEMBERS,
    "notifications.mark_all_read": MEMBERS,
    "notifications.mark_read": MEMBERS,
    "moderation_flags.flag": MEMBERS,
    "moderation_queue.approve": STAFF,
    "moderation_queue.reject": STAFF,
    "moderation_posts.hide": STAFF,
    "moderation_posts.unhide": STAFF,
    "moderation_posts.delete": STAFF,
    "moderation_posts.dismiss": STAFF,
    "moderation_threads.lock": STAFF,
    "moderation_threads.unlock": STAFF,
    "moderation_threads.pin": STAFF,
    "moderation_threads.unpin": STAFF,
    "moderation_threads.move": STAFF,
    "moderation_threads.merge": STAFF,
    "moderation_threads.split": STAFF,
    "moderation_users.verify": STAFF,
    "moderation_users.role": ADMINS,
    "moderation_users.suspend": STAFF,
    "moderation_users.unsuspend": STAFF,
    "moderation_users.remove_content": STAFF,
}

EVIL_TARGETS = [
    "https://evil.example",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "%2F%2Fevil.example",
    "https:evil.example",
    "/\t/evil.example",
    "///evil.example",
    "/\\/evil.example",
    " //evil.example",
    "/\u200b/evil.example",
    "http://localhost@evil.example/",
    "data:text/html,<script>alert(1)</script>",
    "/themes/retail\r\nSet-Cookie: stolen=1",
    "/themes/retail\x00//evil.example",
]

CSRF_EXPIRED = "This form had expired"


@pytest.fixture
def client(app: Flask):
    """The shared CSRF-aware client, asking for English so messages can be matched."""
    return english(app.test_client())


def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def login(client, username: str, password: str = PASSWORD):
    response = client.post("/auth/login", data={"login": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def is_logged_in(client) -> bool:
    with client.session_transaction() as session:
        return "_user_id" in session


def parse(response):
    return html5lib.parse(response.get_data(as_text=True), namespaceHTMLElements=False)


def input_value(response, name: str) -> str | None:
    element = parse(response).find(f".//input[@name='{name}']")
    assert element is not None, f"no input named {name}"
    return element.get("value")


def textarea_text(response, name: str) -> str:
    element = parse(response).find(f".//textarea[@name='{name}']")
    assert element is not None, f"no textarea named {name}"
    return "".join(element.itertext())


def snapshot(app: Flask) -> dict[str, list]:
    """Every row of every table: equal snapshots mean nothing was written."""
    with app.app_context():
        return {
            table.name: sorted((tuple(row) for row in db.session.execute(table.select())), key=repr)
            for table in db.metadata.sorted_tables
        }


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.query(model).count()


# --------------------------------------------------------------------------------------------
# R13: no open redirect
# --------------------------------------------------------------------------------------------


def assert_same_site(location: str) -> None:
    parts = urlsplit(location)
    if parts.scheme or parts.netloc:
        assert (parts.scheme, parts.netloc) == ("http", "localhost"), location
        location = location.removeprefix("http://localhost")
    assert location.startswith("/"), location
    assert not location.startswith("//"), location
    # Browsers read a backslash as a slash and skip tabs and newlines in URLs.
    assert not re.search(r"[\\\x00-\x20\x7f]", location), location
    assert "evil.example" not in location, location


def post_with_next(app: Flask, via: str, target: str):
    """Log in, register or choose a language with ?next= (or the form's next) set to target."""
    client = english(app.test_client())
    if via == "login-query":
        return client.post(
            "/auth/login?" + urlencode({"next": target}),
            data={"login": "lid", "password": PASSWORD},
        )
    if via == "login-form":
        return client.post(
            "/auth/login", data={"login": "lid", "password": PASSWORD, "next": target}
        )
    if via == "register":
        with app.app_context():
            db.session.execute(User.__table__.delete().where(User.username == "nieuw_lid"))
            db.session.commit()
        return client.post(
            "/auth/register?" + urlencode({"next": target}),
            data={
                "username": "nieuw_lid",
                "email": "nieuw@example.org",
                "password": PASSWORD,
                "confirm": PASSWORD,
                "role": "student",
            },
        )
    if via == "language-link":
        return client.get("/language/en?" + urlencode({"next": target}))
    assert via == "language"
    return client.post("/language/en?" + urlencode({"next": target}))


VIAS = ["login-query", "login-form", "register", "language", "language-link"]


@pytest.mark.parametrize("via", VIAS)
def test_next_to_another_site_is_ignored(app, make, via):
    make.user("lid")

    for target in EVIL_TARGETS:
        response = post_with_next(app, via, target)

        assert response.status_code in (302, 303), target
        assert_same_site(response.headers["Location"])


# Registration always answers with the "check your mail" page (SECURITY.md R10): no next.
@pytest.mark.parametrize("via", [via for via in VIAS if via != "register"])
def test_next_on_this_site_is_honoured(app, make, via):
    make.user("lid")

    for target in ["/themes/retail", "/threads/new?kind=pitch"]:
        response = post_with_next(app, via, target)

        assert response.status_code in (302, 303), target
        assert response.headers["Location"] == target


def test_login_page_carries_next_into_the_form(client):
    response = client.get("/auth/login?next=/themes/retail")

    assert input_value(response, "next") == "/themes/retail"


# --------------------------------------------------------------------------------------------
# R5: CSRF on every state change, checked before login
# --------------------------------------------------------------------------------------------


@dataclass
class World:
    """A question by "schrijver" answered by "ander_lid", a pitch by "schrijver", and the
    notification schrijver got for the answer."""

    app: Flask
    thread_id: int
    post_id: int  # the question's opening post, by schrijver
    reply_id: int  # ander_lid's answer
    pitch_id: int
    notification_id: int
    pending_post_id: int  # a reply by ander_lid waiting for review

    def reset_token(self) -> str:
        """A valid password reset link's token for schrijver, as the mail carries it."""
        with self.app.test_request_context():
            user = db.session.scalar(select(User).where(User.username == "schrijver"))
            return password_reset_token(user)

    def url_values(self, endpoint: str) -> dict[str, object]:
        thread_id = self.pitch_id if endpoint == "pitches.post_update" else self.thread_id
        post_id = self.post_id
        if endpoint.startswith(("notifications.", "moderation_flags.", "moderation_posts.")):
            post_id = self.reply_id
        elif endpoint.startswith("moderation_queue."):
            post_id = self.pending_post_id
        username = "schrijver"
        if endpoint == "moderation_users.verify":
            username = "ambtenaar_a"
        elif endpoint.startswith("moderation_users."):
            username = "ander_lid"
        return {
            "thread_id": thread_id,
            "post_id": post_id,
            "code": "en",
            "theme_slug": "circulaire-economie",
            "project_slug": "smart071",
            "notification_id": self.notification_id,
            "username": username,
            "token": self.reset_token() if endpoint == "auth.reset_password" else "",
        }

    def form(self, endpoint: str) -> dict[str, str]:
        """Valid data for each endpoint: only the missing CSRF token should stop it."""
        version = post_version(self.app, self.post_id)
        return {
            "auth.login": {"login": "schrijver", "password": PASSWORD},
            "auth.register": {
                "username": "zonder_token",
                "email": "zonder.token@example.org",
                "password": PASSWORD,
                "confirm": PASSWORD,
                "role": "student",
            },
            "auth.logout": {},
            "auth.reset": {"login": "schrijver"},
            "auth.reset_password": {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
            "auth.resend_confirmation": {},
            "main.set_language": {},
            "account.password": {
                "current_password": PASSWORD,
                "password": "een-nieuw-lang-wachtwoord",
                "confirm": "een-nieuw-lang-wachtwoord",
            },
            "account.language": {"language": "en"},
            "account.logout_everywhere": {},
            "account.delete": {"password": PASSWORD, "posts": "keep"},
            "threads.create": {
                "kind": "discussion",
                "theme": "circulaire-economie",
                "title": "Deze draad mag niet bestaan",
                "body": "Verstuurd zonder geldig token.",
            },
            "threads.reply": {"body": "Reactie zonder geldig token."},
            "threads.edit_post": {"body": "Gewijzigd zonder token.", "base_version": version},
            "questions.accept": {"post_id": str(self.reply_id)},
            "questions.unaccept": {},
            "questions.close": {"outcome": "answered", "summary": "Gesloten zonder token."},
            "questions.reopen": {},
            "pitches.post_update": {
                "body": "We hebben een locatie gevonden.",
                "stage": "pilot",
                "ask": "Een eerste klant",
                "ask_categories": "launching_customer",
            },
            "users.edit": {"organisation": "Repair Café Leiden", "bio": "Regel een"},
            "moderation_flags.flag": {"reason": "spam", "note": ""},
            "moderation_queue.approve": {"reason": ""},
            "moderation_queue.reject": {"reason": "Reclame"},
            "moderation_posts.hide": {"reason": "Reclame"},
            "moderation_posts.unhide": {"reason": ""},
            "moderation_posts.delete": {"reason": "Reclame"},
            "moderation_posts.dismiss": {"reason": ""},
            "moderation_threads.lock": {"reason": "Te fel"},
            "moderation_threads.unlock": {"reason": ""},
            "moderation_threads.pin": {"scope": "theme"},
            "moderation_threads.unpin": {"scope": "theme"},
            "moderation_threads.move": {"theme": "duurzame-mobiliteit"},
            "moderation_threads.merge": {"into": str(self.pitch_id)},
            "moderation_threads.split": {
                "post_ids": str(self.reply_id),
                "title": "Een afgesplitst onderwerp",
            },
            "moderation_users.verify": {},
            "moderation_users.role": {"role": "student"},
            "moderation_users.suspend": {"until": "", "reason": "Spam"},
            "moderation_users.unsuspend": {},
            "moderation_users.remove_content": {"reason": "Spam"},
        }.get(endpoint, {})

    def prepare(self, endpoint: str) -> None:
        """Put the world in the state in which the endpoint's action changes something."""
        with self.app.app_context():
            schrijver = db.session.scalar(select(User).where(User.username == "schrijver"))
            thread = db.session.get(Thread, self.thread_id)
            if endpoint == "questions.unaccept":
                thread.accepted_post_id = self.reply_id
            elif endpoint == "questions.reopen":
                thread.closed_at = utcnow()
                thread.outcome = "answered"
            elif endpoint == "auth.resend_confirmation":
                schrijver.email_confirmed_at = None  # then a new link is queued
            elif endpoint == "notifications.unsupport":
                db.session.add(Support(user_id=schrijver.id, post_id=self.reply_id))
                db.session.get(Post, self.reply_id).support_count = 1
            elif endpoint == "notifications.follow_thread":
                unfollow_thread(schrijver, thread)
            elif endpoint == "notifications.unfollow_theme":
                follow_theme(schrijver, thread.theme)
            elif endpoint == "notifications.unfollow_project":
                smart071 = db.session.scalar(select(Project).where(Project.slug == "smart071"))
                follow_project(schrijver, smart071)
            elif endpoint == "moderation_posts.unhide":
                db.session.get(Post, self.reply_id).state = "hidden"
            elif endpoint == "moderation_posts.dismiss":
                db.session.add(Flag(post_id=self.reply_id, user_id=schrijver.id, reason="spam"))
                db.session.get(Post, self.reply_id).flag_count = 1
            elif endpoint == "moderation_threads.unlock":
                thread.locked = True
            elif endpoint == "moderation_threads.unpin":
                thread.pinned = True
            elif endpoint == "moderation_users.unsuspend":
                ander = db.session.scalar(select(User).where(User.username == "ander_lid"))
                ander.suspended_at = utcnow()
            db.session.commit()

    def requests(self, endpoint: str):
        """(method, path) for every rule and unsafe method of this endpoint."""
        found = []
        for rule in self.app.url_map.iter_rules(endpoint):
            values = {name: self.url_values(endpoint)[name] for name in rule.arguments}
            _, path = rule.build(values, append_unknown=False)
            found += [(method, path) for method in sorted(rule.methods & UNSAFE_METHODS)]
        assert found, endpoint
        return found


def post_version(app: Flask, post_id: int) -> str:
    with app.app_context():
        return str(db.session.get(Post, post_id).version)


@pytest.fixture
def world(app, make) -> World:
    author_id = make.user("schrijver")
    other_id = make.user("ander_lid")
    make.user("moderator_m", role="moderator")
    make.user("beheerder", role="admin")
    make.user("ambtenaar_a", role="official")
    thread_id = make.thread(author_id, kind="question", projects=("smart071",))
    reply_id = make.reply(other_id, thread_id, "Probeer het eens bij de gemeente.")
    pitch_id = make.thread(author_id, kind="pitch", title="Een pitch om bij te werken")
    with app.app_context():
        notification_id = db.session.scalar(
            select(Notification.id).where(Notification.user_id == author_id)
        )
    assert notification_id is not None
    with app.app_context():
        pending = Post(
            thread_id=thread_id,
            number=None,
            author_id=other_id,
            body="Nog te beoordelen",
            body_html="<p>Nog te beoordelen</p>",
            state="pending",
        )
        db.session.add(pending)
        db.session.commit()
        pending_post_id = pending.id
    return World(
        app,
        thread_id,
        make.first_post_id(thread_id),
        reply_id,
        pitch_id,
        notification_id,
        pending_post_id,
    )


def other_session_token(app: Flask, logged_in_as: str | None) -> str:
    other = english(app.test_client())
    if logged_in_as:
        login(other, logged_in_as)
    return other.csrf_token()


def assert_refused_without_change(
    app, client, response, before, *, logged_in: bool, context: str
) -> None:
    assert response.status_code == 400, context
    assert "Location" not in response.headers, context
    assert snapshot(app) == before, context
    assert is_logged_in(client) == logged_in, context
    with client.session_transaction() as session:
        assert "language" not in session, context


def test_every_state_changing_rule_is_listed(app):
    found = {rule.endpoint for rule in app.url_map.iter_rules() if rule.methods & UNSAFE_METHODS}

    assert found == set(STATE_CHANGING_ENDPOINTS)


FORGED_TOKEN = "IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAi.Zz.x"


@pytest.mark.parametrize("endpoint", sorted(STATE_CHANGING_ENDPOINTS))
def test_anonymous_state_change_without_own_token_is_refused(app, client, world, endpoint):
    tokens = {"none": None, "other session": other_session_token(app, None), "forged": FORGED_TOKEN}
    before = snapshot(app)

    for method, path in world.requests(endpoint):
        for name, token in tokens.items():
            data = world.form(endpoint)
            if token:
                data["csrf_token"] = token
            response = client.open(path, method=method, data=data)
            context = f"{method} {path}, token: {name}"
            assert_refused_without_change(
                app, client, response, before, logged_in=False, context=context
            )


@pytest.mark.parametrize("endpoint", sorted(STATE_CHANGING_ENDPOINTS))
def test_member_state_change_without_own_token_is_refused(app, client, world, endpoint):
    tokens = {
        "none": None,
        "anonymous session": other_session_token(app, None),
        "other member's session": other_session_token(app, "ander_lid"),
        "forged": FORGED_TOKEN,
    }
    login(client, "schrijver")
    before = snapshot(app)

    for method, path in world.requests(endpoint):
        for name, token in tokens.items():
            data = world.form(endpoint)
            if token:
                data["csrf_token"] = token
            response = client.open(path, method=method, data=data)
            context = f"{method} {path}, token: {name}"
            assert_refused_without_change(
                app, client, response, before, logged_in=True, context=context
            )


@pytest.mark.parametrize("endpoint", sorted(STATE_CHANGING_ENDPOINTS))
def test_walk_requests_do_change_something_with_the_right_token(app, client, world, endpoint):
    """The control for the walk: its data is valid, so only the token can have stopped it."""
    access = STATE_CHANGING_ENDPOINTS[endpoint]
    if access in ACTOR:
        login(client, ACTOR[access])
    elif endpoint == "main.set_language":
        login(client, "schrijver")
    world.prepare(endpoint)
    before, was_logged_in = snapshot(app), is_logged_in(client)

    for method, path in world.requests(endpoint):
        data = {**world.form(endpoint), "csrf_token": client.csrf_token()}
        response = client.open(path, method=method, data=data)
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]

    with client.session_transaction() as session:
        language = session.get("language")
    assert snapshot(app) != before or is_logged_in(client) != was_logged_in or language == "en"


@pytest.mark.parametrize("endpoint", sorted(STATE_CHANGING_ENDPOINTS))
def test_anonymous_state_change_with_valid_token_needs_login_or_is_public(
    app, client, world, endpoint
):
    token = client.csrf_token()

    for method, path in world.requests(endpoint):
        before = snapshot(app)
        data = {**world.form(endpoint), "csrf_token": token}
        response = client.open(path, method=method, data=data)
        assert response.status_code not in (200, 500)
        assert response.status_code < 500
        if STATE_CHANGING_ENDPOINTS[endpoint] != PUBLIC:
            # 401: the login page, carrying what the visitor typed.
            assert response.status_code in (302, 303, 400, 401, 403)
            if response.status_code in (302, 303):
                assert urlsplit(response.headers["Location"]).path == "/auth/login"
            assert snapshot(app) == before
            assert not is_logged_in(client)


def test_csrf_failure_on_a_missing_post_is_a_400_not_a_500(app, client, world):
    login(client, "schrijver")

    response = client.post("/posts/999999/edit", data={"body": "x"}, csrf=False)

    assert response.status_code == 400


def test_csrf_failure_on_someone_elses_post_is_a_400_and_changes_nothing(app, client, world):
    login(client, "ander_lid")
    before = snapshot(app)

    response = client.post(f"/posts/{world.post_id}/edit", data={"body": "Overgenomen"}, csrf=False)

    assert response.status_code == 400
    assert "Overgenomen" not in response.get_data(as_text=True)
    assert snapshot(app) == before


# --------------------------------------------------------------------------------------------
# Expired forms keep what was typed
# --------------------------------------------------------------------------------------------


def test_expired_new_thread_form_is_shown_again_with_the_text(app, client, make):
    make.user("schrijver")
    login(client, "schrijver")
    typed = {
        "kind": "pitch",
        "theme": "retail",
        "title": "Een lege winkel als proeftuin",
        "body": "Wij willen een **leeg pand** tijdelijk gebruiken.\n\nWie doet mee?",
    }

    response = client.post("/threads/new", data=typed, csrf=False)

    assert response.status_code == 400
    assert CSRF_EXPIRED in response.get_data(as_text=True)
    assert input_value(response, "title") == typed["title"]
    assert textarea_text(response, "body") == typed["body"]
    assert count(app, Thread) == 0
    # The page carries a fresh token, so sending it again works.
    again = client.post(
        "/threads/new",
        data={
            **typed,
            "csrf_token": input_value(response, "csrf_token"),
            "submission_id": input_value(response, "submission_id"),
        },
        csrf=False,
    )
    assert again.status_code == 303
    assert count(app, Thread) == 1


def test_expired_reply_form_is_shown_again_with_the_text(app, client, world):
    login(client, "ander_lid")
    body = "Ik heb een **bakfiets** over, wie wil hem lenen?"

    posts_before = count(app, Post)
    response = client.post(f"/threads/{world.thread_id}/reply", data={"body": body}, csrf=False)

    assert response.status_code == 400
    assert CSRF_EXPIRED in response.get_data(as_text=True)
    assert textarea_text(response, "body") == body
    assert count(app, Post) == posts_before


def test_expired_registration_form_is_shown_again_with_the_input(app, client):
    typed = {
        "username": "verlopen_lid",
        "email": "verlopen@example.org",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "role": "student",
        "organisation": "Hogeschool Leiden",
    }

    response = client.post("/auth/register", data=typed, csrf=False)

    assert response.status_code == 400
    assert CSRF_EXPIRED in response.get_data(as_text=True)
    assert input_value(response, "username") == typed["username"]
    assert input_value(response, "email") == typed["email"]
    assert input_value(response, "organisation") == typed["organisation"]
    assert not input_value(response, "password")
    assert count(app, User) == 0


# --------------------------------------------------------------------------------------------
# R11: security headers on every kind of response
# --------------------------------------------------------------------------------------------


def boom(detail: str = ""):
    raise RuntimeError(
        f"SELECT password_hash FROM users WHERE id = 1 -- {__file__} {forum071.config.__file__}"
        " test-secret-key"
    )


@pytest.fixture
def boom_app(app_factory) -> Flask:
    """An app with a route that raises; exceptions become 500 pages as in production."""
    app = app_factory(PROPAGATE_EXCEPTIONS=False)
    app.add_url_rule("/boom", view_func=boom)
    app.add_url_rule("/boom/<path:detail>", view_func=boom)
    return app


def respond(kind: str, app: Flask, make):
    client = english(app.test_client())
    if kind == "html":
        return client.get("/")
    if kind == "redirect":
        return client.get("/threads/new")
    if kind == "400-csrf":
        return client.post("/auth/logout", csrf=False)
    if kind == "403":
        author = make.user("schrijver")
        make.user("ander_lid")
        thread_id = make.thread(author)
        login(client, "ander_lid")
        return client.get(f"/posts/{make.first_post_id(thread_id)}/edit")
    if kind == "404":
        return client.get("/bestaat-niet")
    if kind == "405":
        return client.get("/auth/logout")
    if kind == "413":
        return client.post("/auth/login", data={"body": "x" * 2_000_000}, csrf=False)
    if kind == "500":
        return client.get("/boom")
    if kind == "static":
        return client.get("/static/css/forum071.css")
    if kind == "json":
        return client.get("/api/v1/themes")
    if kind == "json-404":
        return client.get("/api/v1/threads/999999")
    raise AssertionError(kind)


RESPONSE_KINDS = {
    "html": 200,
    "redirect": 302,
    "400-csrf": 400,
    "403": 403,
    "404": 404,
    "405": 405,
    "413": 413,
    "500": 500,
    "static": 200,
    "json": 200,
    "json-404": 404,
}


def csp_directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, _, value = part.strip().partition(" ")
        if name:
            directives[name] = value.strip()
    return directives


@pytest.mark.parametrize("kind", list(RESPONSE_KINDS))
def test_every_kind_of_response_has_security_headers(boom_app, make, kind):
    response = respond(kind, boom_app, make)
    response.close()  # a static file is streamed from an open file

    assert response.status_code == RESPONSE_KINDS[kind]
    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    directives = csp_directives(response)
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "*" not in directives.get("script-src", directives.get("default-src", "*"))
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] in (
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    )
    content_type = response.headers["Content-Type"]
    if content_type.startswith("text/"):
        assert "charset=utf-8" in content_type.lower()
    if kind.startswith("json"):
        assert response.mimetype == "application/json"
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("path", ["/", "/bestaat-niet", "/static/css/forum071.css"])
def test_hsts_is_sent_when_configured(app_factory, path):
    client = app_factory(HSTS_SECONDS=31536000).test_client()

    response = client.get(path)
    response.close()

    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


# --------------------------------------------------------------------------------------------
# R12: errors leak nothing
# --------------------------------------------------------------------------------------------


def test_unexpected_error_shows_a_generic_page_and_logs_the_traceback(boom_app, caplog):
    client = english(boom_app.test_client())

    with caplog.at_level(logging.ERROR):
        response = client.get("/boom")

    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "Something went wrong" in text
    assert "Forum071" in text
    incident = re.search(r"Incident number: ([0-9a-f]{8,})", text)
    assert incident, text
    for leak in (
        "Traceback",
        "RuntimeError",
        "SELECT",
        "password_hash",
        "test-secret-key",
        str(ROOT),
        ".py",
        'File "',
    ):
        assert leak not in text, leak
    records = [r for r in caplog.records if incident.group(1) in r.getMessage()]
    assert len(records) == 1
    assert records[0].levelno == logging.ERROR
    assert records[0].exc_info is not None
    assert "Traceback" in caplog.text
    assert "RuntimeError" in caplog.text


@pytest.mark.parametrize(
    ("kind", "title"),
    [("404", "Page not found"), ("405", "Method not allowed"), ("413", "Too much data")],
)
def test_error_pages_are_in_the_site_layout(boom_app, make, kind, title):
    response = respond(kind, boom_app, make)

    assert response.status_code == int(kind)
    document = parse(response)
    assert "Forum071" in "".join(document.find(".//title").itertext())
    assert document.find(".//header[@class='site-header']") is not None
    assert title in response.get_data(as_text=True)


def test_405_names_the_allowed_methods(client):
    response = client.get("/auth/logout")

    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


def test_development_secret_key_is_refused_outside_testing(monkeypatch):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(
            {
                "SECRET_KEY": forum071.config.DEV_SECRET_KEY,
                "TESTING": False,
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
            }
        )


def test_development_secret_key_is_allowed_in_tests():
    app = create_app(
        {
            "SECRET_KEY": forum071.config.DEV_SECRET_KEY,
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "PASSWORD_HASH_TIME_COST": 1,
            "PASSWORD_HASH_MEMORY_COST": 1024,
            "PASSWORD_HASH_PARALLELISM": 1,
        }
    )

    assert app.testing


def test_production_defaults_are_not_debug(monkeypatch):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)

    app = create_app(
        {
            "SECRET_KEY": "a-real-production-key-from-the-environment",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "PASSWORD_HASH_TIME_COST": 1,
            "PASSWORD_HASH_MEMORY_COST": 1024,
            "PASSWORD_HASH_PARALLELISM": 1,
        }
    )

    assert not app.debug
    assert not app.testing
    assert app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


# --------------------------------------------------------------------------------------------
# Log injection
# --------------------------------------------------------------------------------------------

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")
HOSTILE_NAMES = [
    "lid\r\nINFO forum071: admin logged in",
    "lid\nERROR login ok",
    "\x1b[2J\x1b[1;32mlid\x1b[0m",
    "lid\u2028CRITICAL forged",
]


def test_hostile_login_name_cannot_forge_a_log_line(client, make, caplog):
    make.user("lid")
    secret = "geheim-wachtwoord-dat-niet-klopt"

    with caplog.at_level(logging.DEBUG, logger="forum071"):
        for name in HOSTILE_NAMES:
            response = client.post("/auth/login", data={"login": name, "password": secret})
            assert response.status_code == 422

    records = [r for r in caplog.records if r.name.startswith("forum071")]
    if not records:
        pytest.skip("the app logs nothing about login attempts (nothing to forge)")
    for record in records:
        assert not CONTROL_CHARACTERS.search(record.getMessage()), record.getMessage()
    assert secret not in caplog.text


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_path_cannot_forge_a_line_in_the_error_log(boom_app, caplog, name):
    client = boom_app.test_client()

    with caplog.at_level(logging.DEBUG, logger="forum071"):
        response = client.get("/boom/" + name.replace("\r", "%0D").replace("\n", "%0A"))

    messages = [r.getMessage() for r in caplog.records]
    # The path converter does not match a newline (404, nothing logged); the others get in.
    if "\n" not in name:
        assert response.status_code == 500
        assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 1
    for message in messages:
        assert not CONTROL_CHARACTERS.search(message), message


# --------------------------------------------------------------------------------------------
# R15: the database goes away
# --------------------------------------------------------------------------------------------


@pytest.fixture
def database_down(app):
    """While active, every SQL statement fails as if the server were unreachable."""
    with app.app_context():
        engine = db.engine

    def refuse(conn, cursor, statement, parameters, context, executemany):
        raise OperationalError(
            statement,
            parameters,
            Exception("could not connect to server postgresql://forum:hunter2@db.internal/forum"),
        )

    class Switch:
        def __enter__(self):
            event.listen(engine, "before_cursor_execute", refuse)

        def __exit__(self, *exc):
            event.remove(engine, "before_cursor_execute", refuse)

    return Switch()


@pytest.mark.parametrize("member", [False, True], ids=["anonymous", "member"])
def test_database_outage_gives_a_friendly_503_then_recovers(
    app, client, make, database_down, caplog, member
):
    make.thread(make.user("schrijver"), title="Een draad van voor de storing")
    if member:
        login(client, "schrijver")

    with database_down, caplog.at_level(logging.ERROR):
        response = client.get("/")

    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    text = response.get_data(as_text=True)
    assert "Temporarily unavailable" in text
    assert "Forum071" in text
    for leak in ("Traceback", "OperationalError", "hunter2", "postgresql://", "SELECT", ".py"):
        assert leak not in text, leak
    assert any(r.levelno == logging.ERROR and r.exc_info for r in caplog.records)
    # No restart needed: the next request works, with the member still logged in.
    after = client.get("/")
    assert after.status_code == 200
    assert "Een draad van voor de storing" in after.get_data(as_text=True)
    assert is_logged_in(client) == member


def test_database_outage_on_submit_writes_nothing(app, client, make, database_down):
    make.user("schrijver")
    login(client, "schrijver")
    token = client.csrf_token()

    with database_down:
        response = client.post(
            "/threads/new",
            data={
                "kind": "question",
                "theme": "retail",
                "title": "Tijdens de storing",
                "body": "Komt dit aan?",
                "csrf_token": token,
            },
            csrf=False,
        )

    assert response.status_code == 503
    assert "Retry-After" in response.headers
    assert count(app, Thread) == 0


def test_healthz_reports_an_unreachable_database_then_recovers(app_factory, tmp_path):
    missing = tmp_path / "not-yet"
    app = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{missing / 'forum.sqlite'}")
    client = app.test_client()

    down = client.get("/healthz")

    assert down.status_code == 503
    assert down.mimetype == "application/json"
    assert down.get_json()["database"] == "down"
    assert "Retry-After" in down.headers
    assert str(missing) not in down.get_data(as_text=True)

    missing.mkdir()
    up = client.get("/healthz")
    assert up.status_code == 200
    assert up.get_json() == {"status": "ok", "database": "up"}


def test_healthz_reports_a_working_database(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json()["database"] == "up"


# --------------------------------------------------------------------------------------------
# R3, R11: templates and code that cannot inject or load foreign content
# --------------------------------------------------------------------------------------------

TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
PACKAGE_FILES = sorted((ROOT / "forum071").rglob("*.py"))

TEMPLATE_RULES = {
    "inline script": re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE),
    "style element": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "URL to another host": re.compile(
        r"""\b(?:src|href|action|formaction|srcset|poster|data)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//""",
        re.IGNORECASE,
    ),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "|safe": re.compile(r"\|\s*safe\b"),
    "Markup(": re.compile(r"\bMarkup\s*\("),
    "autoescape false": re.compile(r"autoescape\s+false", re.IGNORECASE),
}

PYTHON_RULES = {
    "|safe": re.compile(r"\|\s*safe\b"),
    "Markup(": re.compile(r"\bMarkup\s*\("),
    "render_template_string": re.compile(r"render_template_string"),
    "autoescape false": re.compile(r"autoescape\s*(?:=\s*)?false", re.IGNORECASE),
}


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_there_are_templates_and_modules_to_check():
    assert len(TEMPLATES) >= 10
    assert any(path.name == "rendering.py" for path in PACKAGE_FILES)


@pytest.mark.parametrize("path", TEMPLATES, ids=relative)
def test_template_has_no_inline_code_or_foreign_urls(path):
    text = path.read_text(encoding="utf-8")

    findings = [name for name, rule in TEMPLATE_RULES.items() if rule.search(text)]

    assert findings == []


def test_only_the_renderer_marks_html_safe():
    offenders = [
        f"{relative(path)}: {name}"
        for path in PACKAGE_FILES
        if path.name != "rendering.py" or path.parent.name != "forum071"
        for name, rule in PYTHON_RULES.items()
        if rule.search(path.read_text(encoding="utf-8"))
    ]

    assert offenders == []


def test_stylesheets_load_nothing_from_another_host():
    foreign = re.compile(r"""(?:url\(\s*["']?\s*(?:[a-z]+:)?//|@import\s+["']?(?:[a-z]+:)?//)""")
    offenders = [
        relative(path)
        for path in sorted((ROOT / "static").rglob("*"))
        if path.suffix in (".css", ".js", ".svg") and foreign.search(path.read_text("utf-8"))
    ]

    assert offenders == []


# --------------------------------------------------------------------------------------------
# Addresses no row can have: a 404 or 400, never a database error
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/threads/99999999999999999999",
        "/threads/2147483648-titel",
        "/api/v1/threads/99999999999999999999",
        "/posts/99999999999999999999/history",
        "/threads/99999999999999999999/feed.atom",
    ],
)
def test_ids_beyond_the_database_integers_are_not_found(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", ["/themes/a%00b", "/users/a%00b", "/projects/a%00b"])
def test_nul_characters_in_addresses_are_not_found(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url", ["/api/v1/threads?theme=a%00", "/api/v1/search?q=a&author=a%00", "/?kind=a%00"]
)
def test_nul_characters_in_queries_never_fail(client, url):
    assert client.get(url).status_code in (200, 400)


def test_nul_characters_in_forms_never_fail(app, client, make):
    author = make.user("femke")
    thread = make.thread(author)
    client.post("/auth/login", data={"login": "femke", "password": PASSWORD})

    response = client.post(f"/threads/{thread}/reply", data={"body": "Hallo\x00daar"})

    # PostgreSQL cannot store a NUL character (a 400, nothing written); SQLite can.
    assert response.status_code in (303, 400)
    with app.app_context():
        expected = 2 if response.status_code == 303 else 1
        assert db.session.get(Thread, thread).post_count == expected


# R14: a forged Host header cannot poison links ------------------------------------------------


@pytest.fixture
def trusting_app(app_factory):
    return app_factory(TRUSTED_HOSTS=["forum071.example.nl"], PROXY_FIX_X_PROTO=1)


@pytest.mark.parametrize("path", ["/", "/feeds/latest.atom", "/api/v1/threads", "/auth/login"])
def test_a_request_for_another_host_is_refused(trusting_app, path):
    response = trusting_app.test_client().get(path, headers={"Host": "evil.example"})

    assert response.status_code == 400
    assert b"evil.example" not in response.data
    assert response.headers["Content-Security-Policy"]


def test_the_configured_host_is_served_with_https_links_behind_a_tls_proxy(trusting_app, make):
    make.thread(make.user("femke"), title="Statiegeld op koffiebekers")
    client = trusting_app.test_client()
    headers = {"Host": "forum071.example.nl", "X-Forwarded-Proto": "https"}

    feed = client.get("/feeds/latest.atom", headers=headers)

    assert feed.status_code == 200
    assert b"https://forum071.example.nl/threads/" in feed.data
    assert b"http://forum071.example.nl" not in feed.data


def test_without_a_trusted_proxy_the_scheme_header_is_ignored(make, client):
    make.thread(make.user("femke"), title="Statiegeld op koffiebekers")

    feed = client.get("/feeds/latest.atom", headers={"X-Forwarded-Proto": "https"})

    assert b"http://localhost/threads/" in feed.data
