"""Moderation rules that span several tables: the log, and who is pre-moderated.

Like every service, nothing here commits: the view commits the action and its log entry
together, so the log never records something that did not happen.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import ModerationAction, Role, User


def log_action(
    moderator: User | None,
    action: str,
    target_type: str,
    target_id: int,
    target_label: str = "",
    reason: str = "",
    **details: Any,
) -> ModerationAction:
    """Record a moderation action (moderator None: done by the system, e.g. auto-hide)."""
    entry = ModerationAction(
        moderator_id=moderator.id if moderator is not None else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label[:200],
        reason=reason[:500],
        details=details,
    )
    db.session.add(entry)
    return entry


def handled_last_by(moderator: User, target_type: str, target_id: int) -> bool:
    """Whether the latest logged action on this target is this moderator's: a repeated
    press of their own button, rather than a race lost to someone else."""
    last = db.session.scalar(
        select(ModerationAction.moderator_id)
        .where(
            ModerationAction.target_type == target_type, ModerationAction.target_id == target_id
        )
        .order_by(ModerationAction.id.desc())
        .limit(1)
    )
    return last == moderator.id


def needs_premoderation(user: User) -> bool:
    """Whether this member's next post waits for review.

    Moderators, admins and verified officials are trusted; everyone else is reviewed until
    PREMODERATION_POSTS of their posts have been published.
    """
    threshold = int(current_app.config.get("PREMODERATION_POSTS", 0) or 0)
    if threshold <= 0:
        return False
    if user.role in (Role.MODERATOR, Role.ADMIN):
        return False
    if user.role == Role.OFFICIAL and user.official_verified:
        return False
    return user.published_post_count < threshold
