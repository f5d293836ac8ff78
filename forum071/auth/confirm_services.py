"""Email confirmation and registration that does not tell whether an address has an account.

The confirmation link signs the user's id, their address and a fingerprint of both and of
``email_confirmed_at``: confirming changes the fingerprint, so a link works once; a changed
address makes older links worthless. It expires after CONFIRM_EMAIL_MAX_AGE_SECONDS (48
hours). Nothing is stored for it.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, or_, select

from .. import passwords
from ..extensions import db
from ..mail.outbox import build_mail, mail_link, queue_mail
from ..models import Role, User, utcnow
from ..names import skeleton
from .services import create_user

_SALT = "forum071-confirm-email"
CONFIRM_KIND = "confirm_email"
TAKEN_KIND = "register_taken"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)


def _fingerprint(user: User) -> str:
    confirmed = user.email_confirmed_at.isoformat() if user.email_confirmed_at else ""
    material = f"{user.id}|{user.email}|{confirmed}".encode()
    return hashlib.sha256(material).hexdigest()[:32]


def confirmation_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "e": user.email, "f": _fingerprint(user)})


def user_from_confirmation_token(token: str) -> User | None:
    """The unconfirmed user this link is for, if it is ours, not expired and not yet used."""
    max_age = current_app.config["CONFIRM_EMAIL_MAX_AGE_SECONDS"]
    try:
        payload = _serializer().loads(token, max_age=max_age)
        user = db.session.get(User, int(payload["u"]))
        email, fingerprint = str(payload["e"]), str(payload["f"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    if user is None or user.is_confirmed or email != user.email:
        return None
    if not hmac.compare_digest(fingerprint, _fingerprint(user)):
        return None
    return user


def send_confirmation(user: User) -> None:
    """Queue a mail with the confirmation link (not committed)."""
    queue_mail(
        build_mail(
            user,
            CONFIRM_KIND,
            "confirm_email",
            link=mail_link("auth.confirm_email", token=confirmation_token(user)),
            max_age_hours=current_app.config["CONFIRM_EMAIL_MAX_AGE_SECONDS"] // 3600,
        )
    )


def confirm_email(user: User) -> None:
    user.email_confirmed_at = utcnow()


def username_taken(username: str) -> bool:
    """Whether an account has this name, or one that looks like it."""
    taken = select(User.id).where(
        or_(User.username == username, User.username_skeleton == skeleton(username))
    )
    return db.session.scalar(taken) is not None


def register(
    username: str, email: str, password: str, role: Role | str, organisation: str = ""
) -> User | None:
    """A new, unconfirmed account with a confirmation mail; or, for an address that has an
    account, no account and a note to its owner (not committed).

    Both paths hash the password once and queue one mail, so neither the answer nor its
    time tells whether the address is taken (SECURITY.md R10).
    """
    owner = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if owner is None:
        user = create_user(username, email, password, role, organisation, confirmed=False)
        db.session.flush()
        send_confirmation(user)
        return user
    passwords.hash_password(password)  # the work a new account costs, thrown away
    queue_mail(build_mail(owner, TAKEN_KIND, "register_taken", link=mail_link("auth.reset")))
    return None
