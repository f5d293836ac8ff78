"""A moderator's actions on posts through HTTP: hide, unhide, delete, dismiss, edit (reason)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from forum071.extensions import db
from forum071.models import Flag, ModerationAction, Post, PostRevision, Thread
from tests.factories import PASSWORD

SECRET = "GEHEIM-ZWAARDVIS-4411"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def thread_page(client, thread_id: int) -> str:
    return text_of(client.get(f"/threads/{thread_id}", follow_redirects=True))


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def author(make) -> int:
    return make.user("schrijver")


@pytest.fixture
def moderator(make) -> int:
    return make.user("moderator", role="moderator")


@pytest.fixture
def thread_id(make, author) -> int:
    return make.thread(author, title="Parkeren bij het station")


@pytest.fixture
def post_id(make, thread_id, author) -> int:
    return make.reply(author, thread_id, f"Een scherpe reactie met {SECRET} erin.")


def logged_in_client(app, username: str):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post("/auth/login", data={"login": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def state_of(app, post_id: int) -> tuple[str, str, int | None]:
    with app.app_context():
        post = db.session.get(Post, post_id)
        return post.state, post.moderation_reason, post.moderated_by_id


def log_of(app) -> list[tuple[str, int | None, str]]:
    with app.app_context():
        return [
            (entry.action, entry.moderator_id, entry.reason)
            for entry in db.session.scalars(select(ModerationAction).order_by(ModerationAction.id))
        ]


def open_flags(app, post_id: int) -> tuple[int, int]:
    """The post's counter and its unresolved flag rows."""
    with app.app_context():
        rows = db.session.scalar(
            select(func.count()).select_from(Flag).where(
                Flag.post_id == post_id, Flag.resolved_at.is_(None)
            )
        )
        return db.session.get(Post, post_id).flag_count, rows


def flag_by(app, make, count: int, post_id: int) -> None:
    for number in range(count):
        make.user(f"melder{number}")
        client = logged_in_client(app, f"melder{number}")
        assert client.post(f"/posts/{post_id}/flag", data={"reason": "spam"}).status_code == 303


# Hide and unhide ------------------------------------------------------------------------------


def test_moderator_hides_a_post_with_a_reason(app, client, auth, moderator, post_id, thread_id):
    auth.login("moderator")
    response = client.post(f"/moderation/posts/{post_id}/hide", data={"reason": "Persoonlijk"})
    assert response.status_code == 303
    assert f"/threads/{thread_id}" in response.headers["Location"]
    assert state_of(app, post_id) == ("hidden", "Persoonlijk", moderator)
    assert log_of(app) == [("hide", moderator, "Persoonlijk")]
    assert "The post is hidden" in text_of(client.get(response.headers["Location"]))


def test_hiding_without_a_reason_is_refused(app, client, auth, moderator, post_id):
    auth.login("moderator")
    response = client.post(f"/moderation/posts/{post_id}/hide", data={"reason": "  "})
    assert response.status_code == 303
    assert state_of(app, post_id)[0] == "published"
    assert log_of(app) == []
    assert "Give a reason" in text_of(client.get(response.headers["Location"]))


@pytest.mark.parametrize("action", ["hide", "unhide", "delete", "dismiss"])
@pytest.mark.parametrize("role", ["entrepreneur", "student", "official"])
def test_post_actions_are_refused_to_members(app, client, make, auth, post_id, action, role):
    make.user("lid", role=role)
    auth.login("lid")
    response = client.post(f"/moderation/posts/{post_id}/{action}", data={"reason": "Nee"})
    assert response.status_code == 403
    assert state_of(app, post_id)[0] == "published"
    assert log_of(app) == []


@pytest.mark.parametrize("action", ["hide", "unhide", "delete", "dismiss"])
def test_post_actions_need_a_login(app, client, post_id, action):
    response = client.post(f"/moderation/posts/{post_id}/{action}", data={"reason": "Nee"})
    assert response.status_code in (302, 401)
    assert state_of(app, post_id)[0] == "published"


def test_post_action_on_a_missing_post_is_404(client, auth, moderator):
    auth.login("moderator")
    assert client.post("/moderation/posts/999999/hide", data={"reason": "x"}).status_code == 404


def test_admin_may_moderate_posts_too(app, client, make, auth, post_id):
    admin = make.user("beheerder", role="admin")
    auth.login("beheerder")
    client.post(f"/moderation/posts/{post_id}/hide", data={"reason": "Spam"})
    assert state_of(app, post_id) == ("hidden", "Spam", admin)


def test_hiding_twice_reports_already_handled_and_logs_once(
    app, client, auth, moderator, post_id
):
    auth.login("moderator")
    client.post(f"/moderation/posts/{post_id}/hide", data={"reason": "Eerste"})
    again = client.post(
        f"/moderation/posts/{post_id}/hide", data={"reason": "Tweede"}, follow_redirects=True
    )
    assert "already handled" in text_of(again)
    assert state_of(app, post_id) == ("hidden", "Eerste", moderator)
    assert log_of(app) == [("hide", moderator, "Eerste")]


def test_two_moderators_hiding_at_once_hide_once(app, make, post_id):
    clients = []
    for number in range(4):
        make.user(f"mod{number}", role="moderator")
        clients.append(logged_in_client(app, f"mod{number}"))
    tokens = [client.csrf_token() for client in clients]
    barrier = threading.Barrier(len(clients))
    answers: list = []

    def send(client, token) -> None:
        barrier.wait()
        answers.append(client.post(
            f"/moderation/posts/{post_id}/hide", data={"reason": "Spam", "csrf_token": token}
        ).status_code)

    workers = [
        threading.Thread(target=send, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert answers == [303] * 4
    assert [action for action, _, _ in log_of(app)] == ["hide"]


def test_unhide_publishes_the_post_again(app, client, auth, moderator, post_id, thread_id):
    auth.login("moderator")
    client.post(f"/moderation/posts/{post_id}/hide", data={"reason": "Even niet"})
    response = client.post(f"/moderation/posts/{post_id}/unhide", data={})
    assert response.status_code == 303
    assert state_of(app, post_id) == ("published", "", moderator)
    assert [action for action, _, _ in log_of(app)] == ["hide", "unhide"]
    assert SECRET in thread_page(logged_in_client(app, "schrijver"), thread_id)
    again = client.post(f"/moderation/posts/{post_id}/unhide", data={}, follow_redirects=True)
    assert "already handled" in text_of(again)


# What others see ------------------------------------------------------------------------------


def test_hidden_text_is_invisible_to_others_but_visible_to_author_and_moderators(
    app, client, make, auth, moderator, author, post_id, thread_id
):
    auth.login("moderator")
    client.post(f"/moderation/posts/{post_id}/hide", data={"reason": "Op de man gespeeld"})
    make.user("lezer")
    for viewer in (app.test_client(), logged_in_client(app, "lezer")):
        viewer.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        page = thread_page(viewer, thread_id)
        assert "Hidden by a moderator: Op de man gespeeld" in page
        assert SECRET not in page
    for viewer in (logged_in_client(app, "schrijver"), client):
        page = thread_page(viewer, thread_id)
        assert "Hidden by a moderator: Op de man gespeeld" in page
        assert SECRET in page


def test_deleted_text_is_shown_to_moderators_only(
    app, client, make, auth, moderator, post_id, thread_id
):
    auth.login("moderator")
    response = client.post(f"/moderation/posts/{post_id}/delete", data={"reason": "Spam"})
    assert response.status_code == 303
    assert state_of(app, post_id) == ("deleted", "Spam", moderator)
    make.user("lezer")
    for viewer in (app.test_client(), logged_in_client(app, "lezer"),
                   logged_in_client(app, "schrijver")):
        viewer.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        page = thread_page(viewer, thread_id)
        assert "This post was deleted" in page
        assert SECRET not in page
    assert SECRET in thread_page(client, thread_id)


def test_deleting_without_a_reason_is_refused(app, client, auth, moderator, post_id):
    auth.login("moderator")
    client.post(f"/moderation/posts/{post_id}/delete", data={})
    assert state_of(app, post_id)[0] == "published"


def test_deleted_post_can_be_neither_unhidden_nor_deleted_again(
    app, client, auth, moderator, post_id
):
    auth.login("moderator")
    client.post(f"/moderation/posts/{post_id}/delete", data={"reason": "Spam"})
    for action in ("unhide", "delete", "hide"):
        answer = client.post(
            f"/moderation/posts/{post_id}/{action}", data={"reason": "x"}, follow_redirects=True
        )
        assert "already handled" in text_of(answer)
    assert state_of(app, post_id)[0] == "deleted"
    assert [action for action, _, _ in log_of(app)] == ["delete"]


def test_hidden_accepted_answer_keeps_its_text_from_others(
    app, client, make, auth, moderator, author
):
    asker = make.user("vrager")
    question = make.thread(asker, kind="question", title="Wie weet het?")
    answer = make.reply(author, question, f"Het antwoord: {SECRET}")
    with app.app_context():
        db.session.get(Thread, question).accepted_post_id = answer
        db.session.commit()
    auth.login("moderator")
    client.post(f"/moderation/posts/{answer}/hide", data={"reason": "Reclame"})
    assert SECRET not in thread_page(app.test_client(), question)


# Flags resolved by actions --------------------------------------------------------------------


def test_hiding_a_flagged_post_resolves_its_flags(app, client, make, auth, moderator, post_id):
    flag_by(app, make, 2, post_id)
    auth.login("moderator")
    client.post(f"/moderation/posts/{post_id}/hide", data={"reason": "Klopt"})
    assert open_flags(app, post_id) == (0, 0)
    with app.app_context():
        resolutions = set(db.session.scalars(select(Flag.resolution)))
        assert resolutions == {"hidden"}


def test_dismissing_flags_keeps_the_post_published(app, client, make, auth, moderator, post_id):
    flag_by(app, make, 2, post_id)
    auth.login("moderator")
    response = client.post(f"/moderation/posts/{post_id}/dismiss", data={})
    assert response.status_code == 303
    assert state_of(app, post_id)[0] == "published"
    assert open_flags(app, post_id) == (0, 0)
    assert [action for action, _, _ in log_of(app)] == ["dismiss"]
    again = client.post(f"/moderation/posts/{post_id}/dismiss", data={}, follow_redirects=True)
    assert "already handled" in text_of(again)


def test_dismissing_flags_publishes_an_auto_hidden_post(
    app, client, make, auth, moderator, post_id, thread_id
):
    flag_by(app, make, 3, post_id)
    assert state_of(app, post_id)[0] == "hidden"
    auth.login("moderator")
    client.post(f"/moderation/posts/{post_id}/dismiss", data={})
    assert state_of(app, post_id) == ("published", "", moderator)
    assert open_flags(app, post_id) == (0, 0)
    assert SECRET in thread_page(app.test_client(), thread_id)
    assert [action for action, _, _ in log_of(app)] == ["auto_hide", "dismiss"]


def test_moderator_confirms_an_auto_hide_with_a_reason(app, client, make, auth, moderator, post_id):
    flag_by(app, make, 3, post_id)
    auth.login("moderator")
    client.post(f"/moderation/posts/{post_id}/hide", data={"reason": "Inderdaad spam"})
    assert state_of(app, post_id) == ("hidden", "Inderdaad spam", moderator)
    assert open_flags(app, post_id) == (0, 0)


def test_deleting_a_flagged_post_resolves_its_flags_as_deleted(
    app, client, make, auth, moderator, post_id
):
    flag_by(app, make, 1, post_id)
    auth.login("moderator")
    client.post(f"/moderation/posts/{post_id}/delete", data={"reason": "Spam"})
    with app.app_context():
        assert list(db.session.scalars(select(Flag.resolution))) == ["deleted"]


def test_action_returns_to_a_safe_next_page_only(app, client, auth, moderator, post_id):
    auth.login("moderator")
    response = client.post(
        f"/moderation/posts/{post_id}/hide", data={"reason": "x", "next": "/moderation/queue"}
    )
    assert response.headers["Location"].endswith("/moderation/queue")
    response = client.post(
        f"/moderation/posts/{post_id}/unhide", data={"next": "https://evil.example/"}
    )
    assert "evil.example" not in response.headers["Location"]


def test_moderation_buttons_are_shown_to_moderators_only(
    app, client, make, auth, moderator, post_id, thread_id
):
    assert f"/moderation/posts/{post_id}/hide" not in thread_page(client, thread_id)
    auth.login("moderator")
    page = thread_page(client, thread_id)
    assert f'action="/moderation/posts/{post_id}/hide"' in page
    assert f'action="/moderation/posts/{post_id}/delete"' in page


# Editing with a reason ------------------------------------------------------------------------


def test_staff_edit_needs_a_reason(app, client, auth, moderator, post_id):
    auth.login("moderator")
    form = text_of(client.get(f"/posts/{post_id}/edit"))
    assert 'name="reason"' in form
    with app.app_context():
        version = db.session.get(Post, post_id).version
    response = client.post(
        f"/posts/{post_id}/edit", data={"body": "Nette tekst.", "base_version": version}
    )
    assert response.status_code == 422
    assert "Give a reason" in text_of(response)
    with app.app_context():
        assert SECRET in db.session.get(Post, post_id).body


def test_staff_edit_reason_shows_in_the_history_and_the_log(
    app, client, make, auth, moderator, post_id
):
    flag_by(app, make, 1, post_id)
    auth.login("moderator")
    with app.app_context():
        version = db.session.get(Post, post_id).version
    response = client.post(
        f"/posts/{post_id}/edit",
        data={"body": "Nette tekst.", "base_version": version, "reason": "Naam weggehaald"},
    )
    assert response.status_code == 303
    with app.app_context():
        revision = db.session.scalar(
            select(PostRevision).where(PostRevision.post_id == post_id)
            .order_by(PostRevision.number.desc())
        )
        assert (revision.reason, revision.editor_id) == ("Naam weggehaald", moderator)
    assert "Naam weggehaald" in text_of(client.get(f"/posts/{post_id}/history"))
    assert log_of(app) == [("edit", moderator, "Naam weggehaald")]
    assert open_flags(app, post_id) == (0, 0)


def test_author_edits_without_a_reason(app, client, auth, author, post_id):
    auth.login("schrijver")
    assert 'name="reason"' not in text_of(client.get(f"/posts/{post_id}/edit"))
    with app.app_context():
        version = db.session.get(Post, post_id).version
    response = client.post(
        f"/posts/{post_id}/edit", data={"body": "Nieuwe tekst.", "base_version": version}
    )
    assert response.status_code == 303
    assert log_of(app) == []
