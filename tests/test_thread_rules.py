"""Thread rules from issue 10: a merged thread's address leads on, a lock says why, and names
(usernames, titles, organisations) take Unicode letters but no direction controls."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from forum071.extensions import db
from forum071.models import ContentState, ModerationAction, Thread
from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def english(client):
    """Read the pages in English, the language the messages are written in."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def logged_in(app, username: str):
    """A fresh browser of its own, logged in as this member."""
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = browser.post("/auth/login", data={"login": username, "password": PASSWORD})
    assert response.status_code == 302, text_of(response)
    return browser


def merge(moderator, source: int, target: int) -> None:
    response = moderator.post(f"/moderation/threads/{source}/merge", data={"into": str(target)})
    assert response.status_code == 303, text_of(response)


def path_of(response) -> str:
    """The redirect's target as path, query and fragment (the host does not matter here)."""
    parts = urlsplit(response.headers["Location"])
    return parts.path + (f"?{parts.query}" if parts.query else "") + (
        f"#{parts.fragment}" if parts.fragment else ""
    )


def slug_of(make, thread_id: int) -> str:
    return make.get(Thread, thread_id).slug


def set_state(app, thread_id: int, state: ContentState) -> None:
    with app.app_context():
        db.session.get(Thread, thread_id).state = state.value
        db.session.commit()


# A merged thread's address


@pytest.fixture
def world(app, make):
    """Two members' threads and a logged-in moderator's browser."""
    author = make.user("auteur")
    other = make.user("ander")
    make.user("moderator", role="moderator")
    target = make.thread(other, title="Doeldraad over afval", body="Doel")
    source = make.thread(author, title="Brondraad over afval", body="Bron")
    return {"author": author, "other": other, "target": target, "source": source,
            "moderator": logged_in(app, "moderator")}


@pytest.mark.parametrize("viewer", ["visitor", "member"])
@pytest.mark.parametrize("address", ["bare", "slugged"])
def test_merged_thread_address_redirects_everyone_who_may_see_the_target(
    app, make, client, world, viewer, address
):
    source, target = world["source"], world["target"]
    slug = slug_of(make, source)
    merge(world["moderator"], source, target)
    browser = client
    if viewer == "member":
        make.user("lezer")
        browser = logged_in(app, "lezer")
    url = f"/threads/{source}" if address == "bare" else f"/threads/{source}-{slug}"

    response = browser.get(url)

    assert response.status_code == 301
    # The source's opening post came along as post 2 of the target (it is newer).
    assert path_of(response) == f"/threads/{target}-{slug_of(make, target)}#post-2"
    assert browser.get(path_of(response)).status_code == 200


def test_merged_thread_redirect_finds_the_moved_post_on_its_page(app, make, client, world):
    target = world["target"]
    for number in range(25):
        make.reply(world["other"], target, f"Antwoord {number}")
    # Newer than the 25 replies: its opening post becomes post 27, on the second page.
    source = make.thread(world["author"], title="Latere draad over afval", body="Later")
    merge(world["moderator"], source, target)

    response = client.get(f"/threads/{source}")

    assert response.status_code == 301
    assert path_of(response) == f"/threads/{target}-{slug_of(make, target)}?page=2#post-27"


def test_merges_one_after_another_lead_straight_to_the_last_thread(app, make, client, world):
    last = make.thread(world["other"], title="Laatste draad over afval", body="Laatst")
    merge(world["moderator"], world["source"], world["target"])
    merge(world["moderator"], world["target"], last)

    first = client.get(f"/threads/{world['source']}")
    second = client.get(f"/threads/{world['target']}-{slug_of(make, world['target'])}")

    assert first.status_code == second.status_code == 301
    assert urlsplit(first.headers["Location"]).path == f"/threads/{last}-{slug_of(make, last)}"
    assert urlsplit(second.headers["Location"]).path == f"/threads/{last}-{slug_of(make, last)}"


def test_merge_into_a_thread_the_viewer_may_not_see_stays_not_found(app, make, client, world):
    source, target = world["source"], world["target"]
    set_state(app, target, ContentState.PENDING)
    merge(world["moderator"], source, target)

    assert client.get(f"/threads/{source}").status_code == 404
    assert logged_in(app, "auteur").get(f"/threads/{source}").status_code == 404
    # The target's author and the moderators see the pending thread, so they are sent on.
    assert logged_in(app, "ander").get(f"/threads/{source}").status_code == 301
    assert world["moderator"].get(f"/threads/{source}").status_code == 301


def test_a_deleted_thread_that_was_not_merged_stays_not_found(app, make, client, world):
    set_state(app, world["source"], ContentState.DELETED)

    assert client.get(f"/threads/{world['source']}").status_code == 404


# A lock's reason


def test_lock_without_a_reason_is_refused_with_a_clear_message(app, make, world):
    moderator = world["moderator"]

    response = moderator.post(f"/moderation/threads/{world['target']}/lock", data={"reason": " "})

    assert response.status_code == 422
    assert "Say why the thread is locked." in text_of(response)
    assert 'name="reason"' in text_of(response)
    assert make.get(Thread, world["target"]).locked is False


def test_lock_with_a_too_long_reason_keeps_what_was_typed(app, make, world):
    typed = "Te fel gesprek " * 40

    response = world["moderator"].post(
        f"/moderation/threads/{world['target']}/lock", data={"reason": typed}
    )

    assert response.status_code == 422
    assert typed.strip() in text_of(response)
    assert make.get(Thread, world["target"]).locked is False


def test_lock_reason_is_shown_on_the_thread_and_in_the_public_log(app, make, client, world):
    target = world["target"]

    response = world["moderator"].post(
        f"/moderation/threads/{target}/lock", data={"reason": "Het gesprek ontspoorde"}
    )

    assert response.status_code == 303
    assert make.get(Thread, target).lock_reason == "Het gesprek ontspoorde"
    page = text_of(client.get(f"/threads/{target}", follow_redirects=True))
    assert "Locked by a moderator: Het gesprek ontspoorde" in page
    log = text_of(client.get("/moderation/log/public"))
    assert "Het gesprek ontspoorde" in log
    with app.app_context():
        entry = db.session.scalar(select(ModerationAction).where(ModerationAction.action == "lock"))
        assert entry.reason == "Het gesprek ontspoorde"


def test_unlock_clears_the_lock_reason(app, make, client, world):
    target = world["target"]
    world["moderator"].post(f"/moderation/threads/{target}/lock", data={"reason": "Even rust"})

    response = world["moderator"].post(f"/moderation/threads/{target}/unlock")

    assert response.status_code == 303
    assert make.get(Thread, target).lock_reason == ""
    assert "Even rust" not in text_of(client.get(f"/threads/{target}", follow_redirects=True))


def test_thread_moderation_controls_ask_the_lock_reason(world):
    page = text_of(world["moderator"].get(f"/threads/{world['target']}", follow_redirects=True))
    form = page.split(f'action="/moderation/threads/{world["target"]}/lock"', 1)[1]
    form = form.split("</form>", 1)[0]

    assert 'name="reason"' in form
    assert "required" in form


def test_lock_reason_is_shown_as_text(app, make, client, world):
    target = world["target"]
    world["moderator"].post(
        f"/moderation/threads/{target}/lock", data={"reason": "<script>alert(1)</script>"}
    )

    page = text_of(client.get(f"/threads/{target}", follow_redirects=True))

    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
