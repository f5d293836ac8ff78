"""Moderator actions on threads: lock, pin, move, merge and split, through HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum071.extensions import db
from forum071.models import ModerationAction, Post, Project, Theme, Thread

THEME = "circulaire-economie"
OTHER_THEME = "duurzame-mobiliteit"
PROJECT = "masterclass-circulaire-economie"


@pytest.fixture(autouse=True)
def english(client):
    """Read the pages in English, the language the messages are written in."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def posts_of(app, thread_id: int) -> list[tuple[int, str]]:
    """(number, body) of a thread's numbered posts, in number order."""
    with app.app_context():
        return list(
            db.session.execute(
                select(Post.number, Post.body)
                .where(Post.thread_id == thread_id, Post.number.is_not(None))
                .order_by(Post.number)
            )
        )


def actions(app, action: str) -> list[ModerationAction]:
    with app.app_context():
        rows = db.session.scalars(
            select(ModerationAction).where(ModerationAction.action == action)
        ).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def thread_page(client, thread_id: int) -> str:
    return text_of(client.get(f"/threads/{thread_id}", follow_redirects=True))


def theme_count(app, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Theme.thread_count).where(Theme.slug == slug))


def project_count(app, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Project.thread_count).where(Project.slug == slug))


@pytest.fixture
def staff(make, auth):
    """A member's thread with a reply, and a logged-in moderator."""
    author = make.user("auteur")
    thread_id = make.thread(author, replies=1)
    make.user("moderator", role="moderator")
    auth.login("moderator")
    return thread_id


ACTIONS = [
    ("lock", {"reason": "x"}),
    ("unlock", {}),
    ("pin", {"scope": "theme"}),
    ("unpin", {"scope": "global"}),
    ("move", {"theme": OTHER_THEME}),
    ("merge", {"into": "1"}),
    ("split", {"post_ids": ["1"], "title": "Een nieuwe draad"}),
]


@pytest.mark.parametrize(("action", "data"), ACTIONS)
def test_thread_actions_are_refused_to_members(make, auth, client, action, data):
    thread_id = make.thread(make.user("auteur"), replies=1)
    make.user("lid")
    auth.login("lid")

    assert client.post(f"/moderation/threads/{thread_id}/{action}", data=data).status_code == 403


@pytest.mark.parametrize("action", ["move", "merge", "split"])
def test_thread_action_forms_are_refused_to_members(make, auth, client, action):
    thread_id = make.thread(make.user("auteur"), replies=1)
    make.user("lid")
    auth.login("lid")

    assert client.get(f"/moderation/threads/{thread_id}/{action}").status_code == 403


@pytest.mark.parametrize("action", ["move", "merge", "split"])
def test_thread_action_forms_show_for_moderators(staff, client, action):
    response = client.get(f"/moderation/threads/{staff}/{action}")

    assert response.status_code == 200
    assert 'name="csrf_token"' in text_of(response)


def test_thread_page_shows_moderation_buttons_to_moderators_only(make, auth, client, staff):
    assert f"/moderation/threads/{staff}/lock" in thread_page(client, staff)
    auth.logout()
    make.user("lid")
    auth.login("lid")
    assert f"/moderation/threads/{staff}/lock" not in thread_page(client, staff)


def test_lock_refuses_member_replies_but_not_moderator_replies(app, make, auth, client, staff):
    response = client.post(f"/moderation/threads/{staff}/lock", data={"reason": "Te fel"})
    assert response.status_code == 303

    assert "Locked by a moderator" in thread_page(client, staff)
    reply = client.post(f"/threads/{staff}/reply", data={"body": "Uitleg van de moderator."})
    assert reply.status_code == 303
    auth.logout()
    make.user("lid")
    auth.login("lid")
    page = thread_page(client, staff)
    assert "Locked by a moderator" in page
    assert f'action="/threads/{staff}/reply"' not in page
    assert client.post(f"/threads/{staff}/reply", data={"body": "Ik wil ook!"}).status_code == 403
    [entry] = actions(app, "lock")
    assert (entry.target_type, entry.target_id, entry.reason) == ("thread", staff, "Te fel")


def test_repeated_lock_reports_already_locked_and_logs_once(app, client, staff):
    client.post(f"/moderation/threads/{staff}/lock", data={"reason": "Te fel"})
    response = client.post(
        f"/moderation/threads/{staff}/lock", data={"reason": "Te fel"}, follow_redirects=True
    )

    assert "locked already" in text_of(response)
    assert len(actions(app, "lock")) == 1


def test_unlock_lets_members_reply_again(app, make, auth, client, staff):
    client.post(f"/moderation/threads/{staff}/lock", data={"reason": "Te fel"})
    assert client.post(f"/moderation/threads/{staff}/unlock").status_code == 303
    auth.logout()
    make.user("lid")
    auth.login("lid")

    assert client.post(f"/threads/{staff}/reply", data={"body": "Weer open!"}).status_code == 303
    assert make.get(Thread, staff).locked is False
    assert len(actions(app, "unlock")) == 1


def test_pin_in_theme_shows_thread_in_pinned_list_of_its_theme(make, client, staff):
    make.thread(make.user("ander"), title="Een gewone draad hierna")
    assert client.post(f"/moderation/threads/{staff}/pin").status_code == 303

    title = make.get(Thread, staff).title
    page = text_of(client.get(f"/themes/{THEME}"))
    pinned = page.split('id="pinned-heading"', 1)[1].split("</section>", 1)[0]
    assert title in pinned
    assert "Een gewone draad hierna" not in pinned
    assert 'id="pinned-heading"' not in text_of(client.get("/"))


def test_pin_globally_shows_thread_on_the_front_page_and_unpin_removes_it(make, client, staff):
    assert (
        client.post(f"/moderation/threads/{staff}/pin", data={"scope": "global"}).status_code == 303
    )
    title = make.get(Thread, staff).title
    page = text_of(client.get("/"))
    assert title in page.split('id="pinned-heading"', 1)[1].split("</section>", 1)[0]

    client.post(f"/moderation/threads/{staff}/unpin", data={"scope": "global"})
    assert 'id="pinned-heading"' not in text_of(client.get("/"))


def test_pin_with_unknown_scope_is_refused(client, staff):
    assert client.post(f"/moderation/threads/{staff}/pin", data={"scope": "x"}).status_code == 400


def test_move_fixes_counters_and_lists_the_thread_under_the_new_theme(app, make, auth, client):
    author = make.user("auteur")
    thread_id = make.thread(author, projects=(PROJECT,), title="Verhuisde draad")
    make.user("moderator", role="moderator")
    auth.login("moderator")
    before = theme_count(app, THEME), theme_count(app, OTHER_THEME), project_count(app, PROJECT)

    response = client.post(
        f"/moderation/threads/{thread_id}/move", data={"theme": OTHER_THEME, "projects": []}
    )

    assert response.status_code == 303
    assert theme_count(app, THEME) == before[0] - 1
    assert theme_count(app, OTHER_THEME) == before[1] + 1
    assert project_count(app, PROJECT) == before[2] - 1
    assert "Verhuisde draad" in text_of(client.get(f"/themes/{OTHER_THEME}"))
    assert "Verhuisde draad" not in text_of(client.get(f"/themes/{THEME}"))
    [entry] = actions(app, "move")
    assert entry.details["to_theme"] == OTHER_THEME


def test_move_to_an_unknown_theme_shows_the_form_again(client, staff):
    response = client.post(
        f"/moderation/threads/{staff}/move", data={"theme": "bestaat-niet", "reason": "Plek"}
    )

    assert response.status_code == 422
    assert 'value="Plek"' in text_of(response)


def test_merge_keeps_posts_in_time_order_and_the_old_url_redirects(app, make, auth, client):
    author = make.user("auteur")
    target = make.thread(author, body="A1", title="Doeldraad over afval")
    source = make.thread(author, body="B1", title="Brondraad over afval")
    make.reply(author, target, "A2")
    make.reply(author, source, "B2")
    make.user("moderator", role="moderator")
    auth.login("moderator")
    before = theme_count(app, THEME)

    response = client.post(f"/moderation/threads/{source}/merge", data={"into": str(target)})

    assert response.status_code == 303
    assert f"/threads/{target}" in response.headers["Location"]
    assert posts_of(app, target) == [(1, "A1"), (2, "B1"), (3, "A2"), (4, "B2")]
    merged = make.get(Thread, target)
    assert merged.post_count == 4
    assert theme_count(app, THEME) == before - 1
    old = client.get(f"/threads/{source}")
    assert old.status_code == 301
    assert f"/threads/{target}" in old.headers["Location"]
    [entry] = actions(app, "merge")
    assert entry.details["into"] == target


def test_merge_into_itself_or_a_missing_thread_shows_the_form_again(client, staff):
    itself = client.post(f"/moderation/threads/{staff}/merge", data={"into": str(staff)})
    missing = client.post(f"/moderation/threads/{staff}/merge", data={"into": "#99999"})

    assert itself.status_code == 422
    assert missing.status_code == 422
    assert 'value="#99999"' in text_of(missing)


def test_split_creates_a_thread_with_the_chosen_replies_in_order_and_renumbers(
    app, make, auth, client
):
    author = make.user("auteur")
    thread_id = make.thread(author, body="Opening")
    ids = [make.reply(author, thread_id, f"R{number}") for number in range(1, 5)]
    make.user("moderator", role="moderator")
    auth.login("moderator")

    response = client.post(
        f"/moderation/threads/{thread_id}/split",
        data={"post_ids": [str(ids[3]), str(ids[1])], "title": "Afgesplitste draad"},
    )

    assert response.status_code == 303
    with app.app_context():
        new = db.session.scalar(select(Thread).where(Thread.title == "Afgesplitste draad"))
        new_id, new_count, new_theme = new.id, new.post_count, new.theme.slug
    assert f"/threads/{new_id}" in response.headers["Location"]
    assert posts_of(app, new_id) == [(1, "R2"), (2, "R4")]
    assert (new_count, new_theme) == (2, THEME)
    assert posts_of(app, thread_id) == [(1, "Opening"), (2, "R1"), (3, "R3")]
    assert make.get(Thread, thread_id).post_count == 3
    assert client.get(f"/threads/{new_id}").status_code in (200, 301)
    assert len(actions(app, "split")) == 1


def test_split_without_replies_or_title_shows_the_form_again(client, staff):
    response = client.post(f"/moderation/threads/{staff}/split", data={"title": ""})

    assert response.status_code == 422
    assert "Choose at least one reply" in text_of(response)
