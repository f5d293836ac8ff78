"""Account settings: a new password, the language, and what deletion must know.

Plain functions, the member first; nothing here commits.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select

from .. import passwords
from ..extensions import db
from ..models import Role, User, utcnow


def password_matches(user: User, password: str) -> bool:
    """Whether the member typed their current password (one full verification)."""
    return passwords.verify_password(user.password_hash, password)


def change_password(user: User, new_password: str) -> None:
    """Store the new password's hash; the view ends the member's other sessions with it."""
    user.password_hash = passwords.hash_password(new_password)


def set_language(user: User, code: str) -> None:
    user.language = code


def other_active_admins(user: User) -> int:
    """How many admins besides this member could still run the forum (not deleted, not
    suspended)."""
    now = utcnow()
    return db.session.scalar(
        select(func.count())
        .select_from(User)
        .where(
            User.role == Role.ADMIN.value,
            User.id != user.id,
            User.deleted_at.is_(None),
            or_(User.suspended_at.is_(None), User.suspended_until <= now),
        )
    ) or 0
