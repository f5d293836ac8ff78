"""Pre-moderation: a new account's first posts wait for review, seen only by their author and
the moderators, and approval publishes them with their original time and notifications."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum071.extensions import db
from forum071.models import ModerationAction, Notification, Post, Theme, Thread, User
from tests.factories import PASSWORD

THEME = "circulaire-economie"
SUBMISSION_FIELD = re.compile(r'name="submission_id" type="hidden" value="([0-9a-f]{32})"')
QUESTION_TITLE = "Wie kent een goede leverancier van gerecycled plastic?"


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def app(app_factory):
    """An app with pre-moderation on: a new account's first two posts wait for review."""
    return app_factory(PREMODERATION_POSTS=2, RATELIMIT_ENABLED=False)


@pytest.fixture
def people(make) -> dict[str, int]:
    return {
        "nieuw": make.user("nieuwkomer"),
        "lid": make.user("vasteklant"),
        "volger": make.user("themavolger"),
        "mod": make.user("moderator", role="moderator"),
        "admin": make.user("beheerder", role="admin"),
        "ambtenaar": make.user("ambtenaar", role="official", official_verified=True),
    }


def english_client(app):
    """A client that reads the site in English, so assertions survive the translation."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def client_of(app, login: str):
    client = english_client(app)
    response = client.post("/auth/login", data={"login": login, "password": PASSWORD})
    assert response.status_code == 302, text_of(response)
    return client


def start_question(client, title: str = QUESTION_TITLE, body: str = "Graag tips!"):
    page = text_of(client.get("/threads/new"))
    data = {
        "kind": "question",
        "theme": THEME,
        "title": title,
        "body": body,
        "submission_id": SUBMISSION_FIELD.search(page).group(1),
    }
    return client.post("/threads/new", data=data)


def reply_to(client, thread_id: int, body: str):
    page = text_of(client.get(f"/threads/{thread_id}", follow_redirects=True))
    data = {"body": body, "submission_id": SUBMISSION_FIELD.search(page).group(1)}
    return client.post(f"/threads/{thread_id}/reply", data=data)


def thread_id_from(location: str) -> int:
    return int(re.search(r"/threads/(\d+)", location).group(1))


def opening_post_id(app, thread_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(Post.id).where(Post.thread_id == thread_id, Post.number == 1)
        )


def notifications_of(app, user_id: int) -> list[tuple[str, int | None]]:
    with app.app_context():
        return [
            (n.kind, n.post_id)
            for n in db.session.scalars(select(Notification).where(Notification.user_id == user_id))
        ]


@pytest.fixture
def pending_question(app, people) -> int:
    """The first question of a new account, as it waits for review."""
    client = client_of(app, "nieuwkomer")
    response = start_question(client)
    assert response.status_code == 303
    return thread_id_from(response.headers["Location"])


def test_new_accounts_first_question_waits_for_review(app, people):
    client = client_of(app, "nieuwkomer")
    response = start_question(client)
    assert response.status_code == 303
    thread_id = thread_id_from(response.headers["Location"])
    page = text_of(client.get(response.headers["Location"], follow_redirects=True))
    assert "Your post waits for a moderator&#39;s review" in page
    assert "Waiting for review" in page
    assert QUESTION_TITLE in page
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        post = db.session.scalar(select(Post).where(Post.thread_id == thread_id))
        assert (thread.state, post.state, post.number) == ("pending", "pending", 1)
        assert db.session.scalar(select(Theme.thread_count).where(Theme.slug == THEME)) == 0
        assert db.session.get(User, people["nieuw"]).published_post_count == 0


def test_pending_thread_is_a_404_for_other_members_and_visitors(app, people, pending_question):
    assert english_client(app).get(f"/threads/{pending_question}").status_code == 404
    other = client_of(app, "vasteklant")
    assert other.get(f"/threads/{pending_question}").status_code == 404
    assert other.get(f"/api/v1/threads/{pending_question}").status_code == 404


def test_pending_thread_is_in_no_list_count_profile_or_api(app, people, pending_question):
    visitor = english_client(app)
    for url in ("/", f"/themes/{THEME}", "/users/nieuwkomer", "/?kind=question",
                f"/themes/{THEME}?answered=false"):
        assert QUESTION_TITLE not in text_of(visitor.get(url)), url
    body = visitor.get("/api/v1/threads").get_json()
    assert body["total"] == 0 and body["items"] == []
    assert visitor.get("/api/v1/threads?kind=question").get_json()["total"] == 0
    themes = {t["slug"]: t for t in visitor.get("/api/v1/themes").get_json()["items"]}
    assert themes[THEME]["thread_count"] == 0


def test_moderator_sees_the_pending_thread_with_review_buttons(app, people, pending_question):
    page = text_of(client_of(app, "moderator").get(f"/threads/{pending_question}",
                                                    follow_redirects=True))
    assert QUESTION_TITLE in page
    post_id = opening_post_id(app, pending_question)
    assert f'action="/moderation/posts/{post_id}/approve"' in page


def test_approving_publishes_and_notifies_the_theme_follower_only_then(
    app, people, pending_question
):
    follower = client_of(app, "themavolger")
    # The follower follows the theme before the question is approved...
    assert follower.post(f"/themes/{THEME}/follow").status_code in (302, 303)
    assert notifications_of(app, people["volger"]) == []
    post_id = opening_post_id(app, pending_question)
    response = client_of(app, "moderator").post(f"/moderation/posts/{post_id}/approve")
    assert response.status_code == 303
    # ...and hears of it once it is published.
    assert notifications_of(app, people["volger"]) == [("new_thread", post_id)]
    assert QUESTION_TITLE in text_of(english_client(app).get(f"/themes/{THEME}"))
    assert english_client(app).get(f"/threads/{pending_question}",
                                 follow_redirects=True).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Theme.thread_count).where(Theme.slug == THEME)) == 1
        assert db.session.get(User, people["nieuw"]).published_post_count == 1
        actions = db.session.scalars(select(ModerationAction)).all()
        assert [(a.action, a.target_type, a.target_id) for a in actions] == [
            ("approve", "post", post_id)
        ]


def test_approval_keeps_the_original_time(app, people, pending_question):
    post_id = opening_post_id(app, pending_question)
    with app.app_context():
        # Pretend the question waited a day.
        post = db.session.get(Post, post_id)
        earlier = post.created_at - timedelta(days=1)
        post.created_at = earlier
        thread = db.session.get(Thread, pending_question)
        thread.created_at = thread.last_post_at = earlier
        db.session.commit()
    client_of(app, "moderator").post(f"/moderation/posts/{post_id}/approve")
    with app.app_context():
        assert db.session.get(Post, post_id).created_at == earlier
        assert db.session.get(Thread, pending_question).last_post_at == earlier
    item = english_client(app).get("/api/v1/threads").get_json()["items"][0]
    assert item["created_at"] == earlier.isoformat()


def test_pending_reply_waits_and_gets_its_number_at_approval(app, make, people):
    thread_id = make.thread(people["lid"], title="Een open draad")
    make.reply(people["lid"], thread_id, "Een eerste reactie.")
    newcomer = client_of(app, "nieuwkomer")
    response = reply_to(newcomer, thread_id, "Mijn **eerste** reactie.")
    assert response.status_code == 303
    assert "#post-pending-" in response.headers["Location"]
    page = text_of(newcomer.get(response.headers["Location"]))
    assert "Mijn <strong>eerste</strong> reactie." in page
    assert "Waiting for review" in page
    other = text_of(client_of(app, "vasteklant").get(f"/threads/{thread_id}",
                                                     follow_redirects=True))
    assert "eerste</strong> reactie" not in other
    assert "eerste</strong> reactie" not in text_of(
        english_client(app).get(f"/threads/{thread_id}", follow_redirects=True))
    api = english_client(app).get(f"/api/v1/threads/{thread_id}").get_json()
    assert api["post_count"] == 2 and len(api["posts"]) == 2
    # The thread's author follows it, but hears nothing until the reply is approved.
    assert notifications_of(app, people["lid"]) == []
    with app.app_context():
        post = db.session.scalar(select(Post).where(Post.author_id == people["nieuw"]))
        assert (post.state, post.number) == ("pending", None)
        assert db.session.get(Thread, thread_id).post_count == 2
    response = client_of(app, "moderator").post(f"/moderation/posts/{post.id}/approve")
    assert response.status_code == 303
    with app.app_context():
        approved = db.session.get(Post, post.id)
        assert (approved.state, approved.number) == ("published", 3)
        assert db.session.get(Thread, thread_id).post_count == 3
    assert notifications_of(app, people["lid"]) == [("reply", post.id)]
    api = english_client(app).get(f"/api/v1/threads/{thread_id}").get_json()
    assert [p["number"] for p in api["posts"]] == [1, 2, 3]


def test_approved_mention_notifies_the_member_then(app, make, people):
    thread_id = make.thread(people["lid"], title="Een draad met vermeldingen")
    reply_to(client_of(app, "nieuwkomer"), thread_id, "Wat vind jij, @themavolger?")
    assert notifications_of(app, people["volger"]) == []
    with app.app_context():
        post_id = db.session.scalar(select(Post.id).where(Post.author_id == people["nieuw"]))
    client_of(app, "moderator").post(f"/moderation/posts/{post_id}/approve")
    assert notifications_of(app, people["volger"]) == [("mention", post_id)]


def test_rejection_shows_the_reason_to_the_author_and_nothing_to_others(
    app, people, pending_question
):
    post_id = opening_post_id(app, pending_question)
    moderator = client_of(app, "moderator")
    response = moderator.post(f"/moderation/posts/{post_id}/reject", data={"reason": "Reclame"})
    assert response.status_code == 303
    page = text_of(client_of(app, "nieuwkomer").get(f"/threads/{pending_question}",
                                                     follow_redirects=True))
    assert "Rejected: Reclame" in page
    assert client_of(app, "vasteklant").get(f"/threads/{pending_question}").status_code == 404
    assert english_client(app).get(f"/threads/{pending_question}").status_code == 404
    with app.app_context():
        assert db.session.get(Thread, pending_question).state == "deleted"
        assert db.session.get(Post, post_id).state == "deleted"
        action = db.session.scalar(select(ModerationAction))
        assert (action.action, action.reason) == ("reject", "Reclame")


def test_rejected_reply_shows_its_reason_to_its_author(app, make, people):
    thread_id = make.thread(people["lid"], title="Nog een open draad")
    reply_to(client_of(app, "nieuwkomer"), thread_id, "Koop nu goedkope horloges")
    with app.app_context():
        post_id = db.session.scalar(select(Post.id).where(Post.author_id == people["nieuw"]))
    client_of(app, "moderator").post(f"/moderation/posts/{post_id}/reject",
                                     data={"reason": "Spam"})
    author_page = text_of(client_of(app, "nieuwkomer").get(f"/threads/{thread_id}",
                                                            follow_redirects=True))
    assert "Rejected: Spam" in author_page
    other_page = text_of(client_of(app, "vasteklant").get(f"/threads/{thread_id}",
                                                          follow_redirects=True))
    assert "Rejected" not in other_page and "horloges" not in other_page


def test_rejecting_needs_a_reason(app, people, pending_question):
    post_id = opening_post_id(app, pending_question)
    client_of(app, "moderator").post(f"/moderation/posts/{post_id}/reject", data={"reason": ""})
    with app.app_context():
        assert db.session.get(Post, post_id).state == "pending"
        assert db.session.scalar(select(func.count()).select_from(ModerationAction)) == 0


def test_approving_twice_says_already_handled(app, people, pending_question):
    post_id = opening_post_id(app, pending_question)
    first, second = client_of(app, "moderator"), client_of(app, "beheerder")
    assert first.post(f"/moderation/posts/{post_id}/approve").status_code == 303
    response = second.post(f"/moderation/posts/{post_id}/approve", follow_redirects=True)
    assert "already handled by another moderator" in text_of(response)
    second.post(f"/moderation/posts/{post_id}/reject", data={"reason": "Te laat"})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ModerationAction)) == 1
        assert db.session.get(Post, post_id).state == "published"
        assert db.session.get(User, people["nieuw"]).published_post_count == 1


def test_members_cannot_approve_or_reject(app, people, pending_question):
    post_id = opening_post_id(app, pending_question)
    member = client_of(app, "vasteklant")
    assert member.post(f"/moderation/posts/{post_id}/approve").status_code == 403
    assert member.post(f"/moderation/posts/{post_id}/reject",
                       data={"reason": "Nee"}).status_code == 403
    author = client_of(app, "nieuwkomer")
    assert author.post(f"/moderation/posts/{post_id}/approve").status_code == 403


def test_after_two_approved_posts_the_third_is_published_directly(app, make, people):
    newcomer = client_of(app, "nieuwkomer")
    moderator = client_of(app, "moderator")
    thread_id = make.thread(people["lid"], title="Een draad voor nieuwkomers")
    for number in (1, 2):
        reply_to(newcomer, thread_id, f"Reactie nummer {number}")
        with app.app_context():
            post_id = db.session.scalar(
                select(Post.id).where(Post.author_id == people["nieuw"], Post.state == "pending")
            )
        moderator.post(f"/moderation/posts/{post_id}/approve")
    response = reply_to(newcomer, thread_id, "Reactie nummer 3")
    assert response.headers["Location"].endswith("#post-4")
    assert "Your reply is posted" in text_of(newcomer.get(response.headers["Location"]))
    with app.app_context():
        states = db.session.execute(
            select(Post.body, Post.state, Post.number)
            .where(Post.author_id == people["nieuw"]).order_by(Post.id)
        ).all()
    assert [(state, number) for _, state, number in states] == [
        ("published", 2), ("published", 3), ("published", 4)
    ]


@pytest.mark.parametrize("login", ["moderator", "beheerder", "ambtenaar"])
def test_moderators_admins_and_verified_officials_skip_the_queue(app, people, login):
    response = start_question(client_of(app, login))
    thread_id = thread_id_from(response.headers["Location"])
    with app.app_context():
        assert db.session.get(Thread, thread_id).state == "published"
    visitor = english_client(app)
    assert visitor.get(f"/threads/{thread_id}", follow_redirects=True).status_code == 200


def test_unverified_official_waits_for_review(app, make):
    make.user("nieuweambtenaar", role="official")
    response = start_question(client_of(app, "nieuweambtenaar"))
    with app.app_context():
        thread = db.session.get(Thread, thread_id_from(response.headers["Location"]))
        assert thread.state == "pending"


def test_premoderation_posts_zero_switches_it_off(app_factory, make):
    app = app_factory(PREMODERATION_POSTS=0, RATELIMIT_ENABLED=False)
    make.user("nieuwkomer")
    response = start_question(client_of(app, "nieuwkomer"))
    thread_id = thread_id_from(response.headers["Location"])
    with app.app_context():
        assert db.session.get(Thread, thread_id).state == "published"
        assert db.session.scalar(select(Theme.thread_count).where(Theme.slug == THEME)) == 1
    assert QUESTION_TITLE in text_of(english_client(app).get("/"))
