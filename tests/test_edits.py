"""Editing posts and titles, their history, redactions, and posts sent twice, through HTTP.

The race tests run two real clients in two threads against the same (file or PostgreSQL)
database; a barrier lets both requests pass their checks before either of them writes.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, update

from forum071.extensions import db
from forum071.models import ModerationAction, Post, PostRevision, Thread, User, utcnow
from forum071.threads import history
from forum071.threads import services as thread_services
from tests.conftest import CSRFClient
from tests.test_migrations import empty_database_url  # noqa: F401 (a fixture)

BASE_VERSION_FIELD = re.compile(r'name="base_version" type="hidden" value="(\d+)"')
TEXTAREA = re.compile(r"<textarea[^>]*>(.*?)</textarea>", re.S)
THEME = "circulaire-economie"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def client_of(app, username: str | None = None) -> CSRFClient:
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    if username:
        response = client.post("/auth/login", data={"login": username,
                                                    "password": "paars-fiets-onder-de-brug"})
        assert response.status_code == 302
    return client


def twin_of(app, client: CSRFClient) -> CSRFClient:
    """A second client in the same login session (CSRF token included): the same member in a
    second tab."""
    client.csrf_token()
    twin = client_of(app)
    with client.session_transaction() as session:
        copied = dict(session)
    with twin.session_transaction() as session:
        session.update(copied)
    return twin


def base_version(client, post_id: int) -> str:
    page = text_of(client.get(f"/posts/{post_id}/edit"))
    return BASE_VERSION_FIELD.search(page).group(1)


def edit(client, post_id: int, body: str, expect: int = 303, **fields):
    data = {"body": body, "base_version": base_version(client, post_id), **fields}
    response = client.post(f"/posts/{post_id}/edit", data=data)
    assert response.status_code == expect, text_of(response)[:2000]
    return response


def revisions_of(app, post_id: int) -> list[tuple[int, str, str | None]]:
    with app.app_context():
        return [
            (revision.number, revision.body, revision.title)
            for revision in db.session.scalars(
                select(PostRevision)
                .where(PostRevision.post_id == post_id)
                .order_by(PostRevision.number)
            )
        ]


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@contextmanager
def writes_wait_for_each_other(app, parties: int = 2) -> Iterator[None]:
    """Hold each worker thread at its first write until all have got there: every request
    has loaded and checked what it needs before any of them changes anything."""
    barrier = threading.Barrier(parties, timeout=15)
    waited: set[int] = set()
    with app.app_context():
        engine = db.engine

    def hold(conn, cursor, statement, parameters, context, executemany) -> None:
        me = threading.get_ident()
        if me in workers and me not in waited and statement.lstrip().upper().startswith(
            ("INSERT", "UPDATE", "DELETE")
        ):
            waited.add(me)
            barrier.wait()

    event.listen(engine, "before_cursor_execute", hold)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", hold)


workers: set[int] = set()


def at_once(*sends: Callable[[], object]) -> list:
    """Run the sends in threads released together; their answers in the order given."""
    answers: list = [None] * len(sends)
    start = threading.Barrier(len(sends), timeout=15)

    def run(index: int, send: Callable[[], object]) -> None:
        workers.add(threading.get_ident())
        try:
            start.wait()
            answers[index] = send()
        finally:
            workers.discard(threading.get_ident())

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(sends)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


@pytest.fixture
def people(make) -> dict[str, int]:
    return {
        "schrijver": make.user("schrijver"),
        "lezer": make.user("lezer"),
        "moderator": make.user("moderator", role="moderator"),
    }


# 1. Two edits at once ---------------------------------------------------------------------------


def test_an_edit_committed_after_this_one_loaded_the_post_makes_it_a_conflict(app, make, people):
    """The deterministic interleaving: load, another edit commits, this edit saves."""
    post_id = make.first_post_id(make.thread(people["schrijver"], body="Versie nul"))
    with app.app_context():
        post = db.session.get(Post, post_id)
        editor = db.session.get(User, people["schrijver"])
        loaded_version = post.version
        with app.app_context():  # another request, with its own session
            other = db.session.get(Post, post_id)
            thread_services.edit_post(
                db.session.get(User, people["schrijver"]), other, "Versie van het andere tabblad",
                other.version,
            )
            db.session.commit()
        with pytest.raises(thread_services.EditConflict):
            thread_services.edit_post(editor, post, "Versie van dit tabblad", loaded_version)
        db.session.rollback()
    assert make.get(Post, post_id).body == "Versie van het andere tabblad"
    assert [number for number, _, _ in revisions_of(app, post_id)] == [1, 2]


@pytest.mark.parametrize("edited_before", [False, True])
def test_two_simultaneous_edits_save_one_and_show_the_other_the_conflict_page(
    app, make, people, edited_before
):
    post_id = make.first_post_id(make.thread(people["schrijver"], body="Versie nul"))
    first = client_of(app, "schrijver")
    if edited_before:  # revision numbers then come from a later count
        edit(first, post_id, "Versie een")
    second = twin_of(app, first)
    version = base_version(first, post_id)
    assert base_version(second, post_id) == version
    texts = ("Tekst uit het eerste tabblad", "Tekst uit het tweede tabblad")

    def send(client, body):
        return lambda: client.post(f"/posts/{post_id}/edit",
                                   data={"body": body, "base_version": version})

    with writes_wait_for_each_other(app):
        answers = at_once(send(first, texts[0]), send(second, texts[1]))
    assert sorted(answer.status_code for answer in answers) == [303, 409]
    winner, loser = (0, 1) if answers[0].status_code == 303 else (1, 0)
    page = text_of(answers[loser])
    assert texts[loser] in TEXTAREA.search(page).group(1)  # the loser's text is kept
    assert texts[winner] in page  # next to the version that won
    assert make.get(Post, post_id).body == texts[winner]
    bodies = [body for _, body, _ in revisions_of(app, post_id)]
    assert bodies[-1] == texts[winner] and texts[loser] not in bodies
    assert len(bodies) == (3 if edited_before else 2)


# 2. Redaction -----------------------------------------------------------------------------------

SECRET = "bel 06-12345678 of mail jan.jansen@example.org"


@pytest.fixture
def redacted_post(app, make, people) -> int:
    """A member's reply with a phone number, edited out by a moderator as a redaction."""
    thread_id = make.thread(people["lezer"], title="Wie weet een locatie?")
    post_id = make.reply(people["schrijver"], thread_id, f"Ik heb een loods, {SECRET}.")
    moderator = client_of(app, "moderator")
    page = text_of(moderator.get(f"/posts/{post_id}/edit"))
    assert 'name="redact"' in page
    assert 'aria-describedby="redact-hint"' in page and 'id="redact-hint"' in page
    edit(moderator, post_id, "Ik heb een loods, stuur me een bericht.", redact="y",
         reason="Persoonsgegevens verwijderd")
    return post_id


def test_a_redacted_version_is_withheld_from_everyone_but_moderators(app, redacted_post):
    for viewer in (None, "lezer", "schrijver"):
        response = client_of(app, viewer).get(f"/posts/{redacted_post}/history")
        assert response.status_code == 200
        page = text_of(response)
        assert "06-12345678" not in page and "jan.jansen" not in page, viewer
        assert "1 earlier version was redacted by a moderator" in page
        assert "Reason: Persoonsgegevens verwijderd" in page
        assert "Ik heb een loods, stuur me een bericht." in page
        assert "<del>" not in page  # no diff that gives the removed text away
    page = text_of(client_of(app, "moderator").get(f"/posts/{redacted_post}/history"))
    assert "06-12345678" in page
    assert "Redacted: only moderators see this version." in page


def test_a_redacted_text_is_in_no_page_feed_api_or_search(app, make, redacted_post):
    thread_id = make.get(Post, redacted_post).thread_id
    visitor = client_of(app)
    for url in (f"/threads/{thread_id}", f"/api/v1/threads/{thread_id}",
                "/feeds/latest.atom",
                f"/threads/{thread_id}/feed.atom", "/search?q=12345678",
                "/api/v1/search?q=12345678", "/search?q=jansen", "/api/v1/search?q=jansen"):
        response = visitor.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        body = text_of(response)
        assert "06-12345678" not in body and "jan.jansen" not in body, url


def test_the_moderation_log_records_a_redaction(app, redacted_post):
    with app.app_context():
        entry = db.session.scalars(select(ModerationAction)).one()
        assert (entry.action, entry.target_id, entry.reason) == (
            "redact", redacted_post, "Persoonsgegevens verwijderd")


def test_the_redact_checkbox_is_for_moderators_only(app, make, people):
    post_id = make.first_post_id(make.thread(people["schrijver"], body=f"Mijn nummer: {SECRET}"))
    author = client_of(app, "schrijver")
    assert 'name="redact"' not in text_of(author.get(f"/posts/{post_id}/edit"))
    # Sent anyway, it is ignored: the earlier version stays in the public history.
    edit(author, post_id, "Zonder nummer", redact="y", reason="zelf")
    assert "06-12345678" in text_of(client_of(app).get(f"/posts/{post_id}/history"))
    with app.app_context():
        assert not any(db.session.scalars(select(PostRevision.redaction)))


def test_a_redaction_needs_a_reason_also_on_a_moderators_own_post(app, make, people):
    post_id = make.first_post_id(make.thread(people["moderator"], body=f"Oeps: {SECRET}"))
    moderator = client_of(app, "moderator")
    response = edit(moderator, post_id, "Oeps, weggehaald.", expect=422, redact="y")
    assert "Give a reason." in text_of(response)
    assert "Oeps, weggehaald." in TEXTAREA.search(text_of(response)).group(1)
    edit(moderator, post_id, "Oeps, weggehaald.", redact="y", reason="Eigen nummer")
    assert "06-12345678" not in text_of(client_of(app).get(f"/posts/{post_id}/history"))
    # Editing one's own post without redacting still needs no reason.
    edit(moderator, post_id, "Oeps, weggehaald. Nu goed.")


def test_a_redaction_without_a_new_text_withholds_what_the_author_already_removed(
    app, make, people
):
    post_id = make.first_post_id(make.thread(people["schrijver"], body=f"Mijn nummer: {SECRET}"))
    edit(client_of(app, "schrijver"), post_id, "Geen nummer meer")
    edit(client_of(app, "moderator"), post_id, "Geen nummer meer", redact="y",
         reason="Oude versie bevatte een telefoonnummer")
    page = text_of(client_of(app).get(f"/posts/{post_id}/history"))
    assert "06-12345678" not in page
    assert "2 earlier versions were redacted by a moderator" in page


# 3. History of a reply waiting for review --------------------------------------------------------


def test_the_history_of_a_pending_reply_is_shown_to_its_author_only(app, make, people):
    thread_id = make.thread(people["lezer"])
    with app.app_context():
        reply = thread_services.post_reply(
            db.session.get(User, people["schrijver"]), db.session.get(Thread, thread_id),
            "Wacht op een moderator", pending=True,
        )
        db.session.commit()
        reply_id = reply.id
    response = client_of(app, "schrijver").get(f"/posts/{reply_id}/history")
    assert response.status_code == 200
    assert "A reply by schrijver that waits for review." in text_of(response)
    assert client_of(app, "lezer").get(f"/posts/{reply_id}/history").status_code == 404
    assert client_of(app).get(f"/posts/{reply_id}/history").status_code == 404


# 4. The diff ------------------------------------------------------------------------------------


def test_a_diff_does_not_start_with_an_empty_insertion():
    # A client that keeps the line break after <textarea> sends it back in front of the text.
    runs = history.diff("Wij zoeken een locatie in Leiden.",
                        "\r\nWij zoeken een locatie in Katwijk.")
    assert [(run.kind, run.text) for run in runs] == [
        ("same", "Wij zoeken een locatie in "), ("removed", "Leiden."), ("added", "Katwijk.")]


def test_a_change_of_only_line_breaks_is_said_in_words(app, make, people):
    post_id = make.first_post_id(make.thread(people["schrijver"], body="Eerste alinea.\nTweede."))
    client = client_of(app, "schrijver")
    edit(client, post_id, "\r\nEerste alinea.\r\n\r\nTweede.")
    page = text_of(client.get(f"/posts/{post_id}/history"))
    version_2 = page[page.index('id="version-2"'):page.index('id="version-1"')]
    diff = re.search(r'<div class="diff">(.*?)</div>', version_2, re.S).group(1)
    assert diff.startswith("Eerste alinea.")
    assert re.findall(r"<ins>(.*?)</ins>", diff, re.S) == [
        '<span class="visually-hidden">[added: 1 line break]</span>\n']
    # Every insertion and removal says what it is, never a bare "added: ".
    assert "[added: </span>" not in diff


# 5. Correcting a thread's title ------------------------------------------------------------------


def test_the_author_corrects_the_title_and_the_history_keeps_both(app, make, people):
    thread_id = make.thread(people["schrijver"], title="Afval scheiden op het bedrijventerein")
    post_id = make.first_post_id(thread_id)
    client = client_of(app, "schrijver")
    assert "bedrijventerein" in text_of(client.get(f"/themes/{THEME}"))  # a remembered row
    page = text_of(client.get(f"/posts/{post_id}/edit"))
    assert 'value="Afval scheiden op het bedrijventerein"' in page
    body = make.get(Post, post_id).body
    response = edit(client, post_id, body, title="  Afval scheiden op het bedrijventerrein ")
    thread = make.get(Thread, thread_id)
    assert thread.title == "Afval scheiden op het bedrijventerrein"
    assert thread.slug == "afval-scheiden-op-het-bedrijventerrein"
    assert response.headers["Location"].startswith(f"/threads/{thread_id}-afval-scheiden")
    for url in (f"/threads/{thread_id}", f"/themes/{THEME}", "/"):
        shown = text_of(client.get(url, follow_redirects=True))
        assert "Afval scheiden op het bedrijventerrein" in shown, url
        assert "bedrijventerein" not in shown, url
    assert [(number, title) for number, _, title in revisions_of(app, post_id)] == [
        (1, "Afval scheiden op het bedrijventerein"),
        (2, "Afval scheiden op het bedrijventerrein")]
    page = text_of(client_of(app).get(f"/posts/{post_id}/history"))
    version_2 = page[page.index('id="version-2"'):page.index('id="version-1"')]
    assert re.search(r"Title:.*<del>.*bedrijventerein.*</del><ins>.*bedrijventerrein", version_2)
    version_1 = page[page.index('id="version-1"'):]
    assert "Title: Afval scheiden op het bedrijventerein" in version_1
    # The old address still leads to the thread.
    old = client.get(f"/threads/{thread_id}-afval-scheiden-op-het-bedrijventerein")
    assert old.status_code == 301


@pytest.mark.parametrize("title, message", [
    ("Hoi", "Use at least 5 characters."),
    ("", "Give the thread a title."),
    ("x" * 201, "Keep the title under 200 characters (now 201)."),
])
def test_a_corrected_title_is_checked_as_for_a_new_thread(app, make, people, title, message):
    thread_id = make.thread(people["schrijver"], title="Een prima titel")
    post_id = make.first_post_id(thread_id)
    response = edit(client_of(app, "schrijver"), post_id, "Nieuwe tekst erbij", expect=422,
                    title=title)
    page = text_of(response)
    assert message in page
    assert "Nieuwe tekst erbij" in TEXTAREA.search(page).group(1)
    if title:
        assert f'value="{title}"' in page
    assert make.get(Thread, thread_id).title == "Een prima titel"


def test_a_reply_has_no_title_to_correct(app, make, people):
    thread_id = make.thread(people["lezer"], title="Een prima titel")
    reply_id = make.reply(people["schrijver"], thread_id, "Mijn reactie")
    client = client_of(app, "schrijver")
    assert 'name="title"' not in text_of(client.get(f"/posts/{reply_id}/edit"))
    edit(client, reply_id, "Mijn reactie, verbeterd", title="Overgenomen titel")
    assert make.get(Thread, thread_id).title == "Een prima titel"


def test_a_moderator_corrects_a_title_with_a_reason_shown_in_the_log(app, make, people):
    thread_id = make.thread(people["schrijver"], title="Wie heeft er een bus te koop??")
    post_id = make.first_post_id(thread_id)
    body = make.get(Post, post_id).body
    moderator = client_of(app, "moderator")
    response = edit(moderator, post_id, body, expect=422, title="Wie heeft een bus te koop?")
    assert "Give a reason." in text_of(response)
    edit(moderator, post_id, body, title="Wie heeft een bus te koop?", reason="Titel verduidelijkt")
    assert make.get(Thread, thread_id).title == "Wie heeft een bus te koop?"
    with app.app_context():
        entries = db.session.scalars(select(ModerationAction)).all()
        assert [(e.action, e.target_type, e.target_id, e.target_label, e.reason, e.details)
                for e in entries] == [
            ("edit_title", "thread", thread_id, "Wie heeft een bus te koop?",
             "Titel verduidelijkt", {"old_title": "Wie heeft er een bus te koop??"})]
    log = text_of(moderator.get("/moderation/log"))
    assert "Title corrected" in log and "Titel verduidelijkt" in log
    history_page = text_of(client_of(app).get(f"/posts/{post_id}/history"))
    assert "Reason: Titel verduidelijkt" in history_page


def test_a_redaction_also_withholds_the_earlier_titles(app, make, people):
    thread_id = make.thread(people["schrijver"], title="Loods van Jan Jansen 06-12345678")
    post_id = make.first_post_id(thread_id)
    body = make.get(Post, post_id).body
    edit(client_of(app, "moderator"), post_id, body, title="Loods te huur", redact="y",
         reason="Persoonsgegevens")
    page = text_of(client_of(app).get(f"/posts/{post_id}/history"))
    assert "06-12345678" not in page and "Jan Jansen" not in page
    assert "Title: Loods te huur" in page
    with app.app_context():
        entry = db.session.scalars(
            select(ModerationAction).where(ModerationAction.action == "edit_title")).one()
        assert "06-12345678" not in str(entry.details)


def test_two_simultaneous_title_corrections_save_one(app, make, people):
    thread_id = make.thread(people["schrijver"], title="Een titel met een fuot")
    post_id = make.first_post_id(thread_id)
    body = make.get(Post, post_id).body
    first = client_of(app, "schrijver")
    second = twin_of(app, first)
    version = base_version(first, post_id)
    titles = ("Een titel met een fout", "Een titel zonder fout")

    def send(client, title):
        return lambda: client.post(f"/posts/{post_id}/edit",
                                   data={"body": body, "title": title, "base_version": version})

    with writes_wait_for_each_other(app):
        answers = at_once(send(first, titles[0]), send(second, titles[1]))
    assert sorted(answer.status_code for answer in answers) == [303, 409]
    winner = 0 if answers[0].status_code == 303 else 1
    assert make.get(Thread, thread_id).title == titles[winner]
    assert f'value="{titles[1 - winner]}"' in text_of(answers[1 - winner])


# 6. The same post sent twice --------------------------------------------------------------------


def reply_data(body: str) -> dict:
    return {"body": body}  # no submission_id: a client that leaves the hidden field out


def thread_data(title: str = "Samen afval scheiden", body: str = "Wie doet er mee?") -> dict:
    return {"kind": "discussion", "theme": THEME, "title": title, "body": body}


def replies_in(app, thread_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(
            select(Post.body).where(Post.thread_id == thread_id, Post.number != 1)))


def test_the_same_reply_sent_twice_without_a_submission_id_is_one_reply(app, make, people):
    thread_id = make.thread(people["lezer"])
    client = client_of(app, "schrijver")
    first = client.post(f"/threads/{thread_id}/reply", data=reply_data("Ik doe mee!"))
    second = client.post(f"/threads/{thread_id}/reply", data=reply_data("Ik doe mee!"))
    assert (first.status_code, second.status_code) == (303, 303)
    assert second.headers["Location"] == first.headers["Location"]
    assert replies_in(app, thread_id) == ["Ik doe mee!"]
    assert make.get(Thread, thread_id).post_count == 2


def test_the_same_new_thread_sent_twice_without_a_submission_id_is_one_thread(app, people):
    client = client_of(app, "schrijver")
    first = client.post("/threads/new", data=thread_data())
    second = client.post("/threads/new", data=thread_data())
    assert (first.status_code, second.status_code) == (303, 303)
    assert second.headers["Location"] == first.headers["Location"]
    assert count(app, Thread) == 1


def test_other_text_another_place_or_after_the_window_is_a_new_post(app, make, people):
    thread_id = make.thread(people["lezer"])
    other_thread_id = make.thread(people["lezer"])
    client = client_of(app, "schrijver")
    for target, body in ((thread_id, "Ik doe mee!"), (thread_id, "Ik ook!"),
                         (other_thread_id, "Ik doe mee!")):
        assert client.post(f"/threads/{target}/reply", data=reply_data(body)).status_code == 303
    # Another member may say the same.
    assert client_of(app, "lezer").post(
        f"/threads/{thread_id}/reply", data=reply_data("Ik doe mee!")).status_code == 303
    assert sorted(replies_in(app, thread_id)) == ["Ik doe mee!", "Ik doe mee!", "Ik ook!"]
    with app.app_context():  # a minute and more later, the same words are a new reply
        db.session.execute(update(Post).values(created_at=utcnow() - timedelta(seconds=61)))
        db.session.commit()
    assert client.post(f"/threads/{thread_id}/reply",
                       data=reply_data("Ik doe mee!")).status_code == 303
    assert sorted(replies_in(app, thread_id)) == ["Ik doe mee!"] * 3 + ["Ik ook!"]
    assert client.post("/threads/new", data=thread_data()).status_code == 303
    assert client.post("/threads/new", data=thread_data(title="Samen afval ophalen")
                       ).status_code == 303
    assert count(app, Thread) == 4


def test_the_window_is_a_setting(app_factory, make, people):
    app = app_factory(DUPLICATE_POST_WINDOW_SECONDS=0)
    thread_id = make.thread(people["lezer"])
    client = client_of(app, "schrijver")
    for _ in range(2):
        assert client.post(f"/threads/{thread_id}/reply",
                           data=reply_data("Twee keer")).status_code == 303
    assert replies_in(app, thread_id) == ["Twee keer", "Twee keer"]


@pytest.mark.parametrize("with_submission_id", [False, True])
def test_two_copies_of_a_reply_sent_at_once_make_one_reply(app, make, people,
                                                           with_submission_id):
    thread_id = make.thread(people["lezer"])
    client = client_of(app, "schrijver")
    twin = twin_of(app, client)
    data = {**reply_data("Tegelijk verstuurd"), "csrf_token": client.csrf_token()}
    if with_submission_id:
        data["submission_id"] = "0" * 32
    send = [lambda c=c: c.post(f"/threads/{thread_id}/reply", data=data, csrf=False)
            for c in (client, twin)]
    with writes_wait_for_each_other(app):
        answers = at_once(*send)
    assert [answer.status_code for answer in answers] == [303, 303]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assert replies_in(app, thread_id) == ["Tegelijk verstuurd"]
    assert make.get(Thread, thread_id).post_count == 2


def test_two_copies_of_a_new_thread_sent_at_once_make_one_thread(app, people):
    client = client_of(app, "schrijver")
    twin = twin_of(app, client)
    data = {**thread_data(), "csrf_token": client.csrf_token()}
    send = [lambda c=c: c.post("/threads/new", data=data, csrf=False) for c in (client, twin)]
    with writes_wait_for_each_other(app):
        answers = at_once(*send)
    assert [answer.status_code for answer in answers] == [303, 303]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assert count(app, Thread) == 1


# The migration -----------------------------------------------------------------------------------


def test_the_migration_gives_kept_versions_of_opening_posts_their_title(
    empty_database_url,  # noqa: F811 (the fixture imported above)
):
    from flask_migrate import upgrade

    from forum071 import create_app
    from tests.conftest import config_for_tests

    app = create_app(config_for_tests(empty_database_url))
    with app.app_context():
        upgrade(revision="0007")
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO users (id, username, email, password_hash, role, organisation, bio, "
                "official_verified, session_token, created_at, published_post_count, "
                "suspension_reason) VALUES (1, 'anna', 'anna@example.org', 'x', 'entrepreneur', "
                "'', '', false, 't1', '2026-01-01 10:00:00+00:00', 2, '')"
            )
            connection.exec_driver_sql(
                "INSERT INTO themes (id, slug, name, name_en, description, description_en, "
                "position, thread_count) VALUES (1, 'retail', 'Retail', 'Retail', '', '', 0, 1)"
            )
            connection.exec_driver_sql(
                "INSERT INTO threads (id, kind, title, slug, theme_id, author_id, created_at, "
                "last_post_at, post_count, stage, ask, ask_categories, summary, "
                "has_entrepreneurs, has_education, has_government, state, locked, pinned, "
                "pinned_globally) VALUES (1, 'discussion', 'Het café', 'het-cafe', 1, 1, "
                "'2026-01-01 10:00:00+00:00', '2026-01-01 11:00:00+00:00', 2, NULL, '', '[]', "
                "'', true, false, false, 'published', false, false, false)"
            )
            connection.exec_driver_sql(
                "INSERT INTO posts (id, thread_id, number, author_id, body, body_html, "
                "created_at, version, support_count, edit_count, state, flag_count, "
                "moderation_reason) VALUES "
                "(1, 1, 1, 1, 'Plan', '<p>Plan</p>', '2026-01-01 10:00:00+00:00', 2, 0, 1, "
                "'published', 0, ''), "
                "(2, 1, 2, 1, 'Ja', '<p>Ja</p>', '2026-01-01 11:00:00+00:00', 2, 0, 1, "
                "'published', 0, '')"
            )
            connection.exec_driver_sql(
                "INSERT INTO post_revisions (id, post_id, number, body, editor_id, created_at, "
                "reason) VALUES (1, 1, 1, 'Plam', 1, '2026-01-01 10:00:00+00:00', ''), "
                "(2, 1, 2, 'Plan', 1, '2026-01-01 10:05:00+00:00', ''), "
                "(3, 2, 1, 'Nee', 1, '2026-01-01 11:00:00+00:00', ''), "
                "(4, 2, 2, 'Ja', 1, '2026-01-01 11:05:00+00:00', '')"
            )
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.exec_driver_sql(
                "SELECT id, title, redaction FROM post_revisions ORDER BY id").all()
        assert [(row[0], row[1], bool(row[2])) for row in rows] == [
            (1, "Het café", False), (2, "Het café", False), (3, None, False), (4, None, False)]
        db.engine.dispose()
