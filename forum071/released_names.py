"""Usernames freed by deleted accounts, refused at registration for RELEASED_NAME_DAYS.

So that nobody passes for a member who left, their name (and its look-alikes, by skeleton)
stays reserved for a while. Only a keyed hash of the skeleton is stored: the name itself is
gone with the account.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from .extensions import db
from .models import ReleasedUsername, utcnow
from .names import skeleton

RELEASED_NAME_DAYS = 90


def _name_hash(username: str) -> str:
    """A keyed hash of the name's skeleton: the table never holds a name, and one can only
    test a guess with the site's secret key. (A new SECRET_KEY forgets the reservations.)"""
    key = current_app.secret_key
    secret = key.encode() if isinstance(key, str) else bytes(key or b"")
    return hmac.new(secret, skeleton(username).encode(), hashlib.sha256).hexdigest()


def release_username(username: str) -> None:
    """Reserve a deleted account's name for RELEASED_NAME_DAYS, and forget older ones."""
    now = utcnow()
    db.session.execute(
        delete(ReleasedUsername).where(
            ReleasedUsername.released_at < now - timedelta(days=RELEASED_NAME_DAYS)
        )
    )
    db.session.merge(ReleasedUsername(name_hash=_name_hash(username), released_at=now))


def released_until(username: str) -> datetime | None:
    """When a name freed by a deleted account (or one like it) may be registered again;
    None when it may be now."""
    released_at = db.session.scalar(
        select(ReleasedUsername.released_at).where(
            ReleasedUsername.name_hash == _name_hash(username)
        )
    )
    if released_at is None:
        return None
    until = released_at + timedelta(days=RELEASED_NAME_DAYS)
    return until if until > utcnow() else None
