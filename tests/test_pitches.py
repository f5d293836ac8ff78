"""Pitches: starting one with a stage and an ask, progress updates, the pitch page."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from forum071.extensions import db
from forum071.models import Notification, PitchUpdate, Thread, utcnow

SUBMISSION_FIELD = re.compile(r'name="submission_id" type="hidden" value="([0-9a-f]{32})"')
THEME = "circulaire-economie"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def submission_id(page: str) -> str:
    match = SUBMISSION_FIELD.search(page)
    assert match, "no submission_id field on the page"
    return match.group(1)


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def pitcher(make, auth):
    """A logged-in entrepreneur who pitches; returns the user id."""
    user_id = make.user("pitcher", organisation="Repair Café Leiden")
    assert auth.login("pitcher").status_code == 302
    return user_id


def start_form(client, **fields) -> dict:
    page = text_of(client.get("/threads/new?kind=pitch"))
    data = {
        "kind": "pitch",
        "theme": THEME,
        "title": "Een repaircafé op elk bedrijventerrein",
        "body": "Wij willen **reparatie** dichtbij brengen.",
        "submission_id": submission_id(page),
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def update_form(client, thread_id: int, **fields) -> dict:
    """The update form as the pitcher's browser sends it: prefilled, with its one-time id."""
    page = client.get(f"/threads/{thread_id}/updates/new")
    assert page.status_code == 200
    data = {
        "body": "We hebben een locatie gevonden.",
        "stage": "in_development",
        "ask": "",
        "submission_id": submission_id(text_of(page)),
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def thread_page(client, thread_id: int) -> str:
    return text_of(client.get(f"/threads/{thread_id}", follow_redirects=True))


def update_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(PitchUpdate))


def pitch_notifications(app, user_id: int) -> list[Notification]:
    with app.app_context():
        rows = db.session.scalars(
            select(Notification).where(
                Notification.user_id == user_id, Notification.kind == "pitch_update"
            )
        ).all()
        db.session.expunge_all()
        return rows


# Starting a pitch -------------------------------------------------------------------------------


def test_new_thread_form_with_kind_pitch_preselects_pitch_and_offers_the_pitch_fields(
    client, pitcher
):
    page = text_of(client.get("/threads/new?kind=pitch"))
    assert 'value="pitch" checked' in page
    assert "For pitches" in page
    assert 'name="stage" id="stage-idea" value="idea" checked' in page
    assert 'name="ask"' in page
    assert 'name="ask_categories" id="ask_categories-funding" value="funding"' in page
    # A pitch is not started as stopped.
    assert 'value="stopped"' not in page


def test_pitch_started_with_stage_ask_and_categories_shows_them(client, make, pitcher):
    data = start_form(client, stage="pilot", ask="Een ondernemer die\nruimte biedt",
                      ask_categories=["location", "launching_customer"])
    response = client.post("/threads/new", data=data)
    assert response.status_code == 303
    thread_id = int(re.search(r"/threads/(\d+)", response.headers["Location"]).group(1))
    thread = make.get(Thread, thread_id)
    assert (thread.stage, thread.ask) == ("pilot", "Een ondernemer die\nruimte biedt")
    # Stored in the order of the list, whatever order the browser sent.
    assert thread.ask_categories == ["launching_customer", "location"]
    page = text_of(client.get(response.headers["Location"]))
    assert "Een ondernemer die\nruimte biedt" in page
    assert "A launching customer" in page and "A location" in page
    current = re.search(r'<li class="stages__step stages__step--current" aria-current="step">'
                        r"(.*?)</li>", page, re.S)
    assert current and "Pilot" in current.group(1) and "current stage" in current.group(1)
    assert page.count('aria-current="step"') == 1


def test_pitch_started_without_stage_or_ask_starts_at_idea(client, make, pitcher):
    # A scripted client that sends only the ordinary new-thread fields.
    data = start_form(client)
    response = client.post("/threads/new", data=data)
    assert response.status_code == 303
    thread_id = int(re.search(r"/threads/(\d+)", response.headers["Location"]).group(1))
    thread = make.get(Thread, thread_id)
    assert (thread.stage, thread.ask, thread.ask_categories) == ("idea", "", [])
    page = text_of(client.get(response.headers["Location"]))
    assert "No specific ask at the moment." in page
    assert re.search(r'stages__step--current" aria-current="step">\s*<span[^>]*>[^<]*</span>\s*'
                     r"Idea", page)


def test_pitch_fields_sent_with_a_discussion_are_ignored(client, make, pitcher):
    data = start_form(client, kind="discussion", stage="stopped", ask="x" * 1_001,
                      ask_categories=["unknown"])
    response = client.post("/threads/new", data=data)
    assert response.status_code == 303
    thread_id = int(re.search(r"/threads/(\d+)", response.headers["Location"]).group(1))
    thread = make.get(Thread, thread_id)
    assert (thread.kind, thread.stage, thread.ask, thread.ask_categories) == (
        "discussion", None, "", [])


def test_ask_of_1001_characters_is_refused_and_everything_kept(app, client, pitcher):
    ask = "a" * 1_001
    data = start_form(client, ask=ask, stage="pilot", ask_categories=["funding"])
    response = client.post("/threads/new", data=data)
    assert response.status_code == 422
    page = text_of(response)
    assert "Keep the ask under 1000 characters (now 1001)." in page
    assert ask in page
    assert "Een repaircafé op elk bedrijventerrein" in page
    assert 'value="pilot" checked' in page and 'value="funding" checked' in page
    assert 'value="pitch" checked' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Thread)) == 0


@pytest.mark.parametrize("stage", ["stopped", "finished"])
def test_starting_a_pitch_at_an_unknown_or_stopped_stage_is_refused(app, client, pitcher, stage):
    response = client.post("/threads/new", data=start_form(client, stage=stage))
    assert response.status_code == 422
    assert "Choose one of the stages in the list." in text_of(response)


def test_unknown_ask_category_is_refused(client, pitcher):
    response = client.post("/threads/new", data=start_form(client, ask_categories=["bitcoin"]))
    assert response.status_code == 422
    assert "Choose the categories from the list." in text_of(response)


# Who posts updates ------------------------------------------------------------------------------


def test_pitcher_sees_the_update_link_and_others_do_not(client, make, auth, pitcher):
    thread_id = make.thread(pitcher, kind="pitch")
    assert "Post a progress update" in thread_page(client, thread_id)
    make.user("buurman")
    auth.logout()
    assert "Post a progress update" not in thread_page(client, thread_id)
    auth.login("buurman")
    assert "Post a progress update" not in thread_page(client, thread_id)


@pytest.mark.parametrize("role", ["entrepreneur", "student", "official", "moderator"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_only_the_pitcher_posts_updates_others_are_forbidden(
    app, client, make, auth, role, method
):
    owner = make.user("eigenaar")
    thread_id = make.thread(owner, kind="pitch")
    make.user("ander", role=role)
    auth.login("ander")
    url = f"/threads/{thread_id}/updates/new"
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data={"body": "Overgenomen", "stage": "pilot", "ask": ""})
    assert response.status_code == 403
    assert update_count(app) == 0
    assert make.get(Thread, thread_id).stage == "idea"


def test_anonymous_visitor_is_sent_to_login_for_the_update_form(app, client, make):
    thread_id = make.thread(make.user("eigenaar"), kind="pitch")
    response = client.get(f"/threads/{thread_id}/updates/new")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/auth/login"
    response = client.post(f"/threads/{thread_id}/updates/new",
                           data={"body": "Anoniem", "stage": "pilot"})
    assert response.status_code == 401
    assert update_count(app) == 0


def test_updates_on_a_closed_pitch_are_refused(app, client, make, pitcher):
    thread_id = make.thread(pitcher, kind="pitch")
    data = update_form(client, thread_id)
    with app.app_context():
        db.session.get(Thread, thread_id).closed_at = utcnow()
        db.session.commit()
    assert client.get(f"/threads/{thread_id}/updates/new").status_code == 403
    assert client.post(f"/threads/{thread_id}/updates/new", data=data).status_code == 403
    assert "Post a progress update" not in thread_page(client, thread_id)
    assert update_count(app) == 0


def test_a_discussion_takes_no_progress_updates(client, make, pitcher):
    thread_id = make.thread(pitcher, kind="discussion")
    assert client.get(f"/threads/{thread_id}/updates/new").status_code == 403


def test_update_on_an_unknown_thread_is_404(client, pitcher):
    assert client.get("/threads/999999/updates/new").status_code == 404


# Posting updates --------------------------------------------------------------------------------


def test_update_form_is_prefilled_with_the_current_stage_and_ask(client, pitcher):
    response = client.post("/threads/new", data=start_form(
        client, stage="pilot", ask="Een proeflocatie", ask_categories=["location"]))
    thread_id = int(re.search(r"/threads/(\d+)", response.headers["Location"]).group(1))
    page = text_of(client.get(f"/threads/{thread_id}/updates/new"))
    assert 'value="pilot" checked' in page
    assert 'value="location" checked' in page
    assert re.search(r'<textarea[^>]*name="ask"[^>]*>\s*Een proeflocatie</textarea>', page)
    # The pitcher may also say the pitch stopped.
    assert 'value="stopped"' in page


def test_update_moves_the_stage_changes_the_ask_and_shows_newest_first(app, client, make,
                                                                       pitcher):
    thread_id = make.thread(pitcher, kind="pitch", title="Deelfietsen voor studenten")
    first = client.post(f"/threads/{thread_id}/updates/new", data=update_form(
        client, thread_id, body="Eerste *update*", stage="in_development",
        ask="Een studententeam", ask_categories=["student_team"]))
    assert first.status_code == 303
    second = client.post(f"/threads/{thread_id}/updates/new", data=update_form(
        client, thread_id, body="Tweede update", stage="pilot",
        ask="Een launching customer", ask_categories=["launching_customer", "funding"]))
    assert second.status_code == 303
    with app.app_context():
        newest = db.session.scalar(select(PitchUpdate).order_by(PitchUpdate.id.desc()))
        location = urlsplit(second.headers["Location"])
        assert location.path == f"/threads/{thread_id}-deelfietsen-voor-studenten"
        assert location.fragment == f"update-{newest.id}"
    thread = make.get(Thread, thread_id)
    assert thread.stage == "pilot"
    assert thread.ask == "Een launching customer"
    assert thread.ask_categories == ["launching_customer", "funding"]
    page = thread_page(client, thread_id)
    assert "Eerste <em>update</em>" in page
    # The timeline is above the discussion, newest first, each with its stage and ask.
    assert page.index("Tweede update") < page.index("Eerste <em>update</em>")
    assert page.index("Eerste <em>update</em>") < page.index('id="post-1"')
    timeline = page[page.index('class="timeline"'):page.index('id="post-1"')]
    assert timeline.index("Een launching customer") < timeline.index("Een studententeam")
    assert timeline.index("Pilot") < timeline.index("In development")
    assert "A student team" in timeline and "Funding" in timeline
    # The current ask comes first of all.
    assert page.index("Asking for now") < page.index('class="timeline"')
    current = re.search(r'aria-current="step">(.*?)</li>', page, re.S).group(1)
    assert "Pilot" in current


def test_update_bumps_the_pitch_to_the_top_of_the_front_page(client, make, pitcher):
    older = make.thread(pitcher, kind="pitch", title="De oudere pitch")
    make.thread(pitcher, title="Het nieuwere onderwerp")
    front = text_of(client.get("/"))
    assert front.index("Het nieuwere onderwerp") < front.index("De oudere pitch")
    assert client.post(f"/threads/{older}/updates/new",
                       data=update_form(client, older)).status_code == 303
    front = text_of(client.get("/"))
    assert front.index("De oudere pitch") < front.index("Het nieuwere onderwerp")


def test_the_pitch_can_be_marked_stopped(client, make, pitcher):
    thread_id = make.thread(pitcher, kind="pitch")
    response = client.post(f"/threads/{thread_id}/updates/new",
                           data=update_form(client, thread_id, stage="stopped",
                                            body="We stoppen: geen locatie."))
    assert response.status_code == 303
    assert make.get(Thread, thread_id).stage == "stopped"
    current = re.search(r'aria-current="step">(.*?)</li>', thread_page(client, thread_id), re.S)
    assert "Stopped" in current.group(1)


def test_two_updates_notify_a_follower_twice_and_not_the_pitcher(app, client, make, pitcher):
    thread_id = make.thread(pitcher, kind="pitch")
    follower = make.user("volger", role="student")
    make.reply(follower, thread_id, "Ik volg dit!")  # replying follows the pitch
    bystander = make.user("omstander")
    for body in ("Eerste update", "Tweede update"):
        response = client.post(f"/threads/{thread_id}/updates/new",
                               data=update_form(client, thread_id, body=body))
        assert response.status_code == 303
    notifications = pitch_notifications(app, follower)
    assert len(notifications) == 2
    assert {(n.thread_id, n.actor_id) for n in notifications} == {(thread_id, pitcher)}
    assert pitch_notifications(app, pitcher) == []
    assert pitch_notifications(app, bystander) == []


def test_sending_the_same_update_form_twice_makes_one_update(app, client, make, pitcher):
    thread_id = make.thread(pitcher, kind="pitch")
    follower = make.user("volger")
    make.reply(follower, thread_id)
    data = update_form(client, thread_id, body="Maar één keer")
    first = client.post(f"/threads/{thread_id}/updates/new", data=data)
    second = client.post(f"/threads/{thread_id}/updates/new", data=data)
    assert (first.status_code, second.status_code) == (303, 303)
    assert second.headers["Location"] == first.headers["Location"]
    assert update_count(app) == 1
    assert len(pitch_notifications(app, follower)) == 1
    assert thread_page(client, thread_id).count("Maar één keer") == 1


@pytest.mark.parametrize("fields, message", [
    ({"body": "   "}, "Describe what changed."),
    ({"stage": "launched"}, "Choose one of the stages in the list."),
    ({"ask": "b" * 1_001}, "Keep the ask under 1000 characters (now 1001)."),
    ({"ask_categories": ["bitcoin"]}, "Choose the categories from the list."),
    ({"body": "c" * 32_001}, "Keep it under 32000 characters (now 32001)."),
])
def test_invalid_update_is_refused_with_a_message_and_the_input_kept(
    app, client, make, pitcher, fields, message
):
    thread_id = make.thread(pitcher, kind="pitch")
    data = update_form(client, thread_id, body="Wat er veranderde", stage="pilot",
                       ask="Een gemeentelijk contact", ask_categories=["municipal_contact"])
    data.update(fields)
    response = client.post(f"/threads/{thread_id}/updates/new", data=data)
    assert response.status_code == 422
    page = text_of(response)
    assert "Not sent yet: please correct the fields marked below." in page
    assert html.escape(message) in page
    for name, value in data.items():
        if name in ("body", "ask") and value.strip():
            assert html.escape(value) in page, name
    if "ask_categories" not in fields:
        assert 'value="municipal_contact" checked' in page
    if "stage" not in fields:
        assert 'value="pilot" checked' in page
    assert update_count(app) == 0
    assert make.get(Thread, thread_id).stage == "idea"


def test_script_in_an_update_and_its_ask_is_shown_as_text(client, make, pitcher):
    thread_id = make.thread(pitcher, kind="pitch")
    response = client.post(f"/threads/{thread_id}/updates/new", data=update_form(
        client, thread_id, body="<script>alert(1)</script> **vet**",
        ask="<img src=x onerror=alert(2)>"))
    assert response.status_code == 303
    page = thread_page(client, thread_id)
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "<strong>vet</strong>" in page


def test_pitch_page_without_updates_says_when_it_started(client, make):
    thread_id = make.thread(make.user("eigenaar"), kind="pitch")
    page = thread_page(client, thread_id)
    assert "Progress updates" in page and "Pitch started" in page


def test_questions_and_discussions_show_no_pitch_section(client, make):
    author = make.user("eigenaar")
    for kind in ("question", "discussion"):
        page = thread_page(client, make.thread(author, kind=kind))
        assert "Where this pitch stands" not in page
        assert 'aria-current="step"' not in page


def test_scripted_update_with_only_a_body_keeps_the_stage_and_ask(client, pitcher):
    response = client.post("/threads/new", data=start_form(
        client, stage="pilot", ask="Een proeflocatie", ask_categories=["location"]))
    thread_id = int(re.search(r"/threads/(\d+)", response.headers["Location"]).group(1))
    response = client.post(f"/threads/{thread_id}/updates/new", data={"body": "Kort nieuws"})
    assert response.status_code == 303
    page = thread_page(client, thread_id)
    timeline = page[page.index('class="timeline"'):]
    assert "Kort nieuws" in timeline and "Pilot" in timeline and "Een proeflocatie" in timeline
    # Categories are checkboxes: leaving them all out means none.
    assert "A location" not in timeline


def test_update_sent_with_an_expired_form_is_refused_and_kept(app, client, make, pitcher):
    thread_id = make.thread(pitcher, kind="pitch")
    data = update_form(client, thread_id, body="Getypt maar verlopen", ask="Nog steeds een vraag")
    response = client.post(f"/threads/{thread_id}/updates/new", data=data, csrf=False)
    assert response.status_code == 400
    page = text_of(response)
    assert "This form had expired" in page
    assert "Getypt maar verlopen" in page and "Nog steeds een vraag" in page
    assert update_count(app) == 0
