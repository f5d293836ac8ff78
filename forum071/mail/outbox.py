"""Queueing mail: render both parts in the recipient's language, store them in the outbox.

Every link in a mail starts with SITE_URL, never with the Host a request named. Without
SITE_URL, debug and test runs fall back to DEV_SITE_URL (flask run's address, with a
WARNING); a production app refuses to queue a mail with links (MailLinksUnavailable), since
a link built from a request could point anywhere.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import make_msgid
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, g, has_app_context, render_template, url_for
from flask_babel import force_locale
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import OutgoingMail, User

logger = logging.getLogger("forum071.mail")

DEV_SITE_URL = "http://127.0.0.1:5000"
_NUDGE = "forum071_mail_queued"


class MailLinksUnavailable(RuntimeError):
    """SITE_URL is not configured, so no link for a mail can be built."""


def mail_language(user: User | None) -> str:
    languages = current_app.config["LANGUAGES"]
    if user is not None and user.language in languages:
        return user.language
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def site_url() -> str:
    """The address every link in a mail starts with."""
    site = current_app.config.get("SITE_URL")
    if site:
        return site.rstrip("/")
    if current_app.debug or current_app.testing:
        if not current_app.extensions.get("forum071_mail_warned"):
            current_app.extensions["forum071_mail_warned"] = True
            logger.warning("SITE_URL is not set: links in mails start with %s", DEV_SITE_URL)
        return DEV_SITE_URL
    raise MailLinksUnavailable(
        "SITE_URL is not set: mails with links are not queued (set FLASK_SITE_URL)"
    )


def mail_link(endpoint: str, **values: Any) -> str:
    """An absolute address for a mail, from SITE_URL whatever the request's Host."""
    site = site_url()
    if current_app.config.get("SITE_URL"):
        return url_for(endpoint, _external=True, **values)  # SiteFlask builds it from SITE_URL
    return site + url_for(endpoint, **values)


@contextmanager
def _in_language(language: str) -> Iterator[None]:
    """Render in this language; the request's own language (cached in g) comes back after."""
    saved = g.pop("_forum071_language", None)
    try:
        with force_locale(language):
            yield
    finally:
        g.pop("_forum071_language", None)
        if saved is not None:
            g._forum071_language = saved


def render_mail(template: str, language: str, **context: Any) -> tuple[str, str, str]:
    """Subject, text and HTML of templates/mail/<template>.{subject.txt,txt,html}."""
    with _in_language(language):
        subject = render_template(f"mail/{template}.subject.txt", **context)
        text = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", **context)
    return " ".join(subject.split()), text, html


def build_mail(
    user: User | None, kind: str, template: str, *, address: str | None = None, **context: Any
) -> OutgoingMail:
    """A mail to ``user`` (or to ``address``), rendered and ready, not yet in the session."""
    language = mail_language(user)
    subject, text, html = render_mail(template, language, user=user, **context)
    domain = urlsplit(site_url() if current_app.config.get("SITE_URL") else DEV_SITE_URL)
    return OutgoingMail(
        user_id=user.id if user is not None else None,
        recipient=address or (user.email if user is not None else ""),
        kind=kind,
        language=language,
        subject=subject[:300],
        text_body=text,
        html_body=html,
        # Made once, so a mail sent again after a crash is recognisably the same message.
        headers={"Message-ID": make_msgid("forum071", domain=domain.hostname or "localhost")},
    )


def queue_mail(mail: OutgoingMail) -> OutgoingMail:
    """Add the mail to the outbox in the current transaction (not committed); the worker is
    nudged once the transaction commits."""
    db.session.add(mail)
    db.session.info[_NUDGE] = True
    return mail


def _after_commit(session: Session) -> None:
    if session.info.pop(_NUDGE, False) and has_app_context():
        from .worker import nudge

        nudge()


def _after_soft_rollback(session: Session, previous_transaction: Any) -> None:
    session.info.pop(_NUDGE, None)


def init_app(app: Flask) -> None:
    # Flask-SQLAlchemy's session class is shared by every app; the nudge finds its app.
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_soft_rollback)
