"""Account actions that views and the CLI share."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from .. import passwords
from ..extensions import db
from ..models import Role, User, utcnow
from ..names import normalise_username


def create_user(
    username: str,
    email: str,
    password: str,
    role: Role | str,
    organisation: str = "",
    *,
    confirmed: bool = True,
) -> User:
    """Add a new account (not committed); the password is hashed here and nowhere else.

    Accounts made by the CLI and the demo seed count as confirmed; registration passes
    ``confirmed=False`` and mails a link (auth.confirm_services).
    """
    user = User(
        email_confirmed_at=utcnow() if confirmed else None,
        username=normalise_username(username),
        email=email.strip().lower(),
        password_hash=passwords.hash_password(password),
        role=Role(role),
        organisation=organisation.strip(),
    )
    db.session.add(user)
    return user


def find_account(login: str) -> User | None:
    """The account with this username or email address (as the login form takes it)."""
    login = normalise_username(login)
    return db.session.scalar(
        select(User).where(
            or_(User.username == login, func.lower(User.email) == login),
            User.deleted_at.is_(None),  # a deleted account cannot log in or reset
        )
    )


def authenticate(login: str, password: str) -> User | None:
    """The user whose username or email and password match, else None.

    Both paths run exactly one password verification, so the response time does not tell
    whether an account exists.
    """
    user = find_account(login)
    if user is None:
        passwords.verify_dummy(password)
        return None
    if not passwords.verify_password(user.password_hash, password):
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user
