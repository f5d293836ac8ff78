"""Logging in: failed attempts counted so that nobody can lock another out, and the draft kept
through a login, which only its writer can send (issue 10)."""

from __future__ import annotations

import html5lib
import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from forum071.extensions import db
from forum071.models import PitchUpdate, Post, Project, Theme, Thread
from tests.factories import PASSWORD
from tests.test_ratelimits import WRONG_PASSWORD, assert_refused, client_from, limited_app


def login(client, name: str, password: str = WRONG_PASSWORD):
    return client.post("/auth/login", data={"login": name, "password": password})


# Failed-login limits ------------------------------------------------------------------------


def test_someone_guessing_from_one_address_does_not_lock_the_owner_out(app_factory, make):
    app = limited_app(app_factory, RATELIMIT_LOGIN_ACCOUNT="3 per minute")
    make.user("ondernemer")
    attacker = client_from(app, "203.0.113.66")
    for _ in range(3):
        assert login(attacker, "ondernemer").status_code == 422
    assert_refused(login(attacker, "ondernemer"))
    assert_refused(login(attacker, "Ondernemer ", PASSWORD))  # this pair waits

    owner = client_from(app, "198.51.100.7")
    assert login(owner, "ondernemer", PASSWORD).status_code == 302


def test_the_owner_may_still_mistype_after_someone_else_guessed(app_factory, make):
    app = limited_app(app_factory, RATELIMIT_LOGIN_ACCOUNT="3 per minute")
    make.user("ondernemer")
    attacker = client_from(app, "203.0.113.66")
    for _ in range(4):
        login(attacker, "ondernemer")

    owner = client_from(app, "198.51.100.7")
    assert login(owner, "ondernemer").status_code == 422
    assert login(owner, "ondernemer", PASSWORD).status_code == 302


def test_a_guess_from_many_addresses_is_stopped_by_the_accounts_total(app_factory, make):
    app = limited_app(
        app_factory,
        RATELIMIT_LOGIN_ACCOUNT="3 per minute",
        RATELIMIT_LOGIN_ACCOUNT_TOTAL="5 per minute",
    )
    make.user("ondernemer")
    for number in range(5):
        guesser = client_from(app, f"203.0.113.{number + 1}")
        assert login(guesser, "  Ondernemer ").status_code == 422

    assert_refused(login(client_from(app, "203.0.113.99"), "ondernemer"))
    assert_refused(login(client_from(app, "198.51.100.7"), "ondernemer", PASSWORD))
    # Other accounts are not affected.
    assert login(client_from(app, "203.0.113.1"), "iemand_anders").status_code == 422


# The demo accounts ---------------------------------------------------------------------------


def test_the_readme_names_every_demo_user_with_their_role():
    from pathlib import Path

    from forum071.seed_data import DEMO_USERS

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(" `"): line.split("|")[2] for line in readme.splitlines()
            if line.startswith("| `")}
    for user in DEMO_USERS:
        assert user["role"] in rows.get(user["username"], ""), user["username"]


# The draft kept through a login ----------------------------------------------------------------

NEW_QUESTION = {
    "kind": "question",
    "theme": "circulaire-economie",
    "projects": "masterclass-circulaire-economie",
    "title": "Wie weet iets over leegstand in de binnenstad?",
    "body": "Een lange vraag die ik **niet** opnieuw wil typen.",
    "submission_id": "0b5e7a1c00004000800000000000abcd",
}


def form_fields(html: str, form_index: int = 0) -> tuple[str, list[tuple[str, str]]]:
    """The action and the fields a browser would send for the page's n-th form."""
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    form = tree.findall(".//main//form")[form_index]
    fields = [
        (element.get("name"), element.get("value") or "")
        for element in form.iter("input")
        if element.get("name") and element.get("type") != "checkbox"
    ]
    fields += [(element.get("name"), element.text or "") for element in form.iter("textarea")]
    return form.get("action"), fields


def visible_text(html: str) -> str:
    """What a reader sees of the page's main part (no attribute values, no hidden fields)."""
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    return " ".join("".join(tree.find(".//main").itertext()).split())


def send(client, action: str, fields: list[tuple[str, str]], **changes: str):
    data = MultiDict(fields)
    for name, value in changes.items():
        data[name] = value
    # As the browser sends it: the page's own token, nothing fetched in between.
    return client.post(action, data=data, csrf=False)


def refused_while_logged_out(client, url: str, data: dict):
    """A form sent after the session ended: the login page, with the draft in its form."""
    response = client.post(url, data=data, csrf=False)
    assert response.status_code in (400, 401)
    return response.get_data(as_text=True)


def log_in_from(client, login_page: str, username: str):
    action, fields = form_fields(login_page)
    assert action == "/auth/login"
    return send(client, action, fields, login=username, password=PASSWORD)


def thread_titles(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Thread.title)))


@pytest.fixture
def en_client(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_send_it_now_after_logging_in_sends_the_draft_once(app, en_client, make):
    make.user("sessie_verlopen")
    login_page = refused_while_logged_out(en_client, "/threads/new", NEW_QUESTION)
    assert NEW_QUESTION["body"] in visible_text(login_page)  # "what you wrote"

    resume = log_in_from(en_client, login_page, "sessie_verlopen")
    assert resume.status_code == 200
    assert NEW_QUESTION["title"] not in thread_titles(app)  # nothing is sent by itself

    action, fields = form_fields(resume.get_data(as_text=True))
    assert action == "/threads/new"
    sent = send(en_client, action, fields)
    assert sent.status_code == 303
    again = send(en_client, action, fields)  # a double click
    assert again.status_code == 303
    assert thread_titles(app).count(NEW_QUESTION["title"]) == 1


def test_the_draft_stays_through_a_mistyped_password(app, en_client, make):
    make.user("sessie_verlopen")
    login_page = refused_while_logged_out(en_client, "/threads/new", NEW_QUESTION)
    action, fields = form_fields(login_page)
    mistyped = send(en_client, action, fields, login="sessie_verlopen", password="fout")
    assert mistyped.status_code == 422

    resume = log_in_from(en_client, mistyped.get_data(as_text=True), "sessie_verlopen")
    assert resume.status_code == 200
    action, fields = form_fields(resume.get_data(as_text=True))
    assert send(en_client, action, fields).status_code == 303
    assert NEW_QUESTION["title"] in thread_titles(app)


def test_the_resume_page_says_in_words_what_goes_where(app, en_client, make):
    make.user("sessie_verlopen")
    login_page = refused_while_logged_out(en_client, "/threads/new", NEW_QUESTION)
    login_text = visible_text(login_page)
    resume = visible_text(log_in_from(en_client, login_page, "sessie_verlopen").get_data(True))

    with app.app_context():
        theme = db.session.scalar(select(Theme).where(Theme.slug == "circulaire-economie"))
        project = db.session.scalar(
            select(Project).where(Project.slug == "masterclass-circulaire-economie")
        )
        theme_name, project_name = theme.name_en or theme.name, project.name
    assert "A new thread in the theme" in resume and theme_name in resume
    assert project_name in resume
    assert "Question" in resume
    for text in (resume, login_text):
        assert NEW_QUESTION["title"] in text and NEW_QUESTION["body"] in text
        assert NEW_QUESTION["submission_id"] not in text
        assert "circulaire-economie" not in text and "masterclass-" not in text


@pytest.fixture
def pitch(make) -> tuple[int, int]:
    """A pitch by "pitcher" with a reply; returns the thread's and the reply's ids."""
    pitcher = make.user("pitcher")
    thread_id = make.thread(pitcher, kind="pitch", title="Een materialenbank voor sloophout")
    make.reply(pitcher, thread_id, "Een eerste reactie op de pitch.")
    with make.app.app_context():
        reply_id = db.session.scalar(
            select(Post.id).where(Post.thread_id == thread_id, Post.number == 2)
        )
    return thread_id, reply_id


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("reply", "A reply in the thread “Een materialenbank voor sloophout”"),
        ("edit", "A new version of post 2 in the thread “Een materialenbank voor sloophout”"),
        ("update", "A progress update on the pitch “Een materialenbank voor sloophout”"),
    ],
)
def test_replies_edits_and_pitch_updates_are_kept_too(app, en_client, pitch, kind, words):
    thread_id, reply_id = pitch
    url, data = {
        "reply": (f"/threads/{thread_id}/reply", {"body": "Mijn antwoord, bewaard."}),
        "edit": (f"/posts/{reply_id}/edit", {"body": "Mijn antwoord, bewaard.",
                                              "base_version": "1"}),
        "update": (f"/threads/{thread_id}/updates/new", {"body": "Mijn antwoord, bewaard.",
                                                        "stage": "pilot"}),
    }[kind]
    login_page = refused_while_logged_out(en_client, url, data)
    resume = log_in_from(en_client, login_page, "pitcher")

    assert resume.status_code == 200
    page = resume.get_data(as_text=True)
    assert words in visible_text(page)
    action, fields = form_fields(page)
    assert action == url
    assert send(en_client, action, fields).status_code == 303
    with app.app_context():
        bodies = db.session.scalars(select(Post.body).where(Post.thread_id == thread_id)).all()
        updates = db.session.scalars(select(PitchUpdate.body)).all()
    assert "Mijn antwoord, bewaard." in [*bodies, *updates]


@pytest.mark.parametrize(
    "url",
    [
        "/moderation/users/pitcher/role",
        "/moderation/users/pitcher/suspend",
        "/moderation/posts/1/hide",
        "/users/pitcher/edit",
        "/posts/1/flag",
    ],
)
def test_no_moderation_or_account_action_is_kept_through_a_login(en_client, make, url):
    make.user("pitcher")
    make.user("beheerder", role="admin")
    data = {"role": "admin", "reason": "Overgenomen", "bio": "Gekaapt", "note": "x"}
    response = en_client.post(url, data=data, csrf=False, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Gekaapt" not in page and "Overgenomen" not in page

    if 'action="/auth/login"' in page:
        response = log_in_from(en_client, page, "beheerder")
    else:  # a button's refusal: no form to log in from
        response = en_client.post("/auth/login", data={"login": "beheerder", "password": PASSWORD})
    assert response.status_code == 302  # straight on, nothing offered to send


def test_a_draft_planted_in_the_login_form_is_not_offered(en_client, make):
    """The old hidden fields, and any made up: a cross-site POST to /auth/login could send them."""
    make.user("beheerder", role="admin")
    planted = {
        "login": "beheerder",
        "password": PASSWORD,
        "draft_target": "/moderation/users/beheerder/role",
        "draft__role": "student",
        "draft": "eyJlIjoibW9kZXJhdGlvbl91c2Vycy5yb2xlIn0.forged",
    }
    response = en_client.post("/auth/login", data=planted)
    assert response.status_code == 302


def test_a_draft_made_in_another_browser_is_not_offered(app, en_client, make, pitch):
    """An attacker's own real draft, planted in the victim's login (login CSRF)."""
    thread_id, _ = pitch
    attacker = app.test_client()
    login_page = refused_while_logged_out(
        attacker, f"/threads/{thread_id}/reply", {"body": "Stuur je wachtwoord naar mij."}
    )
    planted = dict(form_fields(login_page)[1])
    assert planted.get("draft"), "the login page carries the draft"

    # Sent cross-site (no token of the victim's session): refused, and no draft shown.
    refused = en_client.post("/auth/login", data={**planted, "login": "pitcher"}, csrf=False)
    assert refused.status_code == 400
    assert "Stuur je wachtwoord" not in refused.get_data(as_text=True)
    # Even with the victim's own token the draft does not belong to this browser.
    planted.pop("csrf_token")
    response = en_client.post("/auth/login", data={**planted, "login": "pitcher",
                                                   "password": PASSWORD})
    assert response.status_code == 302
