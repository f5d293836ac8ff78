"""Accepted answers and closing threads with an outcome, all through HTTP."""

from __future__ import annotations

import html
import threading
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from forum071.extensions import db
from forum071.models import Notification, NotificationKind, Post, Thread


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture(autouse=True)
def english(client):
    """Read the interface in English, so these tests do not depend on the Dutch catalogue."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def question(make):
    """A question by "vrager" with two replies by "student" and one by "ander"; returns ids."""
    asker = make.user("vrager")
    student = make.user("student", role="student")
    other = make.user("ander")
    thread_id = make.thread(asker, kind="question", title="Waar vind ik een stageplek?",
                            body="Wie weet een **stageplek** in Katwijk?")
    return {
        "asker": asker,
        "student": student,
        "other": other,
        "thread": thread_id,
        "first": make.reply(student, thread_id, "Probeer de *Kennisalliantie*."),
        "second": make.reply(student, thread_id, "Of vraag het aan het ROC."),
        "third": make.reply(other, thread_id, "Geen idee, sorry."),
    }


def post_id_of(app, thread_id: int, number: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(Post.id).where(Post.thread_id == thread_id, Post.number == number)
        )


def accepted(make, thread_id: int) -> int | None:
    return make.get(Thread, thread_id).accepted_post_id


def notifications_for(app, user_id: int, kind: NotificationKind = NotificationKind.ACCEPTED):
    with app.app_context():
        return db.session.execute(
            select(Notification.post_id, Notification.actor_id).where(
                Notification.user_id == user_id, Notification.kind == kind.value
            )
        ).all()


def accept(client, thread_id: int, post_id: int | str, **kwargs):
    return client.post(f"/threads/{thread_id}/accept", data={"post_id": post_id}, **kwargs)


# Accepting an answer ------------------------------------------------------------------------


def test_asker_accepts_a_reply_and_it_shows_under_the_question(client, auth, make, question):
    auth.login("vrager")
    response = accept(client, question["thread"], question["first"])
    assert response.status_code == 303
    assert response.headers["Location"].endswith("#post-2")
    assert accepted(make, question["thread"]) == question["first"]
    page = text_of(client.get(response.headers["Location"]))
    assert "The reply is marked as the accepted answer." in page
    # The box with the answer comes right after the question, before the second post.
    box = page.index('id="accepted-answer"')
    assert page.index('id="post-1"') < box < page.index('id="post-2"')
    assert "Probeer de <em>Kennisalliantie</em>." in page[box:page.index('id="post-2"')]
    assert 'href="/threads/' in page[box:page.index('id="post-2"')]
    assert "#post-2" in page[box:page.index('id="post-2"')]


def test_accepted_question_is_listed_as_answered(client, auth, make, question):
    assert 'badge--unanswered">Unanswered<' in text_of(client.get("/"))
    auth.login("vrager")
    accept(client, question["thread"], question["first"])
    front = text_of(client.get("/"))
    assert 'badge--answered">Answered<' in front
    assert 'badge--unanswered">Unanswered<' not in front


def test_moderator_accepts_an_answer(client, auth, make, question):
    make.user("moderator", role="moderator")
    auth.login("moderator")
    assert accept(client, question["thread"], question["second"]).status_code == 303
    assert accepted(make, question["thread"]) == question["second"]


@pytest.mark.parametrize("username", ["student", "ander"])
def test_another_member_may_not_accept_an_answer(client, auth, make, question, username):
    auth.login(username)
    assert accept(client, question["thread"], question["first"]).status_code == 403
    assert accepted(make, question["thread"]) is None


def test_anonymous_visitor_accepting_is_sent_to_login(app, client, make, question):
    response = accept(client, question["thread"], question["first"])
    assert response.status_code in (302, 401)
    if response.status_code == 302:
        assert urlsplit(response.headers["Location"]).path == "/auth/login"
    else:
        assert 'name="login"' in text_of(response)
    assert accepted(make, question["thread"]) is None
    assert notifications_for(app, question["student"]) == []


def test_accept_buttons_show_only_for_the_asker(client, auth, make, question):
    url = client.get(f"/threads/{question['thread']}").headers["Location"]
    assert "Accept as answer" not in text_of(client.get(url))
    auth.login("student")
    assert "Accept as answer" not in text_of(client.get(url))
    auth.logout()
    auth.login("vrager")
    page = text_of(client.get(url))
    assert page.count("Accept as answer") == 3  # each reply, not the question


def test_accepting_the_opening_post_is_refused_and_changes_nothing(
    app, client, auth, make, question
):
    auth.login("vrager")
    response = accept(client, question["thread"], post_id_of(app, question["thread"], 1))
    assert response.status_code == 400
    assert "accept a reply" in text_of(response)
    assert accepted(make, question["thread"]) is None


def test_accepting_a_post_of_another_thread_is_refused_and_changes_nothing(
    app, client, auth, make, question
):
    elsewhere = make.thread(question["asker"], kind="question", title="Een andere vraag")
    foreign_reply = make.reply(question["student"], elsewhere, "Antwoord elders")
    auth.login("vrager")
    assert accept(client, question["thread"], foreign_reply).status_code == 404
    assert accepted(make, question["thread"]) is None
    assert accepted(make, elsewhere) is None
    assert notifications_for(app, question["student"]) == []


@pytest.mark.parametrize("post_id, status", [("999999", 404), ("", 400), ("twee", 400)])
def test_accepting_an_unknown_or_missing_post_is_refused(
    client, auth, make, question, post_id, status
):
    auth.login("vrager")
    assert accept(client, question["thread"], post_id).status_code == status
    assert accepted(make, question["thread"]) is None


def test_accepting_without_a_csrf_token_is_refused(client, auth, make, question):
    auth.login("vrager")
    assert accept(client, question["thread"], question["first"], csrf=False).status_code == 400
    assert accepted(make, question["thread"]) is None


def test_a_discussion_has_no_accepted_answer(client, auth, make):
    author = make.user("schrijver")
    thread_id = make.thread(author, kind="discussion")
    reply = make.reply(make.user("ander"), thread_id)
    auth.login("schrijver")
    assert accept(client, thread_id, reply).status_code == 403
    assert accepted(make, thread_id) is None


def test_accepted_answer_can_be_changed_and_undone(client, auth, make, question):
    auth.login("vrager")
    accept(client, question["thread"], question["first"])
    assert accept(client, question["thread"], question["third"]).status_code == 303
    assert accepted(make, question["thread"]) == question["third"]
    url = client.get(f"/threads/{question['thread']}").headers["Location"]
    page = text_of(client.get(url))
    assert "Geen idee, sorry." in page[page.index('id="accepted-answer"'):]
    response = client.post(f"/threads/{question['thread']}/unaccept")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("#post-4")
    assert accepted(make, question["thread"]) is None
    page = text_of(client.get(url))
    assert 'id="accepted-answer"' not in page
    assert "This question has no accepted answer yet." in page


def test_only_the_asker_or_a_moderator_undoes_the_accepted_answer(client, auth, make, question):
    auth.login("vrager")
    accept(client, question["thread"], question["first"])
    auth.logout()
    auth.login("student")
    assert client.post(f"/threads/{question['thread']}/unaccept").status_code == 403
    assert accepted(make, question["thread"]) == question["first"]


def test_undoing_when_nothing_is_accepted_changes_nothing(client, auth, make, question):
    auth.login("vrager")
    response = client.post(f"/threads/{question['thread']}/unaccept")
    assert response.status_code == 303
    assert accepted(make, question["thread"]) is None


def test_the_replier_is_notified_exactly_once(app, client, auth, make, question):
    auth.login("vrager")
    accept(client, question["thread"], question["first"])
    accept(client, question["thread"], question["first"])
    client.post(f"/threads/{question['thread']}/unaccept")
    accept(client, question["thread"], question["first"])
    assert notifications_for(app, question["student"]) == [
        (question["first"], question["asker"])
    ]
    assert notifications_for(app, question["other"]) == []
    assert notifications_for(app, question["asker"]) == []


def test_accepting_an_answer_of_another_replier_notifies_that_replier(
    app, client, auth, make, question
):
    auth.login("vrager")
    accept(client, question["thread"], question["first"])
    accept(client, question["thread"], question["third"])
    assert notifications_for(app, question["student"]) == [
        (question["first"], question["asker"])
    ]
    assert notifications_for(app, question["other"]) == [(question["third"], question["asker"])]


def test_accepting_ones_own_reply_notifies_nobody(app, client, auth, make, question):
    own = make.reply(question["asker"], question["thread"], "Zelf gevonden: bij de gemeente.")
    auth.login("vrager")
    assert accept(client, question["thread"], own).status_code == 303
    assert accepted(make, question["thread"]) == own
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == NotificationKind.ACCEPTED.value)) == 0


def test_accepted_answer_on_page_3_appears_under_the_question_on_page_1(
    app, client, auth, make
):
    asker = make.user("vrager")
    thread_id = make.thread(asker, kind="question", title="Een lange vraag",
                            replies=44, reply_author_id=make.user("helper"))
    answer = post_id_of(app, thread_id, 45)
    auth.login("vrager")
    response = accept(client, thread_id, answer)
    assert response.headers["Location"].endswith(f"/threads/{thread_id}-een-lange-vraag"
                                                 "?page=3#post-45")
    first_page = text_of(client.get(f"/threads/{thread_id}-een-lange-vraag"))
    box = first_page[first_page.index('id="accepted-answer"'):first_page.index('id="post-2"')]
    assert "Reactie 44 op dit idee." in box
    assert 'href="/threads/' in box and "page=3#post-45" in box
    assert 'id="post-45"' not in first_page


def test_two_concurrent_accepts_and_an_undo_do_not_fail(app, client, auth, make, question):
    auth.login("vrager")
    token = client.csrf_token()
    with client.session_transaction() as session:
        copied = dict(session)
    clients = [client]
    for _ in range(2):
        twin = app.test_client()
        with twin.session_transaction() as session:
            session.update(copied)
        clients.append(twin)
    requests = [
        (f"/threads/{question['thread']}/accept", {"post_id": question["first"]}),
        (f"/threads/{question['thread']}/accept", {"post_id": question["third"]}),
        (f"/threads/{question['thread']}/unaccept", {}),
    ]
    barrier = threading.Barrier(len(requests))
    answers: list = []

    def send(sender, path, data) -> None:
        barrier.wait()
        answers.append(sender.post(path, data={**data, "csrf_token": token}, csrf=False))

    workers = [threading.Thread(target=send, args=(sender, *request))
               for sender, request in zip(clients, requests, strict=True)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert sorted(answer.status_code for answer in answers) == [303, 303, 303]
    assert accepted(make, question["thread"]) in (None, question["first"], question["third"])
    assert len(notifications_for(app, question["student"])) <= 1
    assert len(notifications_for(app, question["other"])) <= 1


# Closing with an outcome ----------------------------------------------------------------------


@pytest.fixture
def threads(make):
    """One thread of each kind by "auteur"; returns their ids by kind."""
    author = make.user("auteur")
    make.user("ander")
    make.user("moderator", role="moderator")
    return {
        kind: make.thread(author, kind=kind, title=f"Een {kind} om af te sluiten", replies=1)
        for kind in ("question", "pitch", "discussion")
    }


def close(client, thread_id: int, **data):
    return client.post(f"/threads/{thread_id}/close", data=data)


def thread_page(client, thread_id: int) -> str:
    return text_of(client.get(f"/threads/{thread_id}", follow_redirects=True))


@pytest.mark.parametrize("kind, outcome, label", [
    ("question", "answered", "Closed: Answered"),
    ("question", "no_longer_relevant", "Closed: No longer relevant"),
    ("pitch", "realised", "Closed at its final stage: Realised"),
    ("pitch", "stopped", "Closed at its final stage: Stopped"),
    ("pitch", "idea", "Closed at its final stage: Idea"),
    ("discussion", "summarised", "Closed: Concluded with a summary"),
])
def test_author_closes_each_kind_with_a_fitting_outcome(
    client, auth, make, threads, kind, outcome, label
):
    auth.login("auteur")
    summary = "We hebben een partner gevonden.\nDank aan iedereen!"
    response = close(client, threads[kind], outcome=outcome, summary=summary)
    assert response.status_code == 303
    thread = make.get(Thread, threads[kind])
    assert thread.closed and thread.outcome == outcome
    assert thread.summary == summary
    assert thread.closed_by_id is not None and thread.duplicate_of_id is None
    if kind == "pitch":
        assert thread.stage == outcome
    page = text_of(client.get(response.headers["Location"]))
    assert label in page
    assert "We hebben een partner gevonden.<br>Dank aan iedereen!" in page
    assert "Closed by auteur" in page
    # The outcome comes at the top, before the posts.
    assert page.index(label) < page.index('id="post-1"')
    assert "This thread is closed and takes no new replies." in page
    assert 'action="/threads/' not in page.split("reply-heading")[1].split("</section>")[0]


def test_question_closed_as_duplicate_links_to_the_other_thread(client, auth, make, threads):
    original = make.thread(make.user("eerder"), kind="question", title="De oorspronkelijke vraag")
    auth.login("auteur")
    response = close(client, threads["question"], outcome="duplicate", summary="",
                     duplicate_of=f"http://localhost/threads/{original}-de-oorspronkelijke-vraag")
    assert response.status_code == 303
    assert make.get(Thread, threads["question"]).duplicate_of_id == original
    page = thread_page(client, threads["question"])
    assert "Closed: Duplicate of another thread" in page
    link = f'href="/threads/{original}-de-oorspronkelijke-vraag">De oorspronkelijke vraag</a>'
    assert link in page


def test_moderator_closes_and_reopens_someone_elses_thread(client, auth, make, threads):
    auth.login("moderator")
    assert close(client, threads["question"], outcome="answered").status_code == 303
    assert make.get(Thread, threads["question"]).closed
    assert client.post(f"/threads/{threads['question']}/reopen").status_code == 303
    assert not make.get(Thread, threads["question"]).closed


def assert_close_refused(response, message: str, *kept: str) -> None:
    page = text_of(response)
    assert response.status_code == 422
    assert "Not sent yet: please correct the fields marked below." in page
    assert html.escape(message) in page, page
    for value in kept:
        assert html.escape(value) in page, value


@pytest.mark.parametrize("kind, data, message", [
    ("question", {"outcome": "realised"}, "Choose an outcome."),
    ("question", {"outcome": "summarised"}, "Choose an outcome."),
    ("question", {}, "Choose an outcome."),
    ("pitch", {"outcome": "answered"}, "Choose the final stage of the pitch."),
    ("discussion", {"outcome": "answered"}, "Choose an outcome."),
    ("discussion", {"outcome": "summarised", "summary": "   "},
     "Write a short summary of what the discussion concluded."),
    ("question", {"outcome": "duplicate"},
     "Give the number or the address of the other thread."),
    ("question", {"outcome": "duplicate", "duplicate_of": "999999"}, "There is no thread 999999."),
    ("question", {"outcome": "duplicate", "duplicate_of": "gisteren"},
     "Give the number or the address of the other thread."),
])
def test_closing_with_an_outcome_that_does_not_fit_is_refused_and_keeps_the_text(
    client, auth, make, threads, kind, data, message
):
    auth.login("auteur")
    summary = data.pop("summary", "Mijn samenvatting <b>met</b> tekens & zo")
    response = close(client, threads[kind], summary=summary, **data)
    kept = (summary,) if summary.strip() else ()
    assert_close_refused(response, message, *kept)
    assert not make.get(Thread, threads[kind]).closed


def test_closing_a_question_as_duplicate_of_itself_is_refused(client, auth, make, threads):
    auth.login("auteur")
    response = close(client, threads["question"], outcome="duplicate",
                     duplicate_of=str(threads["question"]))
    assert_close_refused(response, "A thread cannot be a duplicate of itself.")
    assert not make.get(Thread, threads["question"]).closed


def test_summary_of_2001_characters_is_refused_and_kept(client, auth, make, threads):
    auth.login("auteur")
    summary = "x" * 2001
    response = close(client, threads["discussion"], outcome="summarised", summary=summary)
    assert_close_refused(response, "Keep it under 2000 characters (now 2001).", summary)
    assert not make.get(Thread, threads["discussion"]).closed


def test_summary_of_2000_characters_is_accepted(client, auth, make, threads):
    auth.login("auteur")
    response = close(client, threads["discussion"], outcome="summarised", summary="x" * 2000)
    assert response.status_code == 303


def test_summary_is_plain_text_shown_escaped(client, auth, make, threads):
    auth.login("auteur")
    summary = "<script>alert(1)</script> **niet vet** [x](javascript:alert(1))"
    close(client, threads["discussion"], outcome="summarised", summary=summary)
    page = thread_page(client, threads["discussion"])
    assert "<script>alert(1)</script>" not in page
    assert html.escape(summary) in page
    assert "<strong>niet vet" not in page


def test_close_form_offers_the_outcomes_of_the_kind(client, auth, threads):
    auth.login("auteur")
    question_form = text_of(client.get(f"/threads/{threads['question']}/close"))
    assert 'value="answered"' in question_form and 'value="duplicate"' in question_form
    assert 'value="realised"' not in question_form
    assert 'name="duplicate_of"' in question_form
    pitch_form = text_of(client.get(f"/threads/{threads['pitch']}/close"))
    assert 'value="realised"' in pitch_form and 'value="answered"' not in pitch_form
    assert 'value="idea" checked' in pitch_form  # where the pitch stands now
    discussion_form = text_of(client.get(f"/threads/{threads['discussion']}/close"))
    assert 'value="summarised" checked' in discussion_form


def test_thread_page_offers_close_to_its_author_only(client, auth, threads):
    close_link = f'href="/threads/{threads["question"]}/close"'
    assert close_link not in thread_page(client, threads["question"])
    auth.login("ander")
    assert close_link not in thread_page(client, threads["question"])
    auth.logout()
    auth.login("auteur")
    assert close_link in thread_page(client, threads["question"])


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_another_member_may_not_close(client, auth, make, threads, method):
    auth.login("ander")
    url = f"/threads/{threads['question']}/close"
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data={"outcome": "answered"})
    assert response.status_code == 403
    assert not make.get(Thread, threads["question"]).closed


def test_anonymous_close_is_sent_to_login(client, make, threads):
    response = client.get(f"/threads/{threads['question']}/close")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/auth/login"
    response = close(client, threads["question"], outcome="answered")
    assert response.status_code in (302, 401)
    assert not make.get(Thread, threads["question"]).closed


def test_closed_thread_refuses_replies(app, client, auth, make, threads):
    auth.login("auteur")
    close(client, threads["question"], outcome="no_longer_relevant")
    auth.logout()
    auth.login("ander")
    response = client.post(f"/threads/{threads['question']}/reply", data={"body": "Te laat"})
    assert response.status_code == 403
    assert make.get(Thread, threads["question"]).post_count == 2


def test_closing_twice_keeps_the_first_outcome(client, auth, make, threads):
    auth.login("auteur")
    close(client, threads["question"], outcome="answered", summary="Eerste")
    response = close(client, threads["question"], outcome="no_longer_relevant", summary="Tweede")
    assert response.status_code == 303
    thread = make.get(Thread, threads["question"])
    assert (thread.outcome, thread.summary) == ("answered", "Eerste")
    assert "This thread is closed already." in text_of(client.get(response.headers["Location"]))


def test_reopening_clears_the_outcome_and_takes_replies_again(client, auth, make, threads):
    original = make.thread(make.user("eerder"), kind="question")
    auth.login("auteur")
    close(client, threads["question"], outcome="duplicate", duplicate_of=str(original),
          summary="Zie de andere vraag")
    page = thread_page(client, threads["question"])
    assert "Reopen thread" in page
    response = client.post(f"/threads/{threads['question']}/reopen")
    assert response.status_code == 303
    thread = make.get(Thread, threads["question"])
    assert (thread.closed_at, thread.closed_by_id, thread.outcome, thread.summary,
            thread.duplicate_of_id) == (None, None, None, "", None)
    page = text_of(client.get(response.headers["Location"]))
    assert "The thread is open again." in page
    assert "Zie de andere vraag" not in page
    reply = client.post(f"/threads/{threads['question']}/reply", data={"body": "Weer open"})
    assert reply.status_code == 303


def test_reopened_pitch_keeps_its_final_stage(client, auth, make, threads):
    auth.login("auteur")
    close(client, threads["pitch"], outcome="pilot")
    client.post(f"/threads/{threads['pitch']}/reopen")
    thread = make.get(Thread, threads["pitch"])
    assert not thread.closed and thread.stage == "pilot"


def test_another_member_may_not_reopen(client, auth, make, threads):
    auth.login("auteur")
    close(client, threads["question"], outcome="answered")
    auth.logout()
    auth.login("ander")
    assert client.post(f"/threads/{threads['question']}/reopen").status_code == 403
    assert make.get(Thread, threads["question"]).closed


def test_reopening_an_open_thread_changes_nothing(client, auth, make, threads):
    auth.login("auteur")
    response = client.post(f"/threads/{threads['question']}/reopen")
    assert response.status_code == 303
    assert not make.get(Thread, threads["question"]).closed


@pytest.mark.parametrize("action", ["accept", "unaccept", "close", "reopen"])
def test_actions_on_an_unknown_thread_are_404(client, auth, make, action):
    make.user("lid")
    auth.login("lid")
    assert client.post(f"/threads/999999/{action}", data={"post_id": "1"}).status_code == 404
