"""Moderator actions on members: verify, roles, suspensions and removing a spammer's content."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from forum071.extensions import db
from forum071.models import ModerationAction, Post, Theme, Thread, User

THEME = "circulaire-economie"


@pytest.fixture(autouse=True)
def english(client):
    """Read the pages in English, the language the messages are written in."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def user_named(make, app, username: str) -> User:
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == username))
    return make.get(User, user_id)


def log_entries(app, action: str) -> list[ModerationAction]:
    with app.app_context():
        rows = db.session.scalars(
            select(ModerationAction).where(ModerationAction.action == action)
        ).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def future(days: int = 10) -> str:
    return (datetime.now(UTC).date() + timedelta(days=days)).isoformat()


@pytest.fixture
def moderator(make, auth):
    make.user("moderator", role="moderator")
    auth.login("moderator")


ACTIONS = [
    ("verify", {}),
    ("role", {"role": "moderator"}),
    ("suspend", {"reason": "spam"}),
    ("unsuspend", {}),
    ("remove-content", {"reason": "spam"}),
]


@pytest.mark.parametrize(("action", "data"), ACTIONS)
def test_user_actions_are_refused_to_members(make, auth, client, action, data):
    make.user("ambtenaar", role="official")
    make.user("lid")
    auth.login("lid")

    response = client.post(f"/moderation/users/ambtenaar/{action}", data=data)

    assert response.status_code == 403


def test_moderation_user_page_is_for_staff(make, auth, client):
    make.user("lid")
    make.user("moderator", role="moderator")
    auth.login("lid")
    assert client.get("/moderation/users/moderator").status_code == 403
    auth.logout()
    auth.login("moderator")
    assert client.get("/moderation/users/lid").status_code == 200


def test_verify_official_changes_the_badge(app, make, client, moderator):
    make.user("ambtenaar", role="official")
    assert "(unverified)" in text_of(client.get("/users/ambtenaar"))

    response = client.post("/moderation/users/ambtenaar/verify")

    assert response.status_code == 303
    assert user_named(make, app, "ambtenaar").official_verified is True
    page = text_of(client.get("/users/ambtenaar"))
    assert "(unverified)" not in page
    assert "Verified official" in page
    again = client.post("/moderation/users/ambtenaar/verify", follow_redirects=True)
    assert "verified already" in text_of(again)
    assert len(log_entries(app, "verify")) == 1


def test_verify_is_only_for_officials(make, client, moderator):
    make.user("lid")

    assert client.post("/moderation/users/lid/verify").status_code == 400


def test_role_change_is_for_admins_only(app, make, auth, client):
    make.user("lid")
    make.user("moderator", role="moderator")
    make.user("beheerder", role="admin")
    auth.login("moderator")
    assert client.post("/moderation/users/lid/role", data={"role": "moderator"}).status_code == 403
    auth.logout()
    auth.login("beheerder")

    response = client.post("/moderation/users/lid/role", data={"role": "moderator"})

    assert response.status_code == 303
    assert user_named(make, app, "lid").role == "moderator"
    [entry] = log_entries(app, "set_role")
    assert entry.details == {"previous": "entrepreneur", "role": "moderator"}


def test_role_change_to_an_unknown_role_is_refused(make, auth, client):
    make.user("lid")
    make.user("beheerder", role="admin")
    auth.login("beheerder")

    assert client.post("/moderation/users/lid/role", data={"role": "koning"}).status_code == 422


def test_suspend_permanently_stops_posting_and_shows_the_reason(app, make, auth, client):
    author = make.user("auteur")
    thread_id = make.thread(author)
    make.user("lid")
    make.user("moderator", role="moderator")
    auth.login("moderator")

    response = client.post("/moderation/users/lid/suspend", data={"until": "", "reason": "Ruzie"})

    assert response.status_code == 303
    suspended = user_named(make, app, "lid")
    assert suspended.is_suspended and suspended.suspended_until is None
    auth.logout()
    auth.login("lid")
    reply = client.post(f"/threads/{thread_id}/reply", data={"body": "Mag ik nog?"})
    assert reply.status_code == 403
    assert "You are suspended permanently because: Ruzie" in text_of(reply)
    new_thread = client.get("/threads/new")
    assert new_thread.status_code == 403
    assert "Ruzie" in text_of(new_thread)
    page = text_of(client.get(f"/threads/{thread_id}", follow_redirects=True))
    assert "You are suspended permanently because: Ruzie" in page
    assert "You are suspended permanently" in text_of(client.get("/users/lid"))


def test_suspend_until_a_date_shows_it_and_ends_then(app, make, auth, client):
    make.user("lid")
    make.user("moderator", role="moderator")
    auth.login("moderator")
    until = future(10)

    response = client.post("/moderation/users/lid/suspend", data={"until": until, "reason": "Spam"})

    assert response.status_code == 303
    suspended = user_named(make, app, "lid")
    assert suspended.is_suspended
    assert suspended.suspended_until.date() == date.fromisoformat(until)
    auth.logout()
    auth.login("lid")
    assert "You are suspended until" in text_of(client.get("/users/lid"))
    # Once the date has passed, the member is no longer suspended.
    with app.app_context():
        user = db.session.get(User, suspended.id)
        user.suspended_until = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()
    assert user_named(make, app, "lid").is_suspended is False
    assert client.get("/threads/new").status_code == 200


@pytest.mark.parametrize(
    ("until", "reason"), [("gisteren", "Spam"), ("2001-01-01", "Spam"), ("", "")]
)
def test_suspend_needs_a_future_date_and_a_reason(make, client, moderator, until, reason):
    make.user("lid")

    response = client.post("/moderation/users/lid/suspend", data={"until": until, "reason": reason})

    assert response.status_code == 422
    assert f'value="{until}"' in text_of(response)


def test_repeated_suspend_reports_already_suspended(app, make, client, moderator):
    make.user("lid")
    client.post("/moderation/users/lid/suspend", data={"reason": "Spam"})

    again = client.post(
        "/moderation/users/lid/suspend", data={"reason": "Spam"}, follow_redirects=True
    )

    assert "suspended already" in text_of(again)
    assert len(log_entries(app, "suspend")) == 1


def test_unsuspend_lets_the_member_post_again(app, make, auth, client, moderator):
    make.user("lid")
    client.post("/moderation/users/lid/suspend", data={"reason": "Spam"})

    assert client.post("/moderation/users/lid/unsuspend").status_code == 303

    assert user_named(make, app, "lid").is_suspended is False
    assert len(log_entries(app, "unsuspend")) == 1


def test_staff_cannot_suspend_themselves_or_an_equal_or_higher_role(make, auth, client):
    make.user("moderator", role="moderator")
    make.user("beheerder", role="admin")
    make.user("beheerder2", role="admin")
    auth.login("moderator")
    data = {"reason": "Test"}
    assert client.post("/moderation/users/moderator/suspend", data=data).status_code == 403
    assert client.post("/moderation/users/beheerder/suspend", data=data).status_code == 403
    auth.logout()
    auth.login("beheerder")
    assert client.post("/moderation/users/beheerder/suspend", data=data).status_code == 403
    # Nobody acts on an equal rank (issue 10): an admin does not suspend another admin.
    assert client.post("/moderation/users/beheerder2/suspend", data=data).status_code == 403


def test_remove_content_removes_a_spammers_posts_in_one_action(app, make, auth, client):
    member = make.user("lid")
    spammer = make.user("spammer")
    own_thread = make.thread(member, title="Een echte vraag over afval")
    spam_thread = make.thread(spammer, title="Goedkope horloges hier", replies=2)
    spam_reply = make.reply(spammer, own_thread, "Koop nu horloges!")
    with app.app_context():
        count_before = db.session.scalar(select(Theme.thread_count).where(Theme.slug == THEME))
    make.user("moderator", role="moderator")
    auth.login("moderator")

    response = client.post("/moderation/users/spammer/remove-content", data={"reason": "Spam"})

    assert response.status_code == 303
    with app.app_context():
        states = set(db.session.scalars(select(Post.state).where(Post.author_id == spammer)))
        thread_state = db.session.get(Thread, spam_thread).state
        count_after = db.session.scalar(select(Theme.thread_count).where(Theme.slug == THEME))
        member_posts = set(db.session.scalars(select(Post.state).where(Post.author_id == member)))
    assert states == {"deleted"}
    assert thread_state == "deleted"
    assert member_posts == {"published"}
    assert count_after == count_before - 1
    assert make.get(Post, spam_reply).state == "deleted"
    assert "Goedkope horloges hier" not in text_of(client.get("/"))
    spammer_row = user_named(make, app, "spammer")
    assert spammer_row.is_suspended and spammer_row.suspended_until is None
    [entry] = log_entries(app, "remove_content")
    assert (entry.target_type, entry.target_id, entry.reason) == ("user", spammer, "Spam")
    assert entry.details == {"threads": 1, "posts": 4}


def test_remove_content_needs_a_reason(make, client, moderator):
    make.user("spammer")

    assert client.post("/moderation/users/spammer/remove-content", data={}).status_code == 422


def test_profile_shows_moderation_tools_to_staff_only(make, auth, client):
    make.user("lid")
    make.user("ander")
    make.user("moderator", role="moderator")
    auth.login("ander")
    assert "/moderation/users/lid/suspend" not in text_of(client.get("/users/lid"))
    auth.logout()
    auth.login("moderator")
    assert "/moderation/users/lid/suspend" in text_of(client.get("/users/lid"))


def test_cli_set_role_changes_the_role_and_prints_it(app, make, runner):
    make.user("lid")

    result = runner.invoke(args=["users", "set-role", "lid", "moderator"])

    assert result.exit_code == 0, result.output
    assert "moderator" in result.output
    assert user_named(make, app, "lid").role == "moderator"


def test_cli_set_role_refuses_an_unknown_user_or_role(make, runner):
    make.user("lid")

    unknown_user = runner.invoke(args=["users", "set-role", "niemand", "admin"])
    unknown_role = runner.invoke(args=["users", "set-role", "lid", "koning"])

    assert unknown_user.exit_code != 0
    assert "niemand" in unknown_user.output
    assert unknown_role.exit_code != 0
