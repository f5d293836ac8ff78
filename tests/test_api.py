"""The read-only JSON API: shapes, filters, errors as JSON."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from forum071 import seed_data
from forum071.extensions import db
from forum071.models import Post, Thread, User
from forum071.questions import services as questions


def iso_with_offset(value: str) -> bool:
    parsed = datetime.fromisoformat(value)
    return parsed.tzinfo is not None and parsed.utcoffset() is not None


def assert_list_answer(body: dict) -> None:
    assert set(body) >= {"items", "page", "pages", "total"}
    assert isinstance(body["items"], list)
    assert all(isinstance(body[key], int) for key in ("page", "pages", "total"))


def assert_json_error(response, status: int) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"]["status"] == status
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert "<html" not in response.get_data(as_text=True)
    return body


@pytest.fixture
def threads(make):
    """Three threads in two themes, two kinds and one project; returns their ids."""
    author = make.user("auteur", role="student")
    replier = make.user("reageerder")
    return {
        "circular": make.thread(author, theme="circulaire-economie", kind="pitch",
                                projects=("masterclass-circulaire-economie",),
                                title="Statiegeld op koffiebekers"),
        "mobility": make.thread(author, theme="duurzame-mobiliteit", kind="question",
                                projects=("duurzame-mobiliteit",), title="Deelfietsen bij NS",
                                replies=2, reply_author_id=replier),
        "retail": make.thread(author, theme="retail", kind="discussion",
                              title="Leegstand in de binnenstad"),
    }


def test_themes_lists_every_theme_with_slug_and_name(client):
    response = client.get("/api/v1/themes")
    assert response.status_code == 200
    body = response.get_json()
    assert_list_answer(body)
    assert body["total"] == len(seed_data.THEMES) == len(body["items"])
    assert (body["page"], body["pages"]) == (1, 1)
    assert [item["slug"] for item in body["items"]] == [t["slug"] for t in seed_data.THEMES]
    for item in body["items"]:
        assert isinstance(item["slug"], str) and isinstance(item["name"], str)


def test_projects_lists_every_project_with_phase_and_themes(client):
    body = client.get("/api/v1/projects").get_json()
    assert_list_answer(body)
    assert body["total"] == len(seed_data.PROJECTS) == len(body["items"])
    by_slug = {item["slug"]: item for item in body["items"]}
    for project in seed_data.PROJECTS:
        item = by_slug[project["slug"]]
        assert item["name"] == project["name"]
        assert item["phase"] == project["phase"]
        assert sorted(item["themes"]) == sorted(project["themes"])


def test_threads_list_has_the_documented_shape(client, threads):
    response = client.get("/api/v1/threads")
    assert response.status_code == 200
    body = response.get_json()
    assert_list_answer(body)
    assert (body["page"], body["pages"], body["total"]) == (1, 1, 3)
    item = next(i for i in body["items"] if i["id"] == threads["mobility"])
    assert item["title"] == "Deelfietsen bij NS"
    assert item["kind"] == "question"
    assert item["theme"] == "duurzame-mobiliteit"
    assert item["projects"] == ["duurzame-mobiliteit"]
    assert item["author"] == "auteur"
    assert item["post_count"] == 3
    assert isinstance(item["id"], int)
    assert iso_with_offset(item["created_at"])
    assert "posts" not in item
    assert "email" not in str(body) and "password" not in str(body)


def test_threads_list_is_ordered_by_latest_activity(client, threads, make):
    make.reply(make.user("laatste"), threads["circular"], "Als laatste")
    ids = [item["id"] for item in client.get("/api/v1/threads").get_json()["items"]]
    assert ids == [threads["circular"], threads["retail"], threads["mobility"]]


@pytest.mark.parametrize("query, expected", [
    ("theme=duurzame-mobiliteit", {"mobility"}),
    ("project=masterclass-circulaire-economie", {"circular"}),
    ("project=smart071", set()),
    ("kind=discussion", {"retail"}),
    ("kind=pitch&theme=circulaire-economie", {"circular"}),
    ("kind=pitch&theme=retail", set()),
    ("theme=&kind=", {"circular", "mobility", "retail"}),
])
def test_threads_can_be_filtered_by_theme_project_and_kind(client, threads, query, expected):
    body = client.get(f"/api/v1/threads?{query}").get_json()
    assert {item["id"] for item in body["items"]} == {threads[name] for name in expected}
    assert body["total"] == len(expected)


@pytest.mark.parametrize("query", ["kind=poll", "theme=bestaat-niet", "project=bestaat-niet"])
def test_invalid_filter_is_a_400_in_json(client, threads, query):
    assert_json_error(client.get(f"/api/v1/threads?{query}"), 400)


def test_threads_are_paginated(app, client, make):
    author = make.user("auteur")
    for number in range(app.config["THREADS_PER_PAGE"] + 1):
        make.thread(author, title=f"Onderwerp {number:02d}")
    first = client.get("/api/v1/threads").get_json()
    assert (first["page"], first["pages"], first["total"]) == (1, 2, 21)
    assert len(first["items"]) == 20
    second = client.get("/api/v1/threads?page=2").get_json()
    assert second["page"] == 2
    assert [item["title"] for item in second["items"]] == ["Onderwerp 00"]


@pytest.mark.parametrize("page", ["2", "abc", "0"])
def test_page_beyond_the_last_or_not_a_number_is_a_404_in_json(client, threads, page):
    assert_json_error(client.get(f"/api/v1/threads?page={page}"), 404)


def test_single_thread_adds_its_posts(client, threads):
    response = client.get(f"/api/v1/threads/{threads['mobility']}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == threads["mobility"]
    assert body["title"] == "Deelfietsen bij NS"
    assert body["post_count"] == 3
    assert [post["author"] for post in body["posts"]] == ["auteur", "reageerder", "reageerder"]
    for post in body["posts"]:
        assert isinstance(post["id"], int)
        assert iso_with_offset(post["created_at"])
        assert isinstance(post["body_html"], str)
    assert body["posts"][1]["body_html"] == "<p>Reactie 1 op dit idee.</p>\n"
    assert "body" not in body["posts"][0]


def test_unknown_thread_is_a_404_in_json(client):
    assert_json_error(client.get("/api/v1/threads/999999"), 404)


def test_unknown_api_address_is_a_404_in_json(client):
    assert_json_error(client.get("/api/v1/bestaat-niet"), 404)


def test_post_html_in_the_api_is_sanitised(client, make):
    thread_id = make.thread(
        make.user("auteur"),
        body='<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror="alert(1)">',
    )
    body_html = client.get(f"/api/v1/threads/{thread_id}").get_json()["posts"][0]["body_html"]
    assert "<script" not in body_html
    assert "&lt;script&gt;" in body_html
    assert "javascript:" not in body_html
    assert "<img" not in body_html


def test_diacritics_and_emoji_come_back_unchanged(client, make):
    title = "Coöperatie voor één café ☕"
    thread_id = make.thread(make.user("auteur"), title=title, body="Naïef 🚲")
    body = client.get(f"/api/v1/threads/{thread_id}").get_json()
    assert body["title"] == title
    assert "Naïef 🚲" in body["posts"][0]["body_html"]


def test_api_refuses_writes(client):
    response = client.post("/api/v1/threads", json={"title": "x"})
    assert response.status_code == 405
    assert response.mimetype == "application/json"


def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


@pytest.mark.parametrize("page", ["2", "abc", "0"])
def test_posts_page_beyond_the_last_is_a_404_in_json(client, threads, page):
    assert_json_error(client.get(f"/api/v1/threads/{threads['retail']}?page={page}"), 404)


def test_single_thread_pages_its_posts_by_50(client, make):
    thread_id = make.thread(make.user("auteur"), replies=50)
    first = client.get(f"/api/v1/threads/{thread_id}").get_json()
    assert len(first["posts"]) == 50
    second = client.get(f"/api/v1/threads/{thread_id}?page=2").get_json()
    assert [post["body_html"] for post in second["posts"]] == ["<p>Reactie 50 op dit idee.</p>\n"]


# Questions, pitches, outcomes and the three-O mix ----------------------------------------------


def _accept_and_close(app, thread_id: int, *, accept: bool, outcome: str | None,
                      summary: str = "") -> None:
    """Set-up through the services the pages use: accept the last reply, close the thread."""
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        author = db.session.get(User, thread.author_id)
        if accept:
            post = db.session.scalar(
                select(Post).where(Post.thread_id == thread_id, Post.number == thread.post_count)
            )
            questions.accept_answer(author, thread, post)
        if outcome:
            questions.close_thread(author, thread, outcome, summary)
        db.session.commit()


@pytest.fixture
def states(app, make, threads):
    """The threads fixture plus an answered question closed with a summary, and an official."""
    official = make.user("wethouder", role="official")
    answered = make.thread(make.user("vrager"), theme="retail", kind="question",
                           title="Wie kent een pand?", replies=1, reply_author_id=official)
    _accept_and_close(app, answered, accept=True, outcome="answered", summary="Gevonden <b>!</b>")
    _accept_and_close(app, threads["circular"], accept=False, outcome="pilot")
    return {**threads, "answered": answered}


def test_threads_carry_stage_ask_answer_outcome_and_mix(client, states):
    items = {item["id"]: item for item in client.get("/api/v1/threads").get_json()["items"]}
    pitch = items[states["circular"]]
    assert pitch["kind"] == "pitch"
    assert pitch["stage"] == "pilot"
    assert pitch["ask"] == "" and pitch["ask_categories"] == []
    assert pitch["answered"] is False and pitch["accepted_post_id"] is None
    assert pitch["closed"] is True and pitch["outcome"] == "pilot"
    assert pitch["mix"] == {"entrepreneurs": False, "education": True, "government": False}

    answered = items[states["answered"]]
    assert answered["stage"] is None and answered["ask"] == ""
    assert answered["answered"] is True
    assert isinstance(answered["accepted_post_id"], int)
    assert answered["closed"] is True and answered["outcome"] == "answered"
    assert answered["summary"] == "Gevonden <b>!</b>"  # plain text, as typed
    assert answered["mix"] == {"entrepreneurs": True, "education": False, "government": True}

    unanswered = items[states["mobility"]]
    assert unanswered["answered"] is False and unanswered["accepted_post_id"] is None
    assert unanswered["closed"] is False
    assert unanswered["outcome"] is None and unanswered["summary"] == ""
    assert unanswered["duplicate_of"] is None

    discussion = items[states["retail"]]
    assert discussion["stage"] is None and discussion["answered"] is False
    for item in items.values():
        assert set(item["mix"]) == {"entrepreneurs", "education", "government"}
        assert all(isinstance(value, bool) for value in item["mix"].values())


def test_single_thread_has_the_same_fields_and_posts_have_supports(client, states):
    listed = next(item for item in client.get("/api/v1/threads").get_json()["items"]
                  if item["id"] == states["answered"])
    single = client.get(f"/api/v1/threads/{states['answered']}").get_json()
    assert {key: single[key] for key in listed} == listed
    assert single["accepted_post_id"] == single["posts"][1]["id"]
    assert [post["supports"] for post in single["posts"]] == [0, 0]


@pytest.mark.parametrize("query, expected", [
    ("answered=true", {"answered"}),
    ("answered=false", {"mobility"}),
    ("answered=false&kind=pitch", set()),
    ("stage=pilot", {"circular"}),
    ("stage=idea", set()),
    ("no_official=true", {"circular", "mobility", "retail"}),
    ("no_official=false", {"circular", "mobility", "retail", "answered"}),
    ("no_official=true&theme=retail", {"retail"}),
    ("answered=true&project=duurzame-mobiliteit", set()),
    ("answered=&stage=&no_official=", {"circular", "mobility", "retail", "answered"}),
])
def test_threads_can_be_filtered_by_answered_stage_and_official(client, states, query, expected):
    body = client.get(f"/api/v1/threads?{query}").get_json()
    assert {item["id"] for item in body["items"]} == {states[name] for name in expected}
    assert body["total"] == len(expected)


@pytest.mark.parametrize("query", ["answered=yes", "answered=1", "stage=klaar", "stage=Pilot",
                                   "no_official=1", "no_official=ja"])
def test_invalid_answered_stage_or_official_filter_is_a_400_in_json(client, threads, query):
    assert_json_error(client.get(f"/api/v1/threads?{query}"), 400)
