"""@mentions: a link to the member's profile and a notification, in new posts and edits."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum071 import rendering
from forum071.extensions import db
from forum071.models import Notification, Post, User
from forum071.rendering import (
    MAX_BODY_LENGTH,
    MAX_HTML_LENGTH,
    MAX_MENTION_LINKS,
    MAX_MENTIONS,
    render_markdown,
)
from tests.factories import PASSWORD
from tests.test_threads import edit_page, reply_form, thread_form

PROFILE_LINK = '<a href="/users/{0}" rel="nofollow ugc noopener">@{1}</a>'


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def people(make):
    return {name: make.user(name) for name in ("femke", "lotte_h", "bas", "anouk")}


@pytest.fixture
def thread_id(make, people) -> int:
    return make.thread(people["femke"], title="Wie kent een wethouder?")


@pytest.fixture
def bas(app, people):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post("/auth/login", data={"login": "bas", "password": PASSWORD})
    assert response.status_code == 302
    return client


def notified(app, username: str) -> list[tuple[str, str]]:
    """(kind, actor) of a user's notifications, oldest first."""
    with app.app_context():
        rows = db.session.scalars(
            select(Notification)
            .join(User, User.id == Notification.user_id)
            .where(User.username == username)
            .order_by(Notification.id)
        ).all()
        return [(row.kind, row.actor.username) for row in rows]


def stored_html(app, post_id: int) -> str:
    with app.app_context():
        return db.session.get(Post, post_id).body_html


def reply(client, thread_id: int, body: str):
    response = client.post(f"/threads/{thread_id}/reply", data=reply_form(client, thread_id, body))
    assert response.status_code == 303
    return response


def last_post_id(app, thread_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(Post.id).where(Post.thread_id == thread_id).order_by(Post.number.desc())
        )


# In a reply ----------------------------------------------------------------------------------


def test_a_mention_links_to_the_profile_and_notifies_the_member(app, bas, people, thread_id):
    response = reply(bas, thread_id, "Vraag het @anouk, zij weet het.")
    html = stored_html(app, last_post_id(app, thread_id))
    assert PROFILE_LINK.format("anouk", "anouk") in html
    assert notified(app, "anouk") == [("mention", "bas")]
    page = text_of(bas.get(response.headers["Location"]))
    assert PROFILE_LINK.format("anouk", "anouk") in page
    assert bas.get("/users/anouk").status_code == 200


def test_the_mentioned_member_sees_it_on_the_notifications_page(app, bas, people, thread_id):
    reply(bas, thread_id, "Dag @anouk!")
    anouk = app.test_client()
    anouk.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    anouk.post("/auth/login", data={"login": "anouk", "password": PASSWORD})
    page = text_of(anouk.get("/notifications"))
    assert "bas mentioned you in Wie kent een wethouder?" in page


def test_mentions_match_usernames_in_any_case_and_with_underscores(app, bas, people, thread_id):
    reply(bas, thread_id, "Zie @Lotte_H en @ANOUK.")
    html = stored_html(app, last_post_id(app, thread_id))
    assert PROFILE_LINK.format("lotte_h", "Lotte_H") in html
    assert PROFILE_LINK.format("anouk", "ANOUK") in html
    assert notified(app, "lotte_h") == [("mention", "bas")]
    assert notified(app, "anouk") == [("mention", "bas")]


def test_an_unknown_name_stays_plain_text(app, bas, people, thread_id):
    reply(bas, thread_id, "Vraag het @niemand_hier eens.")
    html = stored_html(app, last_post_id(app, thread_id))
    assert "<p>Vraag het @niemand_hier eens.</p>" in html
    assert "/users/" not in html


@pytest.mark.parametrize(
    "body",
    [
        "`@anouk` in code",
        "```\n@anouk in een codeblok\n```",
        "    @anouk ingesprongen code",
        "[@anouk](https://example.org) als linktekst",
        "mail anouk@example.org",
        "schrijf naar bas.anouk@example.org",
        "zie https://example.org/@anouk",
        "ontsnapt: \\@anouk",
        "te lang: @anoukanoukanoukanoukanoukanoukanouk",
        "domein: @anouk.nl",
    ],
    ids=["code span", "fenced code", "indented code", "link text", "email", "dotted email",
         "url path", "escaped", "too long", "dotted name"],
)
def test_no_mention_inside_code_links_or_addresses(app, bas, people, thread_id, body):
    reply(bas, thread_id, body)
    html = stored_html(app, last_post_id(app, thread_id))
    assert 'href="/users/' not in html
    assert notified(app, "anouk") == []


def test_mentioning_yourself_links_but_does_not_notify(app, bas, people, thread_id):
    reply(bas, thread_id, "Ik, @bas, doe mee.")
    assert PROFILE_LINK.format("bas", "bas") in stored_html(app, last_post_id(app, thread_id))
    assert notified(app, "bas") == []


def test_a_name_mentioned_twice_notifies_once(app, bas, people, thread_id):
    reply(bas, thread_id, "@anouk? Hallo @anouk! **@Anouk**")
    assert notified(app, "anouk") == [("mention", "bas")]


def test_a_mentioned_follower_gets_the_mention_instead_of_the_reply(
    app, make, bas, people, thread_id
):
    make.reply(people["lotte_h"], thread_id, "Ik volg dit.")
    reply(bas, thread_id, "@femke, @lotte_h: kijk hier.")
    # One notification per post and person: the more specific one.
    assert notified(app, "femke") == [("reply", "lotte_h"), ("mention", "bas")]
    assert notified(app, "lotte_h") == [("mention", "bas")]


def test_a_mention_reaches_someone_who_stopped_following(app, make, bas, people, thread_id):
    femke = app.test_client()
    femke.post("/auth/login", data={"login": "femke", "password": PASSWORD})
    femke.post(f"/threads/{thread_id}/unfollow")
    reply(bas, thread_id, "Geen melding van de reactie, wel van @femke.")
    assert notified(app, "femke") == [("mention", "bas")]


# In a new thread -----------------------------------------------------------------------------


def test_a_mention_in_a_new_thread_notifies_once_even_a_theme_follower(app, bas, people):
    anouk = app.test_client()
    anouk.post("/auth/login", data={"login": "anouk", "password": PASSWORD})
    anouk.post("/themes/circulaire-economie/follow")
    femke = app.test_client()
    femke.post("/auth/login", data={"login": "femke", "password": PASSWORD})
    femke.post("/themes/circulaire-economie/follow")
    response = bas.post(
        "/threads/new",
        data=thread_form(bas, body="Wat denk jij, @anouk?", title="Een vraag aan Anouk"),
    )
    assert response.status_code == 303
    assert notified(app, "anouk") == [("mention", "bas")]
    assert notified(app, "femke") == [("new_thread", "bas")]
    page = text_of(bas.get(response.headers["Location"]))
    assert PROFILE_LINK.format("anouk", "anouk") in page


# In an edit ----------------------------------------------------------------------------------


def test_an_edit_links_mentions_and_notifies_only_newly_mentioned(app, bas, people, thread_id):
    reply(bas, thread_id, "Eerst @anouk.")
    post_id = last_post_id(app, thread_id)
    _page, version = edit_page(bas, post_id)
    response = bas.post(
        f"/posts/{post_id}/edit",
        data={"body": "Eerst @anouk, nu ook @lotte_h.", "base_version": version},
    )
    assert response.status_code == 303
    html = stored_html(app, post_id)
    assert PROFILE_LINK.format("anouk", "anouk") in html
    assert PROFILE_LINK.format("lotte_h", "lotte_h") in html
    assert notified(app, "anouk") == [("mention", "bas")]
    assert notified(app, "lotte_h") == [("mention", "bas")]
    # Removing a mention and adding it back does not notify again.
    for body in ("Alleen nog @lotte_h.", "Weer @anouk en @lotte_h."):
        _page, version = edit_page(bas, post_id)
        bas.post(f"/posts/{post_id}/edit", data={"body": body, "base_version": version})
    assert notified(app, "anouk") == [("mention", "bas")]
    assert notified(app, "lotte_h") == [("mention", "bas")]


# The renderer's contract ---------------------------------------------------------------------


def test_renderer_asks_once_with_all_lowercase_candidates():
    calls: list[set[str]] = []

    def mentionable(names: set[str]) -> set[str]:
        calls.append(set(names))
        return {"ann"}

    html = render_markdown("@Ann, @bob en `@carl`\n\n# @Dirk_2", mentionable=mentionable)
    assert calls == [{"ann", "bob", "dirk_2"}]
    assert '<a href="/users/ann" rel="nofollow ugc noopener">@Ann</a>' in html
    assert "@bob" in html and "/users/bob" not in html


def test_renderer_does_not_ask_without_candidates():
    def mentionable(names: set[str]) -> set[str]:
        raise AssertionError("no lookup expected")

    assert render_markdown("geen namen, wel ann@example.org", mentionable=mentionable)


def test_renderer_links_only_names_it_asked_about():
    html = render_markdown("@ann", mentionable=lambda names: {"ann", "eve"})
    assert "/users/eve" not in html


def test_renderer_without_lookup_leaves_mentions_as_text():
    assert str(render_markdown("Hoi @ann")) == "<p>Hoi @ann</p>\n"


def test_renderer_looks_up_a_bounded_number_of_names():
    asked: list[int] = []
    source = " ".join(f"@naam{n:03d}" for n in range(MAX_MENTIONS + 20))
    render_markdown(source, mentionable=lambda names: asked.append(len(names)) or set())
    assert asked == [MAX_MENTIONS]


def test_mention_inside_tables_headings_and_emphasis():
    html = render_markdown(
        "# Voor @ann\n\n| wie |\n|---|\n| @ann |\n\n*@ann*", mentionable=lambda n: {"ann"}
    )
    assert html.count('href="/users/ann"') == 3


def test_renderer_links_a_bounded_number_of_mentions():
    html = render_markdown("@ann " * (MAX_MENTION_LINKS + 50), mentionable=lambda n: {"ann"})
    assert html.count('href="/users/ann"') == MAX_MENTION_LINKS


def test_text_that_fits_without_links_still_renders_with_mentions_as_text():
    """Forms validate without the links; a text near the HTML limit must still be saved."""
    tail = " @ann" * 50

    def html_size(quotes: int) -> int:  # markdown-it's output, which the limit applies to
        return len(rendering._pipeline.md.render(">\n\n" * quotes + tail))

    per_quote = html_size(1) - html_size(0)
    quotes = (MAX_HTML_LENGTH - 200 - html_size(0)) // per_quote
    source = ">\n\n" * quotes + tail
    assert len(source) <= MAX_BODY_LENGTH
    # Fits as it is; fifty profile links (some 30 characters each) would not.
    assert html_size(quotes) <= MAX_HTML_LENGTH < html_size(quotes) + 50 * 30
    html = render_markdown(source, mentionable=lambda names: {"ann"})
    assert 'href="/users/' not in html
    assert html.count("@ann") == 50


def test_a_reply_full_of_mentions_is_posted(app, bas, people, thread_id):
    reply(bas, thread_id, "@anouk " * 4000)
    assert stored_html(app, last_post_id(app, thread_id)).count('href="/users/anouk"') == 100
    assert notified(app, "anouk") == [("mention", "bas")]


def test_an_edit_with_a_mention_that_loses_a_race_is_a_conflict(app, make, people, thread_id):
    """The mention lookup must not flush the edit early: the version check stays in charge."""
    from sqlalchemy import update

    from forum071.threads import services

    post_id = make.first_post_id(thread_id)
    with app.app_context():
        post = db.session.get(Post, post_id)
        editor = db.session.get(User, people["femke"])
        # Another request saves an edit after this one loaded the post.
        with db.engine.begin() as other:
            other.execute(
                update(Post).where(Post.id == post_id).values(version=Post.version + 1)
            )
        with pytest.raises(services.EditConflict):
            services.edit_post(editor, post, "Nu met @anouk erbij.")
        db.session.rollback()
    assert notified(app, "anouk") == []
