"""Outgoing mail: the outbox, the worker, retries, bounces, two workers, the .eml fallback."""

from __future__ import annotations

import email
import logging
import threading
from datetime import timedelta
from email.policy import default

import pytest
from flask import Flask
from huey import MemoryHuey, RedisHuey, SqliteHuey
from sqlalchemy import func, select, update

from forum071.extensions import db
from forum071.mail.delivery import deliver_due
from forum071.mail.outbox import build_mail, queue_mail
from forum071.mail.worker import job_queue, make_huey
from forum071.models import OutgoingMail, User, utcnow
from tests.smtp_server import free_port, html_part, mail_config, smtp_server, text_part

LOGGER = "forum071.mail"


@pytest.fixture
def smtp():
    with smtp_server() as server:
        yield server


@pytest.fixture
def mail_app(app_factory, smtp):
    return app_factory(**mail_config(smtp[1]))


def queue(app: Flask, user_id: int, count: int = 1) -> None:
    """Queue ``count`` mails to the user in one transaction, as a service in a view would."""
    with app.test_request_context():
        user = db.session.get(User, user_id)
        for _ in range(count):
            mail = build_mail(user, "password_reset", "password_reset",
                              link="https://forum.example.nl/x", max_age_minutes=60)  # fmt: skip
            queue_mail(mail)
        db.session.commit()


def burst(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    return result.output


def outbox(app: Flask) -> list[OutgoingMail]:
    with app.app_context():
        mails = db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)).all()
        db.session.expunge_all()
        return list(mails)


def make_due(app: Flask) -> None:
    with app.app_context():
        db.session.execute(update(OutgoingMail).values(next_attempt_at=utcnow()))
        db.session.commit()


def warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno >= 30]


def test_mail_is_sent_by_the_worker_after_the_commit_nudge(mail_app, smtp, make):
    inbox, _ = smtp
    make.user("wachter", email="wachter@example.org")
    client = mail_app.test_client()
    assert client.post("/auth/reset", data={"login": "wachter"}).status_code == 302
    assert inbox.messages == []  # the web request never talks to the mail server
    huey = job_queue(mail_app)
    (task,) = huey.pending()
    huey.execute(task)  # what the consumer does with the nudge
    (message,) = inbox.messages
    assert message.is_multipart()
    assert message.get_content_type() == "multipart/alternative"
    assert message["From"] == "Forum071 <noreply@forum.example.nl>"
    assert message["Message-ID"].endswith("@forum.example.nl>")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Date"]
    assert "https://forum.example.nl/auth/reset/" in text_part(message)
    assert '<a href="https://forum.example.nl/auth/reset/' in html_part(message)
    (row,) = outbox(mail_app)
    assert row.sent_at is not None and row.claimed_by is None and row.attempts == 0
    # Sent is sent: another run finds nothing to do.
    assert "0 mail(s) sent" in burst(mail_app)
    assert len(inbox.messages) == 1


def test_a_rolled_back_transaction_queues_nothing(mail_app, make):
    user_id = make.user("spijt")
    with mail_app.test_request_context():
        user = db.session.get(User, user_id)
        queue_mail(build_mail(user, "password_reset", "password_reset", link="x",
                              max_age_minutes=60))  # fmt: skip
        db.session.rollback()
        db.session.commit()
    assert outbox(mail_app) == []
    assert job_queue(mail_app).pending() == []


def test_refused_mail_is_retried_with_backoff_and_logged_once(mail_app, smtp, make, caplog):
    inbox, _ = smtp
    user_id = make.user("geduld", email="geduld@example.org")
    queue(mail_app, user_id)
    inbox.refusals = ["451 4.3.0 Try again later", "451 4.3.0 Try again later"]
    caplog.set_level(logging.INFO, logger=LOGGER)

    assert "0 mail(s) sent" in burst(mail_app)
    (row,) = outbox(mail_app)
    assert row.attempts == 1 and row.sent_at is None and row.claimed_by is None
    assert row.last_error.startswith("451")
    wait = row.next_attempt_at - utcnow()
    assert timedelta(seconds=50) < wait <= timedelta(seconds=60)
    assert "0 mail(s) sent" in burst(mail_app)  # not due yet: not tried
    assert outbox(mail_app)[0].attempts == 1

    make_due(mail_app)
    burst(mail_app)
    (row,) = outbox(mail_app)
    assert row.attempts == 2
    assert timedelta(seconds=110) < row.next_attempt_at - utcnow() <= timedelta(seconds=120)
    assert len(warnings(caplog)) == 1  # once per mail, not per attempt

    make_due(mail_app)
    assert "1 mail(s) sent" in burst(mail_app)
    assert len(inbox.to("geduld@example.org")) == 1
    assert outbox(mail_app)[0].sent_at is not None
    assert any("sent after 2 failed attempts" in r.getMessage() for r in caplog.records)


def test_a_server_that_is_down_loses_nothing(app_factory, smtp, make):
    inbox, port = smtp
    down = app_factory(**mail_config(free_port()))
    user_id = make.user("stilte", email="stilte@example.org")
    queue(down, user_id, count=3)
    assert "0 mail(s) sent" in burst(down)
    # The first failure stops the sweep: a server that is down fails every mail alike.
    assert [row.attempts for row in outbox(down)] == [1, 0, 0]
    up = app_factory(**mail_config(port))
    make_due(up)
    assert "3 mail(s) sent" in burst(up)
    assert len(inbox.to("stilte@example.org")) == 3


def test_permanent_refusal_marks_the_address_as_bouncing(mail_app, smtp, make, caplog):
    inbox, _ = smtp
    user_id = make.user("weg", email="weg@example.org")
    queue(mail_app, user_id)
    inbox.refusals = ["550 5.1.1 No such user here"]
    caplog.set_level(logging.INFO, logger=LOGGER)
    burst(mail_app)
    (row,) = outbox(mail_app)
    assert row.failed_at is not None and row.sent_at is None
    assert row.last_error.startswith("550")
    with mail_app.app_context():
        assert db.session.get(User, user_id).email_bouncing_at is not None
    make_due(mail_app)
    burst(mail_app)  # not tried again
    assert inbox.messages == []
    assert outbox(mail_app)[0].attempts == 1
    assert len(warnings(caplog)) == 1


def test_a_mail_held_by_a_crashed_worker_is_sent_when_its_claim_runs_out(mail_app, smtp, make):
    inbox, _ = smtp
    queue(mail_app, make.user("wees"))
    with mail_app.app_context():
        db.session.execute(update(OutgoingMail).values(
            claimed_by="crashed", claimed_until=utcnow() + timedelta(minutes=5)))  # fmt: skip
        db.session.commit()
    assert "0 mail(s) sent" in burst(mail_app)
    with mail_app.app_context():
        db.session.execute(update(OutgoingMail).values(claimed_until=utcnow()))
        db.session.commit()
    assert "1 mail(s) sent" in burst(mail_app)
    assert len(inbox.messages) == 1


def test_two_workers_at_once_never_send_a_mail_twice(mail_app, smtp, make):
    inbox, _ = smtp
    queue(mail_app, make.user("druk", email="druk@example.org"), count=30)
    barrier = threading.Barrier(2)
    sent: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with mail_app.app_context():
                barrier.wait(timeout=10)
                sent.append(deliver_due())
        except BaseException as error:
            errors.append(error)

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert errors == []
    assert sum(sent) == 30
    ids = [message["Message-ID"] for message in inbox.messages]
    assert len(ids) == len(set(ids)) == 30
    with mail_app.app_context():
        unsent = select(func.count(OutgoingMail.id)).where(OutgoingMail.sent_at.is_(None))
        assert db.session.scalar(unsent) == 0


def test_without_a_mail_server_mails_become_eml_files(app_factory, make, tmp_path, caplog):
    app = app_factory(**mail_config(0, MAIL_SERVER=None, MAIL_DIRECTORY=str(tmp_path)))
    queue(app, make.user("lokaal", email="lokaal@example.org", language="en"))
    caplog.set_level(logging.INFO, logger=LOGGER)
    assert "1 mail(s) sent" in burst(app)
    (path,) = tmp_path.glob("*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=default)
    assert message["To"] == "lokaal@example.org"
    assert "Hello lokaal," in text_part(message)
    assert any(str(path) in r.getMessage() for r in caplog.records if r.name == LOGGER)


def test_no_site_url_in_production_queues_no_link_and_says_so(app_factory, make, caplog):
    app = app_factory(**mail_config(0, SITE_URL=None, TESTING=False))
    make.user("productie", email="productie@example.org")
    client = app.test_client()
    response = client.post("/auth/reset", data={"login": "productie"})
    assert response.status_code == 302
    assert outbox(app) == []
    assert any("SITE_URL is not set" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("url", "kind"),
    [(None, SqliteHuey), ("redis://127.0.0.1:6379/15", RedisHuey), ("memory://", MemoryHuey)],
)
def test_one_setting_chooses_the_job_queue(tmp_path, url, kind):
    app = Flask("forum071_queue_test", instance_path=str(tmp_path))
    app.config["JOB_QUEUE_URL"] = url
    huey = make_huey(app)
    assert isinstance(huey, kind)
    if url is None:
        assert (tmp_path / "jobs.sqlite").exists()
    if kind is RedisHuey:
        assert huey.storage.conn.ping()  # the Redis of the stack (127.0.0.1:6379)


def test_a_job_queue_that_is_down_delays_no_page_and_loses_no_mail(app_factory, smtp, make, caplog):
    inbox, port = smtp
    app = app_factory(**mail_config(port, JOB_QUEUE_URL=f"redis://127.0.0.1:{free_port()}/0"))
    make.user("zonderrij", email="zonderrij@example.org")
    response = app.test_client().post("/auth/reset", data={"login": "zonderrij"})
    assert response.status_code == 302
    assert any("job queue unreachable" in message for message in warnings(caplog))
    # The outbox has it; the worker's sweep (here: a burst) sends it all the same.
    deliver_app = app_factory(**mail_config(port))
    assert "1 mail(s) sent" in burst(deliver_app)
    assert len(inbox.to("zonderrij@example.org")) == 1
