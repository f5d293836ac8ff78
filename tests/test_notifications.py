"""Following threads, themes and projects, and the notifications they bring, through HTTP."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from forum071.extensions import db
from forum071.models import Notification, Thread, ThreadFollow, User
from tests.factories import PASSWORD
from tests.test_threads import reply_form, thread_form

THEME = "circulaire-economie"
PROJECT = "smart071"


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def logged_in_client(app, username: str):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post("/auth/login", data={"login": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def notifications_of(app, username: str) -> list[tuple[str, str | None, int | None, bool]]:
    """(kind, actor, thread id, unread) of a user's notifications, oldest first."""
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == username))
        rows = db.session.scalars(
            select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)
        ).all()
        return [
            (row.kind, row.actor.username if row.actor else None, row.thread_id, row.unread)
            for row in rows
        ]


def kinds_of(app, username: str) -> list[str]:
    return [kind for kind, *_ in notifications_of(app, username)]


def notification_ids(app, username: str) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Notification.id)
                .join(User, User.id == Notification.user_id)
                .where(User.username == username)
                .order_by(Notification.id)
            )
        )


@pytest.fixture
def people(make):
    """An asker, two repliers and a bystander."""
    return {name: make.user(name) for name in ("femke", "lotte", "bas", "anouk")}


@pytest.fixture
def thread_id(make, people) -> int:
    return make.thread(people["femke"], title="Een laadplein voor het bedrijventerrein")


# Following threads ---------------------------------------------------------------------------


def test_replying_notifies_followers_but_not_the_replier(app, make, people, thread_id):
    make.reply(people["lotte"], thread_id, "Ik help mee.")
    bas = logged_in_client(app, "bas")
    response = bas.post(f"/threads/{thread_id}/reply", data=reply_form(bas, thread_id, "Ik ook"))
    assert response.status_code == 303
    assert notifications_of(app, "femke") == [
        ("reply", "lotte", thread_id, True),
        ("reply", "bas", thread_id, True),
    ]
    assert notifications_of(app, "lotte") == [("reply", "bas", thread_id, True)]
    assert notifications_of(app, "bas") == []
    assert notifications_of(app, "anouk") == []


def test_a_resubmitted_reply_notifies_followers_once(app, make, people, thread_id):
    bas = logged_in_client(app, "bas")
    data = reply_form(bas, thread_id, "Dubbel geklikt")
    for _ in range(2):
        assert bas.post(f"/threads/{thread_id}/reply", data=data).status_code == 303
    assert kinds_of(app, "femke") == ["reply"]


def test_following_a_thread_brings_its_replies(app, client, auth, make, people, thread_id):
    assert auth.login("anouk").status_code == 302
    response = client.post(f"/threads/{thread_id}/follow")
    assert response.status_code == 303
    assert f"/threads/{thread_id}" in response.headers["Location"]
    make.reply(people["lotte"], thread_id)
    assert notifications_of(app, "anouk") == [("reply", "lotte", thread_id, True)]
    page = text_of(client.get(response.headers["Location"]))
    assert f'action="/threads/{thread_id}/unfollow"' in page
    assert "Stop following" in page


def test_unfollowed_thread_stops_notifications_even_after_replying_again(
    app, make, people, thread_id
):
    lotte = logged_in_client(app, "lotte")
    lotte.post(f"/threads/{thread_id}/reply", data=reply_form(lotte, thread_id, "Eerste"))
    assert lotte.post(f"/threads/{thread_id}/unfollow").status_code == 303
    make.reply(people["bas"], thread_id, "Tussendoor")
    lotte.post(f"/threads/{thread_id}/reply", data=reply_form(lotte, thread_id, "Nog eentje"))
    make.reply(people["bas"], thread_id, "En nog een")
    assert notifications_of(app, "lotte") == []
    page = text_of(lotte.get(f"/threads/{thread_id}", follow_redirects=True))
    assert f'action="/threads/{thread_id}/follow"' in page


def test_following_again_after_stopping_brings_replies_again(app, make, people, thread_id):
    femke = logged_in_client(app, "femke")
    femke.post(f"/threads/{thread_id}/unfollow")
    make.reply(people["bas"], thread_id, "Niet gemeld")
    femke.post(f"/threads/{thread_id}/follow")
    make.reply(people["bas"], thread_id, "Wel gemeld")
    assert kinds_of(app, "femke") == ["reply"]


def test_following_twice_keeps_one_follow(app, client, auth, people, thread_id):
    auth.login("anouk")
    client.post(f"/threads/{thread_id}/follow")
    client.post(f"/threads/{thread_id}/follow")
    with app.app_context():
        follows = db.session.scalars(
            select(ThreadFollow).where(ThreadFollow.user_id == people["anouk"])
        ).all()
        assert [(f.thread_id, f.active) for f in follows] == [(thread_id, True)]


def test_follow_button_keeps_the_page_the_member_was_on(app, client, auth, make, people):
    thread = make.thread(people["femke"], title="Een lange draad", replies=25)
    auth.login("anouk")
    page = text_of(client.get(f"/threads/{thread}-een-lange-draad?page=2"))
    match = re.search(r'name="next" value="([^"]+)"', page)
    assert match and match.group(1) == f"/threads/{thread}-een-lange-draad?page=2"
    response = client.post(f"/threads/{thread}/follow", data={"next": match.group(1)})
    assert response.headers["Location"] == f"/threads/{thread}-een-lange-draad?page=2"
    response = client.post(f"/threads/{thread}/unfollow", data={"next": "https://evil.example"})
    assert response.headers["Location"] == f"/threads/{thread}-een-lange-draad"


def test_visitors_see_no_follow_button(client, thread_id):
    page = text_of(client.get(f"/threads/{thread_id}", follow_redirects=True))
    assert "/follow" not in page


@pytest.mark.parametrize(
    "url", ["/threads/999999/follow", "/themes/geen-thema/follow", "/projects/geen/unfollow"]
)
def test_following_something_missing_is_404(client, auth, people, url):
    auth.login("anouk")
    assert client.post(url).status_code == 404


# Following themes and projects ---------------------------------------------------------------


def test_a_theme_follower_is_notified_of_a_new_thread_there(app, client, auth, make, people):
    auth.login("anouk")
    response = client.post(f"/themes/{THEME}/follow")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/themes/{THEME}"
    page = text_of(client.get(f"/themes/{THEME}"))
    assert f'action="/themes/{THEME}/unfollow"' in page
    femke = logged_in_client(app, "femke")
    data = thread_form(femke, title="Statiegeld op koffiebekers")
    response = femke.post("/threads/new", data=data)
    assert response.status_code == 303
    new_thread = int(re.search(r"/threads/(\d+)", response.headers["Location"]).group(1))
    make.thread(people["lotte"], theme="duurzame-mobiliteit")
    assert notifications_of(app, "anouk") == [("new_thread", "femke", new_thread, True)]
    page = text_of(client.get("/notifications"))
    assert "femke started Statiegeld op koffiebekers" in page


def test_unfollowing_a_theme_stops_its_new_threads(app, client, auth, make, people):
    auth.login("anouk")
    client.post(f"/themes/{THEME}/follow")
    assert client.post(f"/themes/{THEME}/unfollow").status_code == 303
    make.thread(people["femke"], theme=THEME)
    assert notifications_of(app, "anouk") == []
    assert f'action="/themes/{THEME}/follow"' in text_of(client.get(f"/themes/{THEME}"))


def test_a_project_follower_is_notified_of_a_new_thread_about_it(app, client, auth, make, people):
    auth.login("anouk")
    assert client.post(f"/projects/{PROJECT}/follow").status_code == 303
    assert f'action="/projects/{PROJECT}/unfollow"' in text_of(client.get(f"/projects/{PROJECT}"))
    make.thread(people["femke"], theme="smart071", projects=(PROJECT,))
    make.thread(people["femke"], theme="smart071")
    assert kinds_of(app, "anouk") == ["new_thread"]
    client.post(f"/projects/{PROJECT}/unfollow")
    make.thread(people["femke"], theme="smart071", projects=(PROJECT,))
    assert kinds_of(app, "anouk") == ["new_thread"]


def test_following_theme_and_project_gives_one_notification_per_thread(
    app, client, auth, make, people
):
    auth.login("anouk")
    client.post("/themes/smart071/follow")
    client.post(f"/projects/{PROJECT}/follow")
    make.thread(people["femke"], theme="smart071", projects=(PROJECT,))
    assert kinds_of(app, "anouk") == ["new_thread"]


def test_the_author_of_a_new_thread_is_not_told_of_it(app, client, auth, make, people):
    auth.login("femke")
    client.post(f"/themes/{THEME}/follow")
    make.thread(people["femke"], theme=THEME)
    assert notifications_of(app, "femke") == []


def test_visitors_see_no_theme_or_project_follow_button(client):
    assert "/follow" not in text_of(client.get(f"/themes/{THEME}"))
    assert "/follow" not in text_of(client.get(f"/projects/{PROJECT}"))


# The notifications page ----------------------------------------------------------------------


def test_notifications_page_needs_a_login(client):
    response = client.get("/notifications")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_notifications_page_says_what_happened_and_links_to_it(app, make, people, thread_id):
    reply_id = make.reply(people["lotte"], thread_id, "Hier is mijn antwoord")
    femke = logged_in_client(app, "femke")
    page = text_of(femke.get("/notifications"))
    assert "lotte replied in Een laadplein voor het bedrijventerrein" in page
    [notification_id] = notification_ids(app, "femke")
    assert f'action="/notifications/{notification_id}/read"' in page
    response = femke.post(f"/notifications/{notification_id}/read")
    assert response.status_code == 303
    assert re.search(rf"/threads/{thread_id}-[a-z-]+#post-2$", response.headers["Location"])
    assert make.get(Notification, notification_id).read_at is not None
    assert reply_id
    # A read notification is an ordinary link to the post.
    page = text_of(femke.get("/notifications"))
    assert f'href="{response.headers["Location"]}"' in page


def test_notification_on_a_later_page_links_to_that_page(app, make, people):
    thread = make.thread(people["femke"], title="Drukke draad", replies=24,
                         reply_author_id=people["lotte"])
    femke = logged_in_client(app, "femke")
    newest = notification_ids(app, "femke")[-1]
    response = femke.post(f"/notifications/{newest}/read")
    assert response.headers["Location"] == f"/threads/{thread}-drukke-draad?page=2#post-25"


def test_unread_come_first_then_read_newest_first(app, make, people, thread_id):
    for number in range(4):
        make.reply(people["lotte"], thread_id, f"Reactie {number}")
    femke = logged_in_client(app, "femke")
    ids = notification_ids(app, "femke")
    femke.post(f"/notifications/{ids[0]}/read")
    femke.post(f"/notifications/{ids[2]}/read")
    page = text_of(femke.get("/notifications"))
    listing = page[page.index('<ol class="notification-list">'):page.index("</ol>")]
    # Unread: a button that marks read (by notification id); read: a link (to the post number).
    shown = re.findall(r'/notifications/(\d+)/read"|#post-(\d+)"', listing)
    assert shown == [(str(ids[3]), ""), (str(ids[1]), ""), ("", "4"), ("", "2")]


def test_notifications_come_twenty_a_page(app, make, people, thread_id):
    for number in range(23):
        make.reply(people["lotte"], thread_id, f"Reactie {number}")
    femke = logged_in_client(app, "femke")
    first = text_of(femke.get("/notifications"))
    assert first.count('class="notification notification--unread"') == 20
    second = text_of(femke.get("/notifications?page=2"))
    assert second.count('class="notification notification--unread"') == 3
    assert femke.get("/notifications?page=3").status_code == 404


def test_mark_all_read(app, make, people, thread_id):
    make.reply(people["lotte"], thread_id)
    make.reply(people["bas"], thread_id)
    femke = logged_in_client(app, "femke")
    assert "Mark all read" in text_of(femke.get("/notifications"))
    response = femke.post("/notifications/read")
    assert response.status_code == 303
    assert response.headers["Location"] == "/notifications"
    assert [unread for *_, unread in notifications_of(app, "femke")] == [False, False]
    assert notifications_of(app, "lotte") == [("reply", "bas", thread_id, True)]
    page = text_of(femke.get("/notifications"))
    assert "Mark all read" not in page
    assert "0 unread notifications." in page


def test_someone_elses_notification_is_404(app, make, people, thread_id):
    make.reply(people["lotte"], thread_id)
    [notification_id] = notification_ids(app, "femke")
    bas = logged_in_client(app, "bas")
    assert bas.post(f"/notifications/{notification_id}/read").status_code == 404
    assert bas.post("/notifications/999999/read").status_code == 404
    assert notifications_of(app, "femke")[0][-1] is True
    assert "Een laadplein" not in text_of(bas.get("/notifications"))


def test_header_shows_the_unread_count(app, client, make, people, thread_id):
    femke = logged_in_client(app, "femke")
    header = text_of(femke.get("/"))
    assert '<a href="/notifications"' in header
    assert "unread</span>" not in header
    for _ in range(3):
        make.reply(people["lotte"], thread_id)
    header = text_of(femke.get("/"))
    assert re.search(
        r'>Notifications <span aria-hidden="true">\(3\)</span>'
        r'<span class="visually-hidden">, 3 unread</span></a>',
        header,
    )
    femke.post("/notifications/read")
    assert "3 unread" not in text_of(femke.get("/"))
    assert "/notifications" not in text_of(client.get("/"))


def test_titles_and_names_are_escaped_on_the_notifications_page(app, make, people):
    thread = make.thread(people["femke"], title="<script>alert('x')</script>")
    make.reply(people["lotte"], thread)
    page = text_of(logged_in_client(app, "femke").get("/notifications"))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(" in page


def test_notifications_page_renders_in_dutch(app, make, people, thread_id):
    make.reply(people["lotte"], thread_id)
    femke = logged_in_client(app, "femke")
    femke.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    assert femke.get("/notifications").status_code == 200


def test_deleted_thread_takes_its_notifications_along(app, make, people, thread_id):
    make.reply(people["lotte"], thread_id)
    with app.app_context():
        db.session.delete(db.session.get(Thread, thread_id))
        db.session.commit()
    femke = logged_in_client(app, "femke")
    assert femke.get("/notifications").status_code == 200
    assert notifications_of(app, "femke") == []
