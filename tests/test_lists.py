"""Thread lists: filters on the front, theme and project pages, row states, open questions."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from forum071.extensions import db
from forum071.models import Post, Thread, User
from forum071.questions import services as questions


def text_of(response) -> str:
    return response.get_data(as_text=True)


def thread_titles(page: str) -> list[str]:
    return re.findall(r'class="thread-row__title" href="[^"]+">([^<]+)</a>', page)


def open_question_titles(page: str) -> list[str]:
    box = page.split('id="open-questions-heading"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<li><a href="[^"]+">([^<]+)</a>', box)


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def accept_last_reply(app, thread_id: int) -> None:
    """The asker accepts the thread's last reply (set-up through the service the view uses)."""
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        post = db.session.scalar(
            select(Post).where(Post.thread_id == thread_id, Post.number == thread.post_count)
        )
        questions.accept_answer(db.session.get(User, thread.author_id), thread, post)
        db.session.commit()


def close_thread(app, thread_id: int, outcome: str) -> None:
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        questions.close_thread(db.session.get(User, thread.author_id), thread, outcome)
        db.session.commit()


@pytest.fixture
def mixed(app, make):
    """Threads of every kind and state in two themes and one project; returns titles by key."""
    entrepreneur = make.user("ondernemer")
    official = make.user("ambtenaar", role="official")
    student = make.user("student", role="student")
    specs = {
        "open question": dict(kind="question", replies=1, reply_author_id=student),
        "answered question": dict(kind="question", replies=1, reply_author_id=student),
        "closed question": dict(kind="question"),
        "official question": dict(kind="question", replies=1, reply_author_id=official),
        "idea pitch": dict(kind="pitch"),
        "pilot pitch": dict(kind="pitch"),
        "discussion": dict(kind="discussion", replies=1, reply_author_id=official),
    }
    ids = {}
    for name, spec in specs.items():
        ids[name] = make.thread(entrepreneur, title=f"Draad: {name}", theme="circulaire-economie",
                                projects=("masterclass-circulaire-economie",), **spec)
    accept_last_reply(app, ids["answered question"])
    close_thread(app, ids["closed question"], "no_longer_relevant")
    close_thread(app, ids["pilot pitch"], "pilot")
    return ids


LIST_PAGES = ["/", "/themes/circulaire-economie", "/projects/masterclass-circulaire-economie"]


@pytest.mark.parametrize("url", LIST_PAGES)
@pytest.mark.parametrize("query, expected", [
    ("kind=question", {"open question", "answered question", "closed question",
                       "official question"}),
    ("answered=false", {"open question", "closed question", "official question"}),
    ("answered=true", {"answered question"}),
    ("kind=pitch&stage=pilot", {"pilot pitch"}),
    ("stage=idea", {"idea pitch"}),
    ("kind=discussion&stage=idea", set()),
    ("no_official=true", {"open question", "answered question", "closed question",
                          "idea pitch", "pilot pitch"}),
    ("kind=question&answered=false&no_official=true", {"open question", "closed question"}),
    ("kind=&answered=&stage=&no_official=", None),
])
def test_list_pages_filter_threads(client, mixed, url, query, expected):
    response = client.get(f"{url}?{query}")
    assert response.status_code == 200
    shown = set(thread_titles(text_of(response)))
    # Empty values mean "any".
    assert shown == {f"Draad: {name}" for name in (mixed if expected is None else expected)}


def test_filter_form_is_a_labelled_get_form_showing_the_choice(client, mixed):
    page = text_of(client.get("/themes/circulaire-economie?kind=pitch&stage=pilot"
                              "&no_official=true"))
    form = page.split('<form class="filters"', 1)[1].split("</form>", 1)[0]
    assert 'method="get"' in form
    assert 'action="/themes/circulaire-economie"' in form
    for name in ("kind", "answered", "stage"):
        assert f'<label class="field__label" for="filter-{name}">' in form
    assert '<label for="filter-no-official">' in form
    assert '<option value="pitch" selected>' in form
    assert '<option value="pilot" selected>' in form
    assert 'value="true" checked' in form
    assert "1 thread matches." in form
    assert 'href="/themes/circulaire-economie">Show all threads</a>' in form


def test_no_filter_shows_no_match_count(client, mixed):
    assert "matches." not in text_of(client.get("/"))


@pytest.mark.parametrize(
    "query", ["kind=poll", "answered=misschien", "stage=klaar", "no_official=ja"]
)
def test_unknown_filter_value_is_explained_and_ignored(client, mixed, query):
    response = client.get(f"/?{query}")
    assert response.status_code == 200
    page = text_of(response)
    assert "Unknown choice, so this filter was ignored." in page
    assert len(thread_titles(page)) == len(mixed)


def test_filtered_list_paginates_with_its_own_total_and_links_keep_the_filters(client, make):
    author = make.user("vrager")
    for number in range(21):
        make.thread(author, kind="question", theme="retail", title=f"Vraag {number:02d}")
    for number in range(5):
        make.thread(author, kind="discussion", theme="retail", title=f"Gesprek {number:02d}")
    for url in ("/", "/themes/retail"):
        first = text_of(client.get(f"{url}?kind=question&answered=false"))
        assert len(thread_titles(first)) == 20
        assert "21 threads match." in first
        assert f'href="{url}?kind=question&amp;answered=false&amp;page=2"' in first
        second = text_of(client.get(f"{url}?kind=question&answered=false&page=2"))
        assert thread_titles(second) == ["Vraag 00"]
        assert client.get(f"{url}?kind=question&answered=false&page=3").status_code == 404
    # Unfiltered, the 26 threads still make two pages.
    assert len(thread_titles(text_of(client.get("/themes/retail?page=2")))) == 6


def test_empty_filtered_list_says_nothing_matches(client, mixed):
    page = text_of(client.get("/?kind=discussion&no_official=true"))
    assert "No threads match these filters." in page
    assert "0 threads match." in page


# Row states ---------------------------------------------------------------------------------


def row_of(page: str, title: str) -> str:
    start = page.index(f">{title}</a>")
    return page[page.rindex('<li class="thread-row">', 0, start):start]


def test_rows_show_answered_unanswered_stage_and_outcome(client, mixed):
    page = text_of(client.get("/"))
    assert 'badge--unanswered">Unanswered<' in row_of(page, "Draad: open question")
    assert 'badge--answered">Answered<' in row_of(page, "Draad: answered question")
    closed = row_of(page, "Draad: closed question")
    assert "Closed: No longer relevant" in closed and "Unanswered" not in closed
    assert ">Idea<" in row_of(page, "Draad: idea pitch")
    assert "Closed: Pilot" in row_of(page, "Draad: pilot pitch")
    discussion = row_of(page, "Draad: discussion")
    assert "badge--answered" not in discussion and "badge--unanswered" not in discussion


# Open questions on theme and project pages ---------------------------------------------------


@pytest.mark.parametrize("url", LIST_PAGES[1:])
def test_theme_and_project_pages_show_their_open_questions(client, mixed, url):
    shown = open_question_titles(text_of(client.get(url)))
    assert set(shown) == {"Draad: open question", "Draad: official question"}


def test_open_questions_box_shows_at_most_five_newest_first(client, make):
    author = make.user("vrager")
    for number in range(7):
        make.thread(author, kind="question", theme="smart071", projects=("smart071",),
                    title=f"Open vraag {number}")
    make.thread(author, kind="discussion", theme="smart071", title="Geen vraag")
    make.thread(author, kind="question", theme="retail", title="Vraag in een ander thema")
    for url in ("/themes/smart071", "/projects/smart071"):
        page = text_of(client.get(url))
        assert open_question_titles(page) == [f"Open vraag {n}" for n in (6, 5, 4, 3, 2)]
        assert "answered=false" in page.split('id="open-questions-heading"', 1)[1]


def test_theme_without_open_questions_says_so(client, make):
    make.thread(make.user("auteur"), kind="discussion", theme="retail")
    page = text_of(client.get("/themes/retail"))
    assert open_question_titles(page) == []
    assert "No open questions here right now." in page
