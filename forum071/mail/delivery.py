"""Sending what is due in the outbox: claim a row, send it, record what happened.

A row is claimed with one conditional UPDATE (due, unsent, not claimed by a live claim): of
two workers, on one host or several, exactly one gets rowcount 1 and sends it. A crash after
the claim leaves the row to be claimed again when the claim runs out (MAIL_CLAIM_SECONDS).

A failure (refused, timed out, down, a 4xx) is tried again after MAIL_RETRY_SECONDS, doubling
up to MAIL_RETRY_MAX_SECONDS, and logged once per mail: at its first failure, then once more
when it finally goes out. A 5xx for the recipient ends the mail and marks the address as
bouncing (users.email_bouncing_at).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import or_, select, update

from ..extensions import db
from ..models import OutgoingMail, User, utcnow

logger = logging.getLogger("forum071.mail")
# Rows looked at per query while sweeping; the sweep goes on until nothing is due.
BATCH = 50


# The server answered this mail with a refusal (so it is up): the next mail may go through.
# Anything else (refused connection, time-out, disconnect) means it is down for all of them.
_ANSWERED = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


class PermanentFailure(Exception):
    """The server refused the recipient for good (a 5xx)."""


def build_message(mail: OutgoingMail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Date"] = formatdate(mail.created_at.timestamp(), usegmt=True)
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (mail.headers or {}).items():
        message[name] = value
    message.set_content(mail.text_body)
    message.add_alternative(mail.html_body, subtype="html")
    # After the parts: set_content drops the Content-* headers that were there before.
    message["Content-Language"] = mail.language
    return message


class SMTPTransport:
    """One connection to MAIL_SERVER, opened when first needed and reused for a sweep."""

    def __init__(self, config: dict) -> None:
        self.config = config
        self.connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        host, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
        timeout = float(config["MAIL_TIMEOUT_SECONDS"])
        if config.get("MAIL_USE_SSL"):
            context = ssl.create_default_context()
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=context
            )
        else:
            connection = smtplib.SMTP(host, port, timeout=timeout)
            if config.get("MAIL_USE_TLS"):
                connection.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            connection.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        return connection

    def send(self, message: EmailMessage, mail: OutgoingMail) -> None:
        if self.connection is None:
            self.connection = self._connect()
        try:
            self.connection.send_message(message, to_addrs=[mail.recipient])
        except smtplib.SMTPRecipientsRefused as refused:
            codes = [code for code, _ in refused.recipients.values()]
            if codes and all(500 <= code < 600 for code in codes):
                raise PermanentFailure(_describe(refused)) from refused
            raise
        except (smtplib.SMTPException, OSError):
            self.close()  # the connection may be in any state: the next mail starts afresh
            raise

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None


class FileTransport:
    """Development without MAIL_SERVER: each mail becomes an .eml file (MAIL_DIRECTORY)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, message: EmailMessage, mail: OutgoingMail) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{utcnow():%Y%m%d-%H%M%S}-{mail.id}-{mail.kind}.eml"
        path.write_bytes(bytes(message))
        logger.info("mail %d (%s) written to %s", mail.id, mail.kind, path)

    def close(self) -> None:
        pass


def transport_for(app: Flask) -> SMTPTransport | FileTransport:
    if app.config.get("MAIL_SERVER"):
        return SMTPTransport(app.config)
    return FileTransport(mail_directory(app))


def mail_directory(app: Flask) -> Path:
    configured = app.config.get("MAIL_DIRECTORY")
    return Path(configured) if configured else Path(app.instance_path) / "mail"


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()))
        return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    if isinstance(error, smtplib.SMTPResponseException):
        message = error.smtp_error
        text = message.decode(errors="replace") if isinstance(message, bytes) else message
        return f"{error.smtp_code} {text}"
    return f"{type(error).__name__}: {error}"


def _claim(mail_id: int, worker: str) -> bool:
    """Take this mail for this worker if it is still due and nobody holds it."""
    now = utcnow()
    claim_until = now + timedelta(seconds=current_app.config["MAIL_CLAIM_SECONDS"])
    result = db.session.execute(
        update(OutgoingMail)
        .where(
            OutgoingMail.id == mail_id,
            OutgoingMail.sent_at.is_(None),
            OutgoingMail.failed_at.is_(None),
            OutgoingMail.next_attempt_at <= now,
            or_(OutgoingMail.claimed_until.is_(None), OutgoingMail.claimed_until < now),
        )
        .values(claimed_by=worker, claimed_until=claim_until)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _due_ids(after_id: int) -> list[int]:
    now = utcnow()
    return list(
        db.session.scalars(
            select(OutgoingMail.id)
            .where(
                OutgoingMail.sent_at.is_(None),
                OutgoingMail.failed_at.is_(None),
                OutgoingMail.next_attempt_at <= now,
                or_(OutgoingMail.claimed_until.is_(None), OutgoingMail.claimed_until < now),
                OutgoingMail.id > after_id,
            )
            .order_by(OutgoingMail.id)
            .limit(BATCH)
        )
    )


def _record_failure(mail: OutgoingMail, error: BaseException) -> None:
    config = current_app.config
    mail.attempts += 1
    delay = min(
        config["MAIL_RETRY_SECONDS"] * 2 ** (mail.attempts - 1), config["MAIL_RETRY_MAX_SECONDS"]
    )
    mail.next_attempt_at = utcnow() + timedelta(seconds=delay)
    mail.last_error = _describe(error)[:500]
    mail.claimed_by = mail.claimed_until = None
    if mail.attempts == 1:
        logger.warning(
            "mail %d (%s) not sent, trying again with growing pauses: %s",
            mail.id,
            mail.kind,
            mail.last_error,
        )


def _record_bounce(mail: OutgoingMail, error: PermanentFailure) -> None:
    now = utcnow()
    mail.attempts += 1
    mail.failed_at = now
    mail.last_error = str(error)[:500]
    mail.claimed_by = mail.claimed_until = None
    if mail.user_id is not None:
        user = db.session.get(User, mail.user_id)
        if user is not None and user.email == mail.recipient and user.email_bouncing_at is None:
            user.email_bouncing_at = now
    logger.warning(
        "mail %d (%s) refused for good, address marked as bouncing: %s",
        mail.id,
        mail.kind,
        mail.last_error,
    )


def _send_one(mail: OutgoingMail, transport: SMTPTransport | FileTransport) -> bool:
    """Send a claimed mail and record the outcome; False when the server is unreachable."""
    message = build_message(mail, current_app.config["MAIL_DEFAULT_SENDER"])
    try:
        transport.send(message, mail)
    except PermanentFailure as bounce:
        _record_bounce(mail, bounce)
    except (smtplib.SMTPException, OSError) as error:
        _record_failure(mail, error)
        db.session.commit()
        # A server that is down fails every mail alike: leave the rest for the next sweep.
        return isinstance(error, _ANSWERED)
    else:
        if mail.attempts:
            logger.info("mail %d (%s) sent after %d failed attempts", mail.id, mail.kind,
                        mail.attempts)  # fmt: skip
        mail.sent_at = utcnow()
        mail.claimed_by = mail.claimed_until = None
    db.session.commit()
    return True


def deliver_due() -> int:
    """Send every mail that is due (in an app context); return how many went out."""
    worker = uuid.uuid4().hex
    transport = transport_for(current_app._get_current_object())  # type: ignore[attr-defined]
    sent = 0
    last_id = 0
    try:
        while ids := _due_ids(last_id):
            for mail_id in ids:
                last_id = mail_id
                if not _claim(mail_id, worker):
                    continue  # another worker has it
                mail = db.session.get(OutgoingMail, mail_id, populate_existing=True)
                if mail is None:
                    continue
                reachable = _send_one(mail, transport)
                sent += mail.sent_at is not None
                if not reachable:
                    return sent
    finally:
        transport.close()
        db.session.remove()
    return sent
