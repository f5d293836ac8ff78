"""Thread rules from issue 10: a merged thread's address leads on, a lock says why, and names
(usernames, titles, organisations) take Unicode letters but no direction controls."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from forum071.extensions import db
from forum071.models import ContentState, ModerationAction, Notification, Post, Thread, User
from tests.factories import PASSWORD
from tests.test_auth import NEW_USER


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


# Names: Unicode letters, no look-alikes, no direction controls

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE


def register(app, username: str, **fields):
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return browser.post("/auth/register", data={**NEW_USER, "username": username, **fields})


def usernames(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(User.username)))


@pytest.mark.parametrize("typed", ["åsa_jürgen", "Åsa_Jürgen", "a\u030asa_ju\u0308rgen"])
def test_usernames_take_letters_of_any_alphabet_stored_in_nfc(app, typed):
    response = register(app, typed)

    assert response.status_code == 302, text_of(response)
    assert "åsa_jürgen" in usernames(app)


@pytest.mark.parametrize("name", ["ζωή_2026", "мария", "дмитрий_7", "さくら", "김민준"])
def test_usernames_in_other_scripts_are_accepted(app, name):
    assert register(app, name).status_code == 302


def test_unicode_username_has_working_profile_links_and_login(app, make, client):
    register(app, "åsa_jürgen")
    author = db_user_id(app, "åsa_jürgen")
    thread_id = make.thread(author, title="Åsa vraagt iets")

    page = text_of(client.get(f"/threads/{thread_id}", follow_redirects=True))

    assert 'href="/users/%C3%A5sa_j%C3%BCrgen"' in page
    assert client.get("/users/%C3%A5sa_j%C3%BCrgen").status_code == 200
    # Another way of typing the same name finds the same profile.
    assert client.get("/users/A%CC%8Asa_J%C3%BCrgen").status_code == 200
    assert logged_in(app, "ÅSA_JÜRGEN") is not None


def test_another_way_of_typing_a_unicode_name_finds_it_for_moderators_and_search(
    app, make, client, world
):
    register(app, "åsa_jürgen")
    make.thread(db_user_id(app, "åsa_jürgen"), title="Åsa vraagt naar zonnedaken")
    decomposed = "A%CC%8Asa_Ju%CC%88rgen"  # Å and ü as letter plus combining mark

    suspended = world["moderator"].post(
        f"/moderation/users/{decomposed}/suspend", data={"reason": "Test", "until": ""}
    )
    found = client.get(f"/api/v1/search?q=zonnedaken&author={decomposed}")

    assert suspended.status_code == 303
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "åsa_jürgen"))
        assert user.suspended_at is not None
    assert found.status_code == 200
    assert [item["author"] for item in found.get_json()["items"]] == ["åsa_jürgen"]


def db_user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


@pytest.mark.parametrize(
    ("existing", "lookalike"),
    [
        ("paypal", "\u0440\u0430\u0443\u0440\u0430l"),  # Cyrillic er, a, u pass for p, a, y
        ("anne1", "annel"),
        ("modern", "rnodern"),
        ("strasse", "straße"),
        ("sofie", "\uff53\uff4f\uff46\uff49\uff45"),  # full width: NFKC makes it "sofie"
    ],
)
def test_a_username_that_looks_like_an_existing_one_is_refused(app, make, existing, lookalike):
    make.user(existing)

    response = register(app, lookalike)

    assert response.status_code == 422
    page = text_of(response)
    assert "looks too much like" in page or "ordinary letters" in page or "one alphabet" in page
    assert lookalike not in usernames(app)


def test_a_lookalike_of_an_existing_name_says_whose(app, make):
    make.user("anne1")

    page = text_of(register(app, "annel"))

    assert "This username looks too much like that of the member “anne1”." in page


def test_a_username_mixing_scripts_is_refused(app):
    # A Cyrillic "a" (U+0430) in the middle of Latin letters.
    response = register(app, "m\u0430rieke")

    assert response.status_code == 422
    assert "Use the letters of one alphabet" in text_of(response)


@pytest.mark.parametrize("name", ["ann.lies", "ann lies", "ann\u02bclies", "ann\u0335lies", "x"])
def test_usernames_with_other_characters_are_refused(app, name):
    assert register(app, name).status_code == 422


def test_a_username_with_a_direction_control_is_refused_and_kept(app):
    typed = f"ann{RLO}seil"

    response = register(app, typed)

    assert response.status_code == 422
    page = text_of(response)
    assert "text-direction characters" in page
    assert f'value="{typed}"' in page


@pytest.mark.parametrize(
    "control", ["\u202a", "\u202b", "\u202c", "\u202d", RLO, "\u2066", "\u2067", "\u2068",
                "\u2069", "\u200e", "\u200f", "\u061c"]
)
def test_a_thread_title_with_a_direction_control_is_refused_and_kept(app, make, control):
    from tests.test_threads import thread_form

    make.user("schrijver")
    browser = logged_in(app, "schrijver")
    title = f"Factuur {control}fdp.exe bekijken"

    response = browser.post("/threads/new", data=thread_form(browser, title=title))

    assert response.status_code == 422
    page = text_of(response)
    assert "text-direction characters" in page
    assert title in page
    with app.app_context():
        assert db.session.scalar(select(Thread.id)) is None


def test_an_organisation_with_a_direction_control_is_refused(app, make):
    registration = register(app, "nieuwkomer", organisation=f"Bakkerij {RLO}kaB")
    make.user("lid")
    browser = logged_in(app, "lid")
    profile = browser.post("/users/lid/edit", data={"organisation": f"Zeep{RLO}", "bio": "Hoi"})

    assert registration.status_code == 422
    assert "text-direction characters" in text_of(registration)
    assert profile.status_code == 422
    assert "text-direction characters" in text_of(profile)
    assert make.get(User, db_user_id(app, "lid")).organisation == ""


def test_a_split_title_with_a_direction_control_is_refused(app, make, world):
    reply_id = make.reply(world["other"], world["target"], "Een zijspoor")

    response = world["moderator"].post(
        f"/moderation/threads/{world['target']}/split",
        data={"post_ids": [str(reply_id)], "title": f"Zijspoor {RLO}raaw"},
    )

    assert response.status_code == 422
    assert "text-direction characters" in text_of(response)


def test_posts_keep_their_direction_marks(app, make, world):
    # Arabic and Hebrew text in posts needs them (SECURITY.md R2): only names refuse them.
    from tests.test_threads import reply_form

    browser = logged_in(app, "ander")
    hebrew = "\u05e9\u05dc\u05d5\u05dd \u200f\u05e2\u05d5\u05dc\u05dd\u200f"
    body = f"{hebrew} and \u0645\u0631\u062d\u0628\u0627"
    response = browser.post(
        f"/threads/{world['target']}/reply", data=reply_form(browser, world["target"], body)
    )

    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Post.body).order_by(Post.id.desc())) == body


def test_mentions_of_unicode_usernames_link_and_notify(app, make, world):
    from tests.test_threads import reply_form

    register(app, "åsa_jürgen")
    browser = logged_in(app, "ander")
    body = "Vraag het @Åsa_Jürgen, of @åsa_jürgen."

    response = browser.post(
        f"/threads/{world['target']}/reply", data=reply_form(browser, world["target"], body)
    )

    assert response.status_code == 303
    with app.app_context():
        post = db.session.scalar(select(Post).order_by(Post.id.desc()))
        assert '<a href="/users/%C3%A5sa_j%C3%BCrgen" rel="nofollow ugc noopener">' in (
            post.body_html
        )
        kinds = db.session.scalars(
            select(Notification.kind).where(Notification.user_id == db_user_id(app, "åsa_jürgen"))
        ).all()
    assert kinds == ["mention"]


def test_cli_creates_unicode_usernames_and_refuses_lookalikes(app, make, runner):
    make.user("anne1")

    created = runner.invoke(
        args=["users", "create", "Åsa", "asa@example.org", "--password-stdin"],
        input=f"{PASSWORD}\n",
    )
    refused = runner.invoke(
        args=["users", "create", "annel", "annel@example.org", "--password-stdin"],
        input=f"{PASSWORD}\n",
    )

    assert created.exit_code == 0, created.output
    assert "åsa" in usernames(app)
    assert refused.exit_code != 0
    assert "annel" not in usernames(app)
