"""A real SMTP server in the test process (aiosmtpd) on a free loopback port."""

from __future__ import annotations

import email
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.policy import default

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """What arrived; ``refusals`` answers the next RCPTs with these replies instead."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refusals: list[str] = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            if self.refusals:
                return self.refusals.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if message["To"] == address]


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def mail_config(port: int, **overrides) -> dict:
    """App settings that send to the in-process server, with links from SITE_URL."""
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_TIMEOUT_SECONDS": 5,
        "MAIL_DEFAULT_SENDER": "Forum071 <noreply@forum.example.nl>",
        "SITE_URL": "https://forum.example.nl",
        "JOB_QUEUE_URL": "memory://",
        **overrides,
    }


def text_part(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_part(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


CONFIRM_PATH = re.compile(r"/auth/confirm/[\w.-]+")


def confirm_from_outbox(app, client, address: str) -> None:
    """Open the confirmation link of the newest mail queued to ``address`` (no worker, no
    SMTP: for tests that register only to go on posting)."""
    from sqlalchemy import select

    from forum071.extensions import db
    from forum071.models import OutgoingMail

    with app.app_context():
        body = db.session.scalars(
            select(OutgoingMail.text_body)
            .where(OutgoingMail.recipient == address, OutgoingMail.kind == "confirm_email")
            .order_by(OutgoingMail.id.desc())
        ).first()
    assert body is not None, f"no confirmation mail to {address}"
    assert client.get(CONFIRM_PATH.search(body).group(0)).status_code == 302
