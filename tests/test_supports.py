"""Supporting (liking) posts through HTTP: once per member, counted, undone, race-free."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select

from forum071.extensions import db
from forum071.models import Post, Support
from tests.factories import PASSWORD


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def author(make) -> int:
    return make.user("schrijver")


@pytest.fixture
def thread_id(make, author) -> int:
    return make.thread(author, title="Deelauto's op het Bio Science Park", replies=1)


@pytest.fixture
def post_id(make, thread_id) -> int:
    return make.first_post_id(thread_id)


@pytest.fixture
def member(make, auth) -> int:
    user_id = make.user("supporter")
    assert auth.login("supporter").status_code == 302
    return user_id


def supports_of(app, post_id: int) -> tuple[int, int]:
    """The post's counter and the number of support rows: they must always agree."""
    with app.app_context():
        counter = db.session.scalar(select(Post.support_count).where(Post.id == post_id))
        rows = db.session.scalar(
            select(func.count()).select_from(Support).where(Support.post_id == post_id)
        )
        return counter, rows


def logged_in_client(app, username: str):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post("/auth/login", data={"login": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def copies_of(app, client, count: int) -> list:
    """Clients sharing one logged-in session: the same member in several tabs at once."""
    with client.session_transaction() as session:
        copied = dict(session)
    clients = []
    for _ in range(count):
        twin = app.test_client()
        with twin.session_transaction() as session:
            session.update(copied)
        clients.append(twin)
    return clients


def at_once(requests: list[tuple]) -> list:
    """Send (client, url, data) requests from threads released together by a barrier."""
    barrier = threading.Barrier(len(requests))
    answers: list = []

    def send(sender, url, data) -> None:
        barrier.wait()
        answers.append(sender.post(url, data=data, csrf=False))

    workers = [threading.Thread(target=send, args=request) for request in requests]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert len(answers) == len(requests)
    return answers


# Supporting and undoing ---------------------------------------------------------------------


def test_supporting_a_post_counts_it_and_redirects_back_to_the_post(
    app, client, member, post_id, thread_id
):
    response = client.post(f"/posts/{post_id}/support")
    assert response.status_code == 303
    assert re.search(rf"/threads/{thread_id}-[a-z0-9-]+#post-1$", response.headers["Location"])
    assert supports_of(app, post_id) == (1, 1)
    page = text_of(client.get(response.headers["Location"]))
    assert "1 support" in page
    assert 'aria-pressed="true"' in page
    assert f'action="/posts/{post_id}/unsupport"' in page


def test_supporting_twice_keeps_one_support(app, client, member, post_id):
    assert client.post(f"/posts/{post_id}/support").status_code == 303
    response = client.post(f"/posts/{post_id}/support", follow_redirects=True)
    assert response.status_code == 200
    assert "You already support this post." in text_of(response)
    assert supports_of(app, post_id) == (1, 1)


def test_unsupporting_undoes_a_support(app, client, member, post_id):
    client.post(f"/posts/{post_id}/support")
    response = client.post(f"/posts/{post_id}/unsupport")
    assert response.status_code == 303
    assert supports_of(app, post_id) == (0, 0)
    page = text_of(client.get(response.headers["Location"]))
    assert 'aria-pressed="false"' in page
    assert f'action="/posts/{post_id}/support"' in page


def test_unsupporting_without_a_support_changes_nothing(app, client, member, post_id):
    assert client.post(f"/posts/{post_id}/unsupport").status_code == 303
    assert supports_of(app, post_id) == (0, 0)


def test_supporting_your_own_post_is_refused(app, client, make, auth, author, post_id):
    assert auth.login("schrijver").status_code == 302
    assert client.post(f"/posts/{post_id}/support").status_code == 403
    assert client.post(f"/posts/{post_id}/unsupport").status_code == 403
    assert supports_of(app, post_id) == (0, 0)
    page = text_of(client.get(f"/threads/{make.get(Post, post_id).thread_id}"))
    assert f"/posts/{post_id}/support" not in page


def test_supporting_a_missing_post_is_404(client, member):
    assert client.post("/posts/999999/support").status_code == 404


def test_anonymous_visitor_sees_counts_but_no_support_button(
    app, client, make, post_id, thread_id
):
    for number in range(3):
        make.user(f"fan{number}")
        fan = logged_in_client(app, f"fan{number}")
        assert fan.post(f"/posts/{post_id}/support").status_code == 303
    page = text_of(client.get(f"/threads/{thread_id}", follow_redirects=True))
    assert "3 supports" in page
    assert f"/posts/{post_id}/support" not in page


def test_support_button_names_its_post_for_screen_readers(client, member, thread_id):
    page = text_of(client.get(f"/threads/{thread_id}", follow_redirects=True))
    assert re.search(
        r'aria-pressed="false">Support<span class="visually-hidden"> post 1</span>', page
    )


def test_each_post_shows_its_own_count(app, client, make, member, thread_id, post_id):
    reply_id = make.reply(make.user("derde"), thread_id, "Nog een reactie")
    client.post(f"/posts/{reply_id}/support")
    other = logged_in_client(app, "derde")
    other.post(f"/posts/{post_id}/support")
    client.post(f"/posts/{post_id}/support")
    assert supports_of(app, post_id) == (2, 2)
    assert supports_of(app, reply_id) == (1, 1)
    page = text_of(client.get(f"/threads/{thread_id}", follow_redirects=True))
    assert "2 supports" in page and "1 support<" in page


# Races: a unique key and atomic counters, never read-then-write ------------------------------


def test_ten_simultaneous_supports_by_one_member_make_one_support(app, client, member, post_id):
    token = client.csrf_token()
    tabs = copies_of(app, client, 10)
    answers = at_once([(tab, f"/posts/{post_id}/support", {"csrf_token": token}) for tab in tabs])
    assert [answer.status_code for answer in answers] == [303] * 10
    assert supports_of(app, post_id) == (1, 1)


def test_many_members_supporting_at_once_are_all_counted(app, make, post_id):
    senders = []
    for number in range(12):
        make.user(f"tegelijk{number}")
        sender = logged_in_client(app, f"tegelijk{number}")
        senders.append((sender, f"/posts/{post_id}/support", {"csrf_token": sender.csrf_token()}))
    answers = at_once(senders)
    assert [answer.status_code for answer in answers] == [303] * 12
    assert supports_of(app, post_id) == (12, 12)


def test_support_and_unsupport_racing_leave_count_equal_to_rows(app, client, member, post_id):
    token = client.csrf_token()
    tabs = copies_of(app, client, 10)
    requests = [
        (tab, f"/posts/{post_id}/{'support' if n % 2 else 'unsupport'}", {"csrf_token": token})
        for n, tab in enumerate(tabs)
    ]
    answers = at_once(requests)
    assert [answer.status_code for answer in answers] == [303] * 10
    counter, rows = supports_of(app, post_id)
    assert counter == rows
    assert rows in (0, 1)


def test_several_members_racing_support_and_unsupport_stay_consistent(app, make, post_id):
    requests = []
    for number in range(4):
        make.user(f"wisselaar{number}")
        sender = logged_in_client(app, f"wisselaar{number}")
        token = sender.csrf_token()
        assert sender.post(f"/posts/{post_id}/support").status_code == 303
        for tab in [sender, *copies_of(app, sender, 2)]:
            action = "unsupport" if tab is sender else "support"
            requests.append((tab, f"/posts/{post_id}/{action}", {"csrf_token": token}))
    answers = at_once(requests)
    assert all(answer.status_code == 303 for answer in answers)
    counter, rows = supports_of(app, post_id)
    assert counter == rows
    assert 0 <= rows <= 4
