"""Issue 4's story end to end: the queue, flags, and removing a spammer, through HTTP."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.conftest import CSRFClient
from tests.factories import PASSWORD


def member(app, make, username: str, role: str = "entrepreneur") -> CSRFClient:
    make.user(username, role=role)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post("/auth/login", data={"login": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def app(app_factory):
    return app_factory(PREMODERATION_POSTS=2)


def test_queue_flags_and_removing_a_spammer(app, make):
    follower = member(app, make, "themavolger")
    assert follower.post("/themes/retail/follow").status_code == 303
    newcomer = member(app, make, "nieuwkomer")
    moderator = member(app, make, "moderator_mo", role="moderator")

    # A new account's first question waits in the queue, unseen by others.
    response = newcomer.post(
        "/threads/new",
        data={
            "kind": "question",
            "theme": "retail",
            "title": "Wie weet iets over winkelleegstand?",
            "body": "Ik zoek cijfers over leegstand in de binnenstad.",
            "submission_id": uuid.uuid4().hex,
        },
    )
    assert response.status_code == 303
    thread_id = int(re.search(r"/threads/(\d+)", response.headers["Location"]).group(1))
    assert follower.get(f"/threads/{thread_id}").status_code == 404
    assert "winkelleegstand" not in follower.get("/notifications").get_data(as_text=True)
    queue = moderator.get("/moderation/queue").get_data(as_text=True)
    assert "Wie weet iets over winkelleegstand?" in queue

    # A moderator approves it and the theme's follower is notified.
    opening_post_id = int(re.search(r"/moderation/posts/(\d+)/approve", queue).group(1))
    approved = moderator.post(f"/moderation/posts/{opening_post_id}/approve", data={"reason": ""})
    assert approved.status_code == 303
    assert follower.get(f"/threads/{thread_id}", follow_redirects=True).status_code == 200
    assert "Wie weet iets over winkelleegstand?" in follower.get("/notifications").get_data(
        as_text=True
    )

    # A spammer (already past pre-moderation) replies; three members flag it; it disappears.
    spammer_id = make.user("spammer_sp", published_post_count=5)
    spam_post_id = make.reply(spammer_id, thread_id, "KOOP GOEDKOPE HORLOGES-SPAM-7731")
    for name in ("melder_een", "melder_twee", "melder_drie"):
        flagger = member(app, make, name)
        response = flagger.post(f"/posts/{spam_post_id}/flag", data={"reason": "spam"})
        assert response.status_code == 303
    page = follower.get(f"/threads/{thread_id}", follow_redirects=True).get_data(as_text=True)
    assert "HORLOGES-SPAM-7731" not in page

    # The moderator suspends the spammer and removes their posts in one action.
    removed = moderator.post(
        "/moderation/users/spammer_sp/remove-content", data={"reason": "Spam"}
    )
    assert removed.status_code == 303
    spammer = app.test_client()
    response = spammer.post("/auth/login", data={"login": "spammer_sp", "password": PASSWORD})
    assert response.status_code == 302
    reply = spammer.post(f"/threads/{thread_id}/reply", data={"body": "Nog meer spam"})
    assert reply.status_code == 403

    public_log = app.test_client().get(
        "/moderation/log/public", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "spammer_sp" in public_log
    assert "moderator_mo" not in public_log
