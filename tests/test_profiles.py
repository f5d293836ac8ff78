"""Profiles: who someone is, what they started, replied and answered; editing one's own."""

from __future__ import annotations

import html
import re

import pytest

from forum071.extensions import db
from forum071.models import Thread, User


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def accept(app, thread_id: int, post_id: int) -> None:
    """Mark an accepted answer directly (the accept action is tested with questions)."""
    with app.app_context():
        db.session.get(Thread, thread_id).accepted_post_id = post_id
        db.session.commit()


# Showing a profile ------------------------------------------------------------------------------


def test_profile_shows_role_organisation_and_bio_escaped_with_line_breaks(client, make):
    make.user("femke", organisation="Bouwbedrijf <De Steen>",
              bio="Ik bouw circulair.\n<script>alert(1)</script>\nBel me!")
    page = text_of(client.get("/users/femke"))
    assert "Entrepreneur" in page
    assert "Bouwbedrijf &lt;De Steen&gt;" in page
    assert '<p class="profile__bio">Ik bouw circulair.\n&lt;script&gt;alert(1)&lt;/script&gt;\n' \
           "Bel me!</p>" in page
    assert "<script>alert(1)" not in page


@pytest.mark.parametrize("verified, shown, hidden", [
    (True, "Verified official", "(unverified)"),
    (False, "(unverified)", "Verified official"),
])
def test_profile_says_whether_an_official_is_verified(client, make, verified, shown, hidden):
    make.user("bas", role="official", official_verified=verified)
    page = text_of(client.get("/users/bas"))
    assert "Official" in page
    assert shown in page
    assert hidden not in page


def test_profile_lists_replies_latest_first_with_links_to_their_threads(client, make):
    asker = make.user("vrager")
    student = make.user("lotte", role="student")
    first = make.thread(asker, kind="question", title="Wie kent een subsidie?")
    second = make.thread(asker, title="Een tweede onderwerp")
    make.reply(student, first, "Probeer de MIT-regeling.")
    make.reply(student, second, "Mooi plan.")
    page = text_of(client.get("/users/lotte"))
    replies = page[page.index('id="replies-heading"'):page.index('id="accepted-heading"')]
    assert replies.index("Een tweede onderwerp") < replies.index("Wie kent een subsidie?")
    assert re.search(rf'href="/threads/{first}-wie-kent-een-subsidie#post-2">', replies)
    assert "Probeer de MIT-regeling." in replies
    assert "lotte has not started a thread yet." in page


def test_profile_shows_only_the_latest_20_replies(client, make):
    author = make.user("auteur")
    thread_id = make.thread(author, title="Een drukke draad")
    replier = make.user("prater")
    for number in range(21):
        make.reply(replier, thread_id, f"Reactie nummer {number:02d}.")
    page = text_of(client.get("/users/prater"))
    assert "The latest 20 replies." in page
    assert "Reactie nummer 20." in page and "Reactie nummer 01." in page
    assert "Reactie nummer 00." not in page


def test_profile_lists_accepted_answers(app, client, make):
    asker = make.user("vrager")
    student = make.user("lotte", role="student")
    answered = make.thread(asker, kind="question", title="Wie kent een subsidie?")
    other = make.thread(asker, kind="question", title="Nog een open vraag")
    answer = make.reply(student, answered, "Probeer de MIT-regeling.")
    make.reply(student, other, "Geen idee, sorry.")
    accept(app, answered, answer)
    page = text_of(client.get("/users/lotte"))
    accepted = page[page.index('id="accepted-heading"'):]
    assert "Wie kent een subsidie?" in accepted
    assert "Probeer de MIT-regeling." in accepted
    assert "Nog een open vraag" not in accepted
    assert "Accepted answer" in page[page.index('id="replies-heading"'):]


def test_profile_without_accepted_answers_says_so(client, make):
    make.user("nieuw")
    assert "has been accepted as an answer yet" in text_of(client.get("/users/nieuw"))


def test_unknown_profile_is_404(client):
    assert client.get("/users/niemand").status_code == 404


# Editing one's own profile ----------------------------------------------------------------------


def test_own_profile_has_an_edit_link_and_others_do_not(client, make, auth):
    make.user("femke")
    make.user("bas")
    assert "Edit profile" not in text_of(client.get("/users/femke"))
    auth.login("femke")
    assert 'href="/users/femke/edit"' in text_of(client.get("/users/femke"))
    assert "Edit profile" not in text_of(client.get("/users/bas"))


def test_member_edits_own_organisation_and_bio(client, make, auth):
    user_id = make.user("femke", organisation="Oud bedrijf")
    auth.login("femke")
    page = text_of(client.get("/users/femke/edit"))
    assert 'value="Oud bedrijf"' in page
    response = client.post("/users/femke/edit", data={
        "organisation": "  Nieuw   bedrijf ", "bio": "Regel één\r\nRegel twee\r\n"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/users/femke"
    user = db_user(make, user_id)
    assert (user.organisation, user.bio) == ("Nieuw bedrijf", "Regel één\nRegel twee")
    assert "Regel één\nRegel twee" in text_of(client.get("/users/femke"))


def db_user(make, user_id: int) -> User:
    return make.get(User, user_id)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_editing_someone_elses_profile_is_forbidden(client, make, auth, method):
    other = make.user("bas", bio="Mijn eigen tekst")
    make.user("femke")
    auth.login("femke")
    if method == "GET":
        response = client.get("/users/bas/edit")
    else:
        response = client.post("/users/bas/edit", data={"organisation": "X", "bio": "Gehackt"})
    assert response.status_code == 403
    assert db_user(make, other).bio == "Mijn eigen tekst"


def test_anonymous_profile_edit_is_sent_to_login(client, make):
    make.user("femke")
    response = client.get("/users/femke/edit")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_editing_an_unknown_profile_is_404(client, make, auth):
    make.user("femke")
    auth.login("femke")
    assert client.get("/users/niemand/edit").status_code == 404


@pytest.mark.parametrize("field, value, message", [
    ("organisation", "o" * 121, "Keep the organisation under 120 characters (now 121)."),
    ("bio", "b" * 1_001, "Keep it under 1000 characters (now 1001)."),
])
def test_too_long_profile_fields_are_refused_and_kept(client, make, auth, field, value,
                                                      message):
    user_id = make.user("femke", organisation="Oud", bio="Oude bio")
    auth.login("femke")
    data = {"organisation": "Mijn bedrijf", "bio": "Mijn verhaal"}
    data[field] = value
    response = client.post("/users/femke/edit", data=data)
    assert response.status_code == 422
    page = text_of(response)
    assert html.escape(message) in page
    for kept in data.values():
        assert kept in page
    user = db_user(make, user_id)
    assert (user.organisation, user.bio) == ("Oud", "Oude bio")


def test_bio_of_1000_characters_with_windows_line_breaks_is_accepted(client, make, auth):
    user_id = make.user("femke")
    auth.login("femke")
    bio = "\r\n".join(["x" * 99] * 10)  # 1,009 characters as sent, 999 as stored
    response = client.post("/users/femke/edit", data={"organisation": "", "bio": bio})
    assert response.status_code == 303
    assert len(db_user(make, user_id).bio) == 999


def test_profile_edit_without_csrf_token_is_refused_and_kept(client, make, auth):
    user_id = make.user("femke", bio="Oude bio")
    auth.login("femke")
    response = client.post("/users/femke/edit", data={"organisation": "", "bio": "Nieuwe bio"},
                           csrf=False)
    assert response.status_code == 400
    assert "Nieuwe bio" in text_of(response)
    assert db_user(make, user_id).bio == "Oude bio"
