"""Suspension ends every power, ranks decide who acts on whom, and refusals say why.

Issue 10: a suspended moderator kept staff powers; a suspended member could still close,
accept and edit their profile; a refused reply or flag lost its text behind a generic 403;
a moderator repeating their own action was told another moderator did it; an id out of
range in a form was a 500.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from forum071.extensions import db
from forum071.models import Flag, ModerationAction, Post, Thread, User, utcnow
from tests.factories import PASSWORD

TOO_BIG = "99999999999999999999"  # beyond any integer column (and SQLite's 64 bits)
JUST_TOO_BIG = str(2**31)  # beyond PostgreSQL's integer columns


def text_of(response) -> str:
    return response.get_data(as_text=True)


def client_of(app, username: str):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post("/auth/login", data={"login": username, "password": PASSWORD})
    assert response.status_code == 302, f"{username} could not log in"
    return client


def suspend(app, username: str, until=None) -> None:
    """Suspend directly in the database: what the routes then allow is under test."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        user.suspended_at = utcnow()
        user.suspended_until = until
        user.suspension_reason = "Misbruik van de knoppen"
        db.session.commit()


def user_named(app, username: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        db.session.expunge(user)
        return user


def log_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ModerationAction))


@pytest.fixture
def people(make) -> dict[str, int]:
    return {
        "lid": make.user("lid"),
        "ander": make.user("ander", role="student"),
        "moderator": make.user("moderator", role="moderator"),
        "moderator2": make.user("moderator2", role="moderator"),
        "beheerder": make.user("beheerder", role="admin"),
        "beheerder2": make.user("beheerder2", role="admin"),
    }


# A suspended moderator has no powers -------------------------------------------------------


def test_suspended_moderator_loses_every_staff_power(app, make, people):
    thread_id = make.thread(people["lid"], title="Een onderwerp om te modereren", replies=1)
    with app.app_context():
        reply_id = db.session.scalar(
            select(Post.id).where(Post.thread_id == thread_id, Post.number == 2)
        )
    suspend(app, "moderator")
    client = client_of(app, "moderator")
    before = log_count(app)

    assert client.get("/moderation/queue").status_code == 403
    assert client.get("/moderation/log").status_code == 403
    hide = client.post(f"/moderation/posts/{reply_id}/hide", data={"reason": "Privacy"})
    assert hide.status_code == 403
    assert client.post(f"/moderation/threads/{thread_id}/lock").status_code == 403
    # ... including against the moderator who suspended them.
    suspend_back = client.post("/moderation/users/moderator2/suspend", data={"reason": "Wraak"})
    assert suspend_back.status_code == 403
    assert client.post("/moderation/users/moderator/unsuspend").status_code == 403

    assert make.get(Post, reply_id).state == "published"
    assert make.get(Thread, thread_id).locked is False
    assert user_named(app, "moderator2").is_suspended is False
    assert user_named(app, "moderator").is_suspended is True
    assert log_count(app) == before


def test_suspended_moderator_sees_no_moderation_tools_and_no_pending_content(app, make, people):
    thread_id = make.thread(people["lid"], title="Een onderwerp dat wacht")
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        thread.state = "pending"
        db.session.commit()
    suspend(app, "moderator")
    client = client_of(app, "moderator")

    assert client.get(f"/threads/{thread_id}").status_code == 404
    front = text_of(client.get("/"))
    assert 'href="/moderation/queue"' not in front


def test_only_admins_suspend_moderators(app, people):
    moderator = client_of(app, "moderator")
    assert moderator.post(
        "/moderation/users/moderator2/suspend", data={"reason": "Test"}
    ).status_code == 403
    assert moderator.post(
        "/moderation/users/moderator2/remove-content", data={"reason": "Test"}
    ).status_code == 403
    assert user_named(app, "moderator2").is_suspended is False

    admin = client_of(app, "beheerder")
    response = admin.post("/moderation/users/moderator2/suspend", data={"reason": "Test"})
    assert response.status_code == 303
    assert user_named(app, "moderator2").is_suspended is True


def test_a_moderator_cannot_lift_another_moderators_suspension(app, people):
    admin = client_of(app, "beheerder")
    admin.post("/moderation/users/moderator2/suspend", data={"reason": "Test"})
    moderator = client_of(app, "moderator")
    assert moderator.post("/moderation/users/moderator2/unsuspend").status_code == 403
    assert user_named(app, "moderator2").is_suspended is True


def test_nobody_acts_on_an_equal_or_higher_role(app, people):
    admin = client_of(app, "beheerder")
    assert admin.post(
        "/moderation/users/beheerder2/suspend", data={"reason": "Test"}
    ).status_code == 403
    assert admin.post(
        "/moderation/users/beheerder2/role", data={"role": "student"}
    ).status_code == 403
    assert user_named(app, "beheerder2").role == "admin"
    assert user_named(app, "beheerder2").is_suspended is False
    # Lower roles still: an admin changes a moderator's role, a moderator suspends a member.
    assert admin.post(
        "/moderation/users/moderator2/role", data={"role": "student"}
    ).status_code == 303
    moderator = client_of(app, "moderator")
    response = moderator.post("/moderation/users/lid/suspend", data={"reason": "Spam"})
    assert response.status_code == 303


def test_admin_page_of_another_admin_offers_no_role_or_suspension(app, people):
    admin = client_of(app, "beheerder")
    page = text_of(admin.get("/users/beheerder2"))
    assert "/moderation/users/beheerder2/suspend" not in page
    assert "/moderation/users/beheerder2/role" not in page
    page = text_of(admin.get("/users/moderator2"))
    assert "/moderation/users/moderator2/suspend" in page


# A suspended member closes, accepts and publishes nothing ----------------------------------


@pytest.fixture
def question(make, people) -> dict[str, int]:
    thread_id = make.thread(people["lid"], kind="question", title="Waar laat ik mijn afval?")
    reply_id = make.reply(people["ander"], thread_id, "Bij de milieustraat.")
    return {"thread": thread_id, "reply": reply_id}


def test_suspended_asker_cannot_accept_or_close(app, make, question):
    suspend(app, "lid")
    client = client_of(app, "lid")
    thread_id = question["thread"]

    accept = client.post(f"/threads/{thread_id}/accept", data={"post_id": question["reply"]})
    assert accept.status_code == 403
    assert client.get(f"/threads/{thread_id}/close").status_code == 403
    close = client.post(f"/threads/{thread_id}/close", data={"outcome": "answered"})
    assert close.status_code == 403

    thread = make.get(Thread, thread_id)
    assert thread.accepted_post_id is None
    assert thread.closed_at is None
    page = text_of(client.get(f"/threads/{thread_id}"))
    assert f"/threads/{thread_id}/accept" not in page
    assert f"/threads/{thread_id}/close" not in page


def test_suspended_asker_cannot_unaccept_or_reopen(app, make, question):
    thread_id = question["thread"]
    client = client_of(app, "lid")
    client.post(f"/threads/{thread_id}/accept", data={"post_id": question["reply"]})
    client.post(f"/threads/{thread_id}/close", data={"outcome": "answered"})
    assert make.get(Thread, thread_id).closed_at is not None
    suspend(app, "lid")

    assert client.post(f"/threads/{thread_id}/reopen").status_code == 403
    assert client.post(f"/threads/{thread_id}/unaccept").status_code == 403
    thread = make.get(Thread, thread_id)
    assert thread.closed_at is not None
    assert thread.accepted_post_id == question["reply"]


def test_suspended_member_cannot_change_their_published_profile(app, make, people):
    suspend(app, "lid")
    client = client_of(app, "lid")

    assert client.get("/users/lid/edit").status_code == 403
    response = client.post("/users/lid/edit", data={"organisation": "Spam BV", "bio": "Koop!"})
    assert response.status_code == 403
    assert user_named(app, "lid").bio == ""


# Refusals say why and keep the text --------------------------------------------------------


@pytest.fixture
def discussion(make, people) -> int:
    return make.thread(people["lid"], title="Zonnepanelen op het stadhuis")


REPLY_TEXT = "Mijn zorgvuldig getypte reactie over zonnepanelen."


def refused_reply(app, make, thread_id: int, why: str) -> None:
    """A member's reply is refused with a 403 that says why and gives the text back."""
    response = client_of(app, "ander").post(
        f"/threads/{thread_id}/reply", data={"body": REPLY_TEXT}
    )
    assert response.status_code == 403
    page = text_of(response)
    assert why in page
    assert f"{REPLY_TEXT}</textarea>" in page
    assert make.get(Thread, thread_id).post_count == 1


def test_reply_to_a_closed_thread_says_so_and_keeps_the_text(app, make, discussion):
    with app.app_context():
        db.session.get(Thread, discussion).closed_at = utcnow()
        db.session.commit()
    refused_reply(app, make, discussion, "This thread is closed")


def test_reply_to_a_locked_thread_says_so_and_keeps_the_text(app, make, discussion):
    moderator = client_of(app, "moderator")
    assert moderator.post(
        f"/moderation/threads/{discussion}/lock", data={"reason": "Cooling down"}
    ).status_code == 303
    refused_reply(app, make, discussion, "This thread is locked")


def test_suspended_members_reply_says_until_when_and_keeps_the_text(app, make, discussion):
    suspend(app, "ander", until=datetime(2099, 1, 31, tzinfo=UTC))
    refused_reply(app, make, discussion, "suspended until January 31, 2099")


def test_suspended_members_new_thread_keeps_title_and_text(app, people):
    suspend(app, "ander")
    client = client_of(app, "ander")

    response = client.post(
        "/threads/new",
        data={
            "kind": "discussion",
            "theme": "circulaire-economie",
            "title": "Een titel die ik niet kwijt wil",
            "body": REPLY_TEXT,
        },
    )

    assert response.status_code == 403
    page = text_of(response)
    assert "suspended" in page
    assert "Een titel die ik niet kwijt wil" in page
    assert REPLY_TEXT in page


def test_repeated_flag_says_so_and_keeps_the_note(app, make, people, discussion):
    post_id = make.reply(people["lid"], discussion, "Koop nu goedkope horloges!")
    client = client_of(app, "ander")
    assert client.post(f"/posts/{post_id}/flag", data={"reason": "spam"}).status_code == 303

    note = "Dit is echt de derde keer deze week."
    response = client.post(f"/posts/{post_id}/flag", data={"reason": "other", "note": note})

    assert response.status_code == 409
    assert "You already flagged this post" in text_of(response)
    assert note in text_of(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Flag)) == 1


def test_flag_of_a_post_hidden_by_ones_own_flag_says_already_flagged(app_factory, make, people):
    app = app_factory(FLAG_HIDE_THRESHOLD=1)
    thread_id = make.thread(people["lid"], title="Een onderwerp met spam")
    post_id = make.reply(people["lid"], thread_id, "Koop nu goedkope horloges!")
    client = client_of(app, "ander")
    assert client.post(f"/posts/{post_id}/flag", data={"reason": "spam"}).status_code == 303
    assert make.get(Post, post_id).state == "hidden"

    response = client.post(f"/posts/{post_id}/flag", data={"reason": "other", "note": "Nog eens"})

    assert response.status_code == 409
    assert "You already flagged this post" in text_of(response)
    assert "Nog eens" in text_of(response)


def test_suspended_members_flag_says_why_and_keeps_the_note(app, make, people, discussion):
    post_id = make.reply(people["lid"], discussion, "Koop nu goedkope horloges!")
    suspend(app, "ander")
    client = client_of(app, "ander")

    response = client.post(
        f"/posts/{post_id}/flag", data={"reason": "other", "note": "Mijn notitie"}
    )

    assert response.status_code == 403
    assert "suspended" in text_of(response)
    assert "Mijn notitie" in text_of(response)


# Who handled it ---------------------------------------------------------------------------


@pytest.fixture
def pending_reply(app, make, people, discussion) -> int:
    post_id = make.reply(people["ander"], discussion, "Een reactie die wacht.")
    with app.app_context():
        db.session.get(Post, post_id).state = "pending"
        db.session.commit()
    return post_id


def test_approving_twice_tells_the_same_moderator_they_handled_it(app, pending_reply):
    client = client_of(app, "moderator")
    assert client.post(f"/moderation/posts/{pending_reply}/approve").status_code == 303

    again = client.post(f"/moderation/posts/{pending_reply}/approve", follow_redirects=True)

    assert "You already handled this" in text_of(again)
    assert "another moderator" not in text_of(again)
    rejected = client.post(
        f"/moderation/posts/{pending_reply}/reject", data={"reason": "Toch niet"},
        follow_redirects=True,
    )
    assert "You already handled this" in text_of(rejected)


def test_approving_after_another_moderator_names_the_other(app, pending_reply):
    client_of(app, "moderator").post(f"/moderation/posts/{pending_reply}/approve")

    response = client_of(app, "moderator2").post(
        f"/moderation/posts/{pending_reply}/approve", follow_redirects=True
    )

    assert "another moderator" in text_of(response)
    assert "You already handled this" not in text_of(response)


def test_hiding_twice_tells_the_same_moderator_they_handled_it(app, make, people, discussion):
    post_id = make.reply(people["ander"], discussion, "Iets om te verbergen.")
    client = client_of(app, "moderator")
    data = {"reason": "Persoonsgegevens"}
    assert client.post(f"/moderation/posts/{post_id}/hide", data=data).status_code == 303

    again = client.post(f"/moderation/posts/{post_id}/hide", data=data, follow_redirects=True)
    assert "You already handled this" in text_of(again)

    other = client_of(app, "moderator2").post(
        f"/moderation/posts/{post_id}/hide", data=data, follow_redirects=True
    )
    assert "another moderator" in text_of(other)


# Ids out of range are a bad request, never a 500 -------------------------------------------


@pytest.mark.parametrize("number", [TOO_BIG, JUST_TOO_BIG, "-1", "0"])
def test_accept_with_an_id_out_of_range_is_a_400(app, make, question, number):
    client = client_of(app, "lid")
    response = client.post(f"/threads/{question['thread']}/accept", data={"post_id": number})
    assert response.status_code == 400
    assert make.get(Thread, question["thread"]).accepted_post_id is None


@pytest.mark.parametrize("number", [TOO_BIG, JUST_TOO_BIG])
def test_merge_into_an_id_out_of_range_is_a_400_that_keeps_the_reason(
    app, make, discussion, number
):
    client = client_of(app, "moderator")
    for into in (number, f"#{number}", f"http://localhost/threads/{number}-iets"):
        response = client.post(
            f"/moderation/threads/{discussion}/merge",
            data={"into": into, "reason": "Dubbel onderwerp"},
        )
        assert response.status_code == 400, into
        assert "Dubbel onderwerp" in text_of(response)
        assert "There is no thread" in text_of(response)


@pytest.mark.parametrize("number", [TOO_BIG, JUST_TOO_BIG, "-5", "tien"])
def test_split_with_a_post_id_out_of_range_is_a_400(app, make, people, number):
    thread_id = make.thread(people["lid"], title="Een onderwerp om te splitsen", replies=2)
    client = client_of(app, "moderator")
    response = client.post(
        f"/moderation/threads/{thread_id}/split",
        data={"post_ids": number, "title": "Een nieuw onderwerp"},
    )
    assert response.status_code == 400
    assert "Een nieuw onderwerp" in text_of(response)
    assert make.get(Thread, thread_id).post_count == 3


@pytest.mark.parametrize("number", [TOO_BIG, JUST_TOO_BIG])
def test_close_as_duplicate_of_an_id_out_of_range_is_a_400(app, make, question, number):
    client = client_of(app, "lid")
    response = client.post(
        f"/threads/{question['thread']}/close",
        data={"outcome": "duplicate", "duplicate_of": number, "summary": "Mijn samenvatting"},
    )
    assert response.status_code == 400
    assert "Mijn samenvatting" in text_of(response)
    assert make.get(Thread, question["thread"]).closed_at is None


def test_suspended_authors_edit_says_why_and_keeps_the_text(app, make, people, discussion):
    with app.app_context():
        opening = db.session.scalar(select(Post).where(Post.thread_id == discussion))
        post_id, version = opening.id, opening.version
    suspend(app, "lid")

    response = client_of(app, "lid").post(
        f"/posts/{post_id}/edit", data={"body": REPLY_TEXT, "base_version": version}
    )

    assert response.status_code == 403
    assert "suspended" in text_of(response)
    assert f"{REPLY_TEXT}</textarea>" in text_of(response)
    assert make.get(Post, post_id).body != REPLY_TEXT


def test_suspended_pitchers_update_says_why_and_keeps_the_text(app, make, people):
    pitch = make.thread(people["lid"], kind="pitch", title="Deelbakfietsen voor het centrum")
    suspend(app, "lid")

    response = client_of(app, "lid").post(
        f"/threads/{pitch}/updates/new", data={"body": REPLY_TEXT, "stage": "pilot"}
    )

    assert response.status_code == 403
    assert "suspended" in text_of(response)
    assert f"{REPLY_TEXT}</textarea>" in text_of(response)
    assert make.get(Thread, pitch).stage != "pilot"
