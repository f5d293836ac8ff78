"""Moderator actions on members: verify an official, change a role, suspend, remove content.

Like every service, nothing here commits; each action records itself in the moderation log.
An action that finds the member already as asked returns False and changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from ..extensions import db
from ..models import (
    ContentState,
    Flag,
    Post,
    Project,
    Role,
    Theme,
    Thread,
    User,
    thread_projects,
    utcnow,
)
from .services import log_action


def _log(moderator: User | None, action: str, user: User, reason: str = "", **details) -> None:
    log_action(moderator, action, "user", user.id, user.username, reason, **details)


def verify_official(moderator: User, user: User) -> bool:
    """Confirm that an official works for a government body: their badge says so."""
    if user.official_verified:
        return False
    user.official_verified = True
    _log(moderator, "verify", user)
    return True


def set_role(admin: User | None, user: User, role: Role | str, reason: str = "") -> bool:
    """Give a member another role (admin None: from the command line)."""
    role = Role(role)
    if user.role == role.value:
        return False
    previous = user.role
    user.role = role.value
    _log(admin, "set_role", user, reason, previous=previous, role=role.value)
    return True


def suspend_user(moderator: User, user: User, until: datetime | None, reason: str) -> bool:
    """Stop a member posting until a moment (None: for good); they can still read."""
    if user.is_suspended:
        return False
    user.suspended_at = utcnow()
    user.suspended_until = until
    user.suspension_reason = reason
    _log(
        moderator,
        "suspend",
        user,
        reason,
        until=until.date().isoformat() if until is not None else None,
    )
    return True


def unsuspend_user(moderator: User, user: User, reason: str = "") -> bool:
    if not user.is_suspended:
        return False
    user.suspended_at = None
    user.suspended_until = None
    user.suspension_reason = ""
    _log(moderator, "unsuspend", user, reason)
    return True


def remove_content(moderator: User, user: User, reason: str) -> tuple[int, int]:
    """Delete everything a member (a spammer) posted and suspend them for good.

    Their threads and every post they wrote become deleted, open flags on those posts are
    resolved, and the theme and project counters drop the threads that counted. Returns
    (threads, posts) removed; one log entry records both.
    """
    now = utcnow()
    threads = list(
        db.session.execute(
            select(Thread.id, Thread.theme_id, Thread.state).where(
                Thread.author_id == user.id, Thread.state != ContentState.DELETED.value
            )
        )
    )
    delete_threads(threads)
    post_ids = list(
        db.session.scalars(
            select(Post.id).where(
                Post.author_id == user.id, Post.state != ContentState.DELETED.value
            )
        )
    )
    if post_ids:
        db.session.execute(
            update(Post)
            .where(Post.id.in_(post_ids))
            .values(
                state=ContentState.DELETED.value,
                moderation_reason=reason[:500],
                moderated_by_id=moderator.id,
                moderated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        _resolve_flags(moderator, post_ids, now)
    if not (user.is_suspended and user.suspended_until is None):
        user.suspended_at = now
        user.suspended_until = None
        user.suspension_reason = reason
    _log(moderator, "remove_content", user, reason, threads=len(threads), posts=len(post_ids))
    return len(threads), len(post_ids)


def delete_threads(threads: list) -> None:
    """Mark threads (rows of id, theme_id, state) deleted, taking the published ones off the
    theme and project counters and off the pinned places."""
    counted = [row for row in threads if row.state == ContentState.PUBLISHED.value]
    for theme_id, number in _tally(row.theme_id for row in counted).items():
        db.session.execute(
            update(Theme)
            .where(Theme.id == theme_id)
            .values(thread_count=Theme.thread_count - number)
            .execution_options(synchronize_session=False)
        )
    if counted:
        project_rows = db.session.execute(
            select(thread_projects.c.project_id, func.count())
            .where(thread_projects.c.thread_id.in_([row.id for row in counted]))
            .group_by(thread_projects.c.project_id)
        )
        for project_id, number in project_rows:
            db.session.execute(
                update(Project)
                .where(Project.id == project_id)
                .values(thread_count=Project.thread_count - number)
                .execution_options(synchronize_session=False)
            )
    if threads:
        db.session.execute(
            update(Thread)
            .where(Thread.id.in_([row.id for row in threads]))
            .values(state=ContentState.DELETED.value, pinned=False, pinned_globally=False)
            .execution_options(synchronize_session=False)
        )


def _tally(values) -> dict[int, int]:
    counts: dict[int, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def _resolve_flags(moderator: User, post_ids: list[int], now: datetime) -> None:
    db.session.execute(
        update(Flag)
        .where(Flag.post_id.in_(post_ids), Flag.resolved_at.is_(None))
        .values(resolved_at=now, resolved_by_id=moderator.id, resolution="delete")
        .execution_options(synchronize_session=False)
    )
