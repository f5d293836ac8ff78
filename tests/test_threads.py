"""Starting threads, replying, editing and reading them, all through HTTP."""

from __future__ import annotations

import html
import re
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from forum071.extensions import db
from forum071.models import Post, Thread

SUBMISSION_FIELD = re.compile(r'name="submission_id" type="hidden" value="([0-9a-f]{32})"')
BASE_VERSION_FIELD = re.compile(r'name="base_version" type="hidden" value="(\d+)"')
THEME = "circulaire-economie"
PROJECTS = ("masterclass-circulaire-economie", "bedrijventerreinen-leidse-regio")


def text_of(response) -> str:
    return response.get_data(as_text=True)


def submission_id(page: str) -> str:
    match = SUBMISSION_FIELD.search(page)
    assert match, "no submission_id field on the page"
    return match.group(1)


def thread_form(client, **fields) -> dict:
    """The new-thread form as a browser would send it, with the one-time id from the page."""
    page = text_of(client.get("/threads/new"))
    data = {
        "kind": "discussion",
        "theme": THEME,
        "projects": list(PROJECTS),
        "title": "Samen afval scheiden op het bedrijventerrein",
        "body": "Wie doet er mee aan een **gezamenlijke** inzameling?",
        "submission_id": submission_id(page),
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def thread_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Thread))


def post_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Post))


def thread_id_from(location: str) -> int:
    match = re.search(r"/threads/(\d+)", location)
    assert match, location
    return int(match.group(1))


@pytest.fixture(autouse=True)
def english(client):
    """Read the interface in English, so these tests do not depend on the Dutch catalogue."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def member(make, auth):
    """A logged-in entrepreneur; returns the user id."""
    user_id = make.user("ondernemer", organisation="Fietsenmakerij De Spaak")
    assert auth.login("ondernemer").status_code == 302
    return user_id


# Starting a thread ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind, label", [("discussion", "Discussion"), ("pitch", "Pitch"),
                                         ("question", "Question")])
def test_each_kind_started_with_projects_appears_on_theme_project_front_and_profile_pages(
    client, member, kind, label
):
    title = f"Een {kind} over circulaire bedrijventerreinen"
    response = client.post("/threads/new", data=thread_form(client, kind=kind, title=title))
    assert response.status_code == 303
    thread_page = client.get(response.headers["Location"])
    assert thread_page.status_code == 200
    assert title in text_of(thread_page)
    assert label in text_of(thread_page)
    assert "gezamenlijke</strong>" in text_of(thread_page)
    for url in ("/", f"/themes/{THEME}", *(f"/projects/{slug}" for slug in PROJECTS),
                "/users/ondernemer"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert title in text_of(page), url


def test_thread_without_projects_appears_on_theme_front_and_profile_but_no_project_page(
    client, member
):
    title = "Een vraag zonder project"
    response = client.post(
        "/threads/new", data=thread_form(client, kind="question", title=title, projects=[])
    )
    assert response.status_code == 303
    for url in ("/", f"/themes/{THEME}", "/users/ondernemer"):
        assert title in text_of(client.get(url)), url
    for slug in PROJECTS:
        assert title not in text_of(client.get(f"/projects/{slug}"))


def test_anonymous_visitor_asking_for_the_new_thread_form_is_sent_to_login_with_next(client):
    response = client.get("/threads/new")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/auth/login"
    assert parse_qs(location.query)["next"] == ["/threads/new"]


def test_anonymous_post_to_new_thread_creates_nothing(app, client):
    response = client.post("/threads/new", data={"theme": THEME, "title": "Anoniem bericht",
                                                 "body": "Tekst", "kind": "discussion"})
    # The login page, carrying what was typed so that nothing is lost.
    assert response.status_code == 401
    assert 'name="draft" value="' in text_of(response)
    assert "Anoniem bericht" in text_of(response)  # shown as what was written
    assert thread_count(app) == 0


# Validation: 422, a clear message, and everything typed kept ----------------------------------


def assert_rerendered_with(response, message: str, *kept: str) -> None:
    page = text_of(response)
    assert response.status_code == 422
    assert "Not sent yet: please correct the fields marked below." in page
    assert html.escape(message) in page, page
    for value in kept:
        assert html.escape(value) in page, value


def test_missing_theme_is_refused_with_a_message_keeping_the_input(app, client, member):
    data = thread_form(client, theme=None, title="Titel zonder thema", body="Tekst zonder thema")
    response = client.post("/threads/new", data=data)
    assert_rerendered_with(response, "Choose a theme.", "Titel zonder thema",
                           "Tekst zonder thema")
    assert 'value="masterclass-circulaire-economie" checked' in text_of(response)
    assert thread_count(app) == 0


def test_unknown_theme_slug_is_refused_with_a_message(app, client, member):
    data = thread_form(client, theme="bestaat-niet", title="Titel bij een onbekend thema",
                       body="Tekst bij een onbekend thema")
    response = client.post("/threads/new", data=data)
    assert_rerendered_with(response, "Choose one of the themes in the list.",
                           "Titel bij een onbekend thema", "Tekst bij een onbekend thema")
    assert thread_count(app) == 0


def test_unknown_project_slug_is_refused_with_a_message(app, client, member):
    data = thread_form(client, projects=["smart071", "bestaat-niet"],
                       title="Titel bij een onbekend project", body="Tekst bij een project")
    response = client.post("/threads/new", data=data)
    assert_rerendered_with(response, "There is no project “bestaat-niet”.",
                           "Titel bij een onbekend project", "Tekst bij een project")
    assert 'value="smart071" checked' in text_of(response)
    assert f'selected value="{THEME}"' in text_of(response)
    assert thread_count(app) == 0


@pytest.mark.parametrize("title", ["", "   "])
def test_empty_title_is_refused_with_a_message(app, client, member, title):
    data = thread_form(client, kind="pitch", title=title, body="Mijn pitch zonder titel")
    response = client.post("/threads/new", data=data)
    assert response.status_code == 422
    assert_rerendered_with(response, "Give the thread a title.", "Mijn pitch zonder titel")
    assert 'value="pitch" checked' in text_of(response)
    assert thread_count(app) == 0


def test_title_of_201_characters_is_refused_and_kept(app, client, member):
    title = "Circulair " * 20 + "x"
    assert len(title) == 201
    response = client.post("/threads/new", data=thread_form(client, title=title,
                                                            body="Een korte tekst"))
    assert_rerendered_with(response, "Keep the title under 200 characters (now 201).",
                           title, "Een korte tekst")
    assert thread_count(app) == 0


def test_title_of_200_characters_is_accepted(client, member):
    title = "Circulair " * 19 + "abcdefghi" + "x"
    assert len(title) == 200
    response = client.post("/threads/new", data=thread_form(client, title=title))
    assert response.status_code == 303


def test_body_of_32001_characters_is_refused_and_kept(app, client, member):
    body = "a" * 32_001
    response = client.post("/threads/new", data=thread_form(client, title="Een lange tekst",
                                                            body=body))
    assert_rerendered_with(response, "Keep it under 32000 characters (now 32001).",
                           "Een lange tekst", body)
    assert thread_count(app) == 0


def test_empty_body_is_refused_and_title_kept(app, client, member):
    response = client.post("/threads/new", data=thread_form(client, title="Alleen een titel",
                                                            body=""))
    assert_rerendered_with(response, "Write a message.", "Alleen een titel")
    assert thread_count(app) == 0


def test_unknown_kind_is_refused(app, client, member):
    response = client.post("/threads/new", data=thread_form(client, kind="poll",
                                                            title="Een peiling"))
    assert_rerendered_with(response, "Choose what kind of thread this is.", "Een peiling")
    assert thread_count(app) == 0


# Double submissions -----------------------------------------------------------------------------


def test_sending_the_same_new_thread_form_twice_makes_one_thread(app, client, member):
    data = thread_form(client)
    first = client.post("/threads/new", data=data)
    second = client.post("/threads/new", data=data)
    assert first.status_code == 303
    assert second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert thread_count(app) == 1
    assert post_count(app) == 1
    theme_page = text_of(client.get(f"/themes/{THEME}"))
    assert theme_page.count("Samen afval scheiden op het bedrijventerrein") == 1


def test_two_new_thread_forms_make_two_threads(app, client, member):
    # Two forms with other titles: the same title, theme and text again within
    # DUPLICATE_POST_WINDOW_SECONDS is the same thread (tests/test_edits.py).
    assert client.post("/threads/new", data=thread_form(client)).status_code == 303
    assert client.post("/threads/new", data=thread_form(client, title="Samen afval ophalen")
                       ).status_code == 303
    assert thread_count(app) == 2


def test_sending_the_same_reply_form_twice_makes_one_reply(app, client, make, member):
    thread_id = make.thread(member)
    page = text_of(client.get(f"/threads/{thread_id}", follow_redirects=True))
    data = {"body": "Ik doe mee!", "submission_id": submission_id(page)}
    first = client.post(f"/threads/{thread_id}/reply", data=data)
    second = client.post(f"/threads/{thread_id}/reply", data=data)
    assert first.status_code == 303
    assert second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert post_count(app) == 2
    assert make.get(Thread, thread_id).post_count == 2


# Replies ----------------------------------------------------------------------------------------


def reply_form(client, thread_id: int, body: str) -> dict:
    page = text_of(client.get(f"/threads/{thread_id}", follow_redirects=True))
    return {"body": body, "submission_id": submission_id(page)}


def test_reply_appears_on_the_thread_and_counts(client, make, member):
    other = make.user("student1", role="student")
    thread_id = make.thread(other, title="Wie helpt met zonnepanelen?")
    response = client.post(f"/threads/{thread_id}/reply",
                           data=reply_form(client, thread_id, "Wij hebben *ervaring*."))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("#post-2")
    page = text_of(client.get(response.headers["Location"]))
    assert "Wij hebben <em>ervaring</em>." in page
    assert 'id="post-2"' in page
    assert make.get(Thread, thread_id).post_count == 2
    assert "1 reply" in text_of(client.get("/"))


def test_reply_bumps_the_thread_to_the_top_of_the_front_page(client, make, member):
    older = make.thread(member, title="Het oudere onderwerp")
    make.thread(member, title="Het nieuwere onderwerp")
    front = text_of(client.get("/"))
    assert front.index("Het nieuwere onderwerp") < front.index("Het oudere onderwerp")
    client.post(f"/threads/{older}/reply", data=reply_form(client, older, "Nog een reactie"))
    front = text_of(client.get("/"))
    assert front.index("Het oudere onderwerp") < front.index("Het nieuwere onderwerp")


def test_empty_reply_is_refused_with_the_error(client, make, member):
    thread_id = make.thread(member)
    response = client.post(f"/threads/{thread_id}/reply", data={"body": ""})
    assert response.status_code == 422
    assert "Write a message." in text_of(response)
    assert make.get(Thread, thread_id).post_count == 1


def test_reply_to_unknown_thread_is_404(client, member):
    assert client.post("/threads/999999/reply", data={"body": "Hallo"}).status_code == 404


def test_anonymous_reply_is_refused(app, client, make):
    author = make.user("auteur")
    thread_id = make.thread(author)
    response = client.post(f"/threads/{thread_id}/reply", data={"body": "Anoniem"})
    assert response.status_code == 401
    assert 'name="draft" value="' in text_of(response)
    assert "Anoniem" in text_of(response)
    assert post_count(app) == 1


# Editing ----------------------------------------------------------------------------------------


def edit_page(client, post_id: int):
    response = client.get(f"/posts/{post_id}/edit")
    assert response.status_code == 200
    match = BASE_VERSION_FIELD.search(text_of(response))
    assert match, "no base_version on the edit form"
    return response, match.group(1)


def test_author_edits_own_post_and_it_shows_edited(client, make, member):
    thread_id = make.thread(member, body="De oorspronkelijke tekst")
    post_id = make.first_post_id(thread_id)
    page, version = edit_page(client, post_id)
    assert "De oorspronkelijke tekst" in text_of(page)
    response = client.post(f"/posts/{post_id}/edit",
                           data={"body": "De **verbeterde** tekst", "base_version": version})
    assert response.status_code == 303
    shown = text_of(client.get(response.headers["Location"]))
    assert "De <strong>verbeterde</strong> tekst" in shown
    assert "De oorspronkelijke tekst" not in shown
    assert "edited" in shown
    post = make.get(Post, post_id)
    assert post.body == "De **verbeterde** tekst"
    assert post.edited_at is not None


def test_editing_an_empty_body_is_refused(client, make, member):
    post_id = make.first_post_id(make.thread(member, body="Blijft staan"))
    _, version = edit_page(client, post_id)
    response = client.post(f"/posts/{post_id}/edit", data={"body": "", "base_version": version})
    assert response.status_code == 422
    assert "Write a message." in text_of(response)
    assert make.get(Post, post_id).body == "Blijft staan"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_editing_another_members_post_is_forbidden_and_changes_nothing(
    client, make, member, method
):
    owner = make.user("eigenaar")
    post_id = make.first_post_id(make.thread(owner, body="Van de eigenaar"))
    if method == "GET":
        response = client.get(f"/posts/{post_id}/edit")
    else:
        response = client.post(f"/posts/{post_id}/edit",
                               data={"body": "Overgenomen!", "base_version": "1"})
    assert response.status_code == 403
    post = make.get(Post, post_id)
    assert post.body == "Van de eigenaar"
    assert post.edited_at is None


def test_editing_an_unknown_post_is_404(client, member):
    assert client.get("/posts/999999/edit").status_code == 404


def test_anonymous_edit_is_sent_to_login(client, make):
    post_id = make.first_post_id(make.thread(make.user("eigenaar")))
    response = client.get(f"/posts/{post_id}/edit")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_second_of_two_concurrent_edits_gets_a_conflict_with_its_text_kept(
    client, make, member
):
    post_id = make.first_post_id(make.thread(member, body="Versie nul"))
    _, version_a = edit_page(client, post_id)
    _, version_b = edit_page(client, post_id)
    assert version_a == version_b
    first = client.post(f"/posts/{post_id}/edit",
                        data={"body": "Versie A van de tekst", "base_version": version_a})
    assert first.status_code == 303
    second = client.post(f"/posts/{post_id}/edit",
                         data={"body": "Versie B van de tekst", "base_version": version_b})
    assert second.status_code == 409
    page = text_of(second)
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S)
    assert textarea and "Versie B van de tekst" in textarea.group(1)
    assert "Versie A van de tekst" in page  # the current version, to compare with
    assert make.get(Post, post_id).body == "Versie A van de tekst"
    # The conflict form carries the new version, so saving again is accepted.
    new_version = BASE_VERSION_FIELD.search(page).group(1)
    assert new_version != version_b
    again = client.post(f"/posts/{post_id}/edit",
                        data={"body": "Versie B van de tekst", "base_version": new_version})
    assert again.status_code == 303
    assert make.get(Post, post_id).body == "Versie B van de tekst"


# Canonical addresses ----------------------------------------------------------------------------


def test_bare_thread_id_redirects_permanently_to_the_slugged_address(client, make):
    thread_id = make.thread(make.user("auteur"), title="Circulaire ideeën voor 2050!")
    response = client.get(f"/threads/{thread_id}?page=1&x=y")
    assert response.status_code == 301
    location = urlsplit(response.headers["Location"])
    assert location.path == f"/threads/{thread_id}-circulaire-ideeen-voor-2050"
    assert parse_qs(location.query) == {"page": ["1"], "x": ["y"]}
    assert client.get(response.headers["Location"]).status_code == 200


def test_wrong_slug_redirects_permanently_to_the_canonical_address(client, make):
    thread_id = make.thread(make.user("auteur"), title="2050 circulair")
    response = client.get(f"/threads/{thread_id}-oude-titel")
    assert response.status_code == 301
    assert urlsplit(response.headers["Location"]).path == f"/threads/{thread_id}-2050-circulair"
    assert client.get(f"/threads/{thread_id}-2050-circulair").status_code == 200


@pytest.mark.parametrize("query", ["slug=x", "thread_id=3", "_external=1&_scheme=javascript",
                                   "_anchor=%0Aalert(1)", "_method=POST", "a=1&a=2"])
def test_canonical_redirect_keeps_any_query_string_literally(client, make, query):
    thread_id = make.thread(make.user("auteur"), title="Een gewone titel")
    response = client.get(f"/threads/{thread_id}?{query}")
    assert response.status_code == 301
    location = urlsplit(response.headers["Location"])
    assert (location.scheme, location.netloc, location.fragment) == ("", "", "")
    assert location.path == f"/threads/{thread_id}-een-gewone-titel"
    assert parse_qs(location.query) == parse_qs(query)


def test_too_short_title_is_refused_with_a_message(app, client, member):
    response = client.post("/threads/new", data=thread_form(client, title="Hoi"))
    assert_rerendered_with(response, "Use at least 5 characters.", "Hoi")
    assert thread_count(app) == 0


@pytest.mark.parametrize("title", ["🚲🌱♻️🚲🌱", "自転車の未来について", "Ελληνικά νέα"])
def test_title_without_latin_letters_still_has_a_working_address(client, make, title):
    thread_id = make.thread(make.user("auteur"), title=title)
    response = client.get(f"/threads/{thread_id}")
    assert response.status_code == 200
    assert title in text_of(response)
    wrong = client.get(f"/threads/{thread_id}-iets")
    assert wrong.status_code == 301
    assert urlsplit(wrong.headers["Location"]).path == f"/threads/{thread_id}"


def test_unknown_thread_is_404_in_the_site_layout(client):
    response = client.get("/threads/999999")
    assert response.status_code == 404
    assert 'class="site-header"' in text_of(response)


# Thread pagination ------------------------------------------------------------------------------


def canonical(client, thread_id: int) -> str:
    return client.get(f"/threads/{thread_id}").headers["Location"]


def test_thread_of_45_posts_has_three_pages_of_20(client, make):
    author = make.user("auteur")
    thread_id = make.thread(author, title="Een drukke discussie", replies=44)
    url = canonical(client, thread_id)
    first = text_of(client.get(url))
    assert 'id="post-1"' in first and 'id="post-20"' in first and 'id="post-21"' not in first
    second = text_of(client.get(f"{url}?page=2"))
    assert 'id="post-21"' in second and 'id="post-40"' in second and 'id="post-20"' not in second
    third = text_of(client.get(f"{url}?page=3"))
    assert 'id="post-41"' in third and 'id="post-45"' in third
    assert f'href="{url}?page=3"' in first
    assert client.get(f"{url}?page=4").status_code == 404


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5", "²", "\u0661", "99999999999", ""])
def test_thread_page_that_is_not_a_page_number_is_404(client, make, page):
    url = canonical(client, make.thread(make.user("auteur"), title="Een kort onderwerp"))
    expected = 200 if page == "" else 404
    assert client.get(f"{url}?page={page}").status_code == expected


def test_after_a_reply_the_redirect_goes_to_the_last_page_and_the_new_post(
    client, make, member
):
    thread_id = make.thread(member, title="Een lange draad", replies=44)
    response = client.post(f"/threads/{thread_id}/reply",
                           data=reply_form(client, thread_id, "Nummer zesenveertig"))
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.endswith(f"/threads/{thread_id}-een-lange-draad?page=3#post-46")
    page = text_of(client.get(location))
    assert 'id="post-46"' in page and "Nummer zesenveertig" in page


def test_refused_reply_on_a_long_thread_links_pages_to_the_thread(client, make, member):
    thread_id = make.thread(member, title="Een lange draad", replies=44)
    response = client.post(f"/threads/{thread_id}/reply", data={"body": ""})
    assert response.status_code == 422
    page = text_of(response)
    assert f'href="/threads/{thread_id}-een-lange-draad?page=2"' in page
    assert "/reply?page=" not in page


# Rendering --------------------------------------------------------------------------------------


def test_script_in_a_post_is_shown_escaped(client, make):
    thread_id = make.thread(make.user("auteur"), body="Kijk: <script>alert(1)</script> klaar")
    page = text_of(client.get(canonical(client, thread_id)))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_javascript_link_in_a_post_loses_its_href(client, make):
    thread_id = make.thread(make.user("auteur"),
                            body="[x](javascript:alert(1)) en [goed](https://example.org)")
    page = text_of(client.get(canonical(client, thread_id)))
    assert "javascript:" not in page
    assert 'href="https://example.org"' in page
    assert "<p>x en" in page


def test_script_in_a_title_is_shown_escaped(client, make, member):
    title = "<script>alert('titel')</script>"
    response = client.post("/threads/new", data=thread_form(client, title=title))
    assert response.status_code == 303
    for url in (response.headers["Location"], "/", f"/themes/{THEME}"):
        page = text_of(client.get(url))
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(" in page


def test_dutch_diacritics_and_emoji_survive_in_title_and_body(client, member):
    title = "Ideeën voor een café in Zoeterwoude-Rijndijk ☕🚲"
    body = "Wij zoeken één partner: crème brûlée, naïef, coördinatie 👩‍🔧🇳🇱"
    response = client.post("/threads/new", data=thread_form(client, title=title, body=body))
    assert response.status_code == 303
    page = text_of(client.get(response.headers["Location"]))
    assert title in page
    assert body in page
    assert title in text_of(client.get("/"))


def test_two_copies_of_one_reply_sent_at_once_make_one_reply(app, client, make, member):
    thread_id = make.thread(member)
    data = reply_form(client, thread_id, "Tegelijk verstuurd")
    data["csrf_token"] = client.csrf_token()
    with client.session_transaction() as session:
        copied = dict(session)
    twin = app.test_client()
    twin.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    with twin.session_transaction() as session:
        session.update(copied)
    barrier = threading.Barrier(2)
    answers: list = []

    def send(sender) -> None:
        barrier.wait()
        answers.append(sender.post(f"/threads/{thread_id}/reply", data=data, csrf=False))

    workers = [threading.Thread(target=send, args=(sender,)) for sender in (client, twin)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert sorted(answer.status_code for answer in answers) == [303, 303]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assert post_count(app) == 2
    assert make.get(Thread, thread_id).post_count == 2
