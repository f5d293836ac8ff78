"""Password reset: a signed link by mail, good for an hour, once, for the password it was for.

The token signs the user's id and a fingerprint of their password hash and session token:
a new password (or a logout everywhere) changes the fingerprint, so a link that was used, or
is older than the current password, no longer works. Nothing is stored for it.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from .. import passwords
from ..extensions import db
from ..mail.outbox import build_mail, mail_link, queue_mail
from ..models import User
from .services import find_account

_SALT = "forum071-password-reset"
MAIL_KIND = "password_reset"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)


def _fingerprint(user: User) -> str:
    material = f"{user.id}|{user.password_hash}|{user.session_token}".encode()
    return hashlib.sha256(material).hexdigest()[:32]


def password_reset_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user)})


def user_from_reset_token(token: str) -> User | None:
    """The user this link is for, if it is ours, not expired and not yet used."""
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE_SECONDS"]
    try:
        payload = _serializer().loads(token, max_age=max_age)
        user = db.session.get(User, int(payload["u"]))
        fingerprint = str(payload["f"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    if user is None or not hmac.compare_digest(fingerprint, _fingerprint(user)):
        return None
    return user


def request_password_reset(login: str) -> None:
    """Queue a reset link for the account with this username or address, if there is one.

    An unknown login does the same work (the mail is rendered, then dropped), so neither
    the answer nor its time tells whether the account exists (SECURITY.md R10).
    """
    user = find_account(login)
    target = user if user is not None else User(id=0, email="", password_hash="", session_token="")
    mail = build_mail(
        target,
        MAIL_KIND,
        "password_reset",
        link=mail_link("auth.reset_password", token=password_reset_token(target)),
        max_age_minutes=current_app.config["PASSWORD_RESET_MAX_AGE_SECONDS"] // 60,
    )
    if user is not None:
        queue_mail(mail)


def reset_password(user: User, password: str) -> None:
    """Set a new password and end every session of the member (not committed)."""
    user.password_hash = passwords.hash_password(password)
    user.rotate_session_token()
