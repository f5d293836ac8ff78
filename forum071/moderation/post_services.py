"""Flags and a moderator's actions on posts: each one action, safe when requests race.

Every change is a conditional UPDATE (``WHERE state = ...``) whose result says whether this
request made it: two moderators pressing "hide" at once, or five members flagging at once,
change the post once and log it once; the other requests learn it was already handled.
Nothing here commits: the view commits the action and its log entry together.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import and_, or_, select, update

from ..extensions import db
from ..models import ContentState, Flag, Post, Thread, User, utcnow
from ..notifications.services import _insert
from .services import log_action

AUTO_HIDE_REASON = "hidden after flags"


class Resolution:
    """How a flag was resolved (Flag.resolution)."""

    HIDDEN = "hidden"
    DELETED = "deleted"
    DISMISSED = "dismissed"
    EDITED = "edited"


@dataclass(frozen=True)
class FlagOutcome:
    added: bool  # False: this member had already flagged the post
    hidden: bool  # this flag reached the threshold and hid the post


def post_label(post: Post) -> str:
    """How the log names a post: its number and thread title, never its text."""
    return f"#{post.number or '-'} {post.thread.title}"


def _auto_hidden() -> object:
    """Hidden by flags (no moderator yet): a moderator's hide, unhide or dismiss settles it."""
    return and_(Post.state == ContentState.HIDDEN, Post.moderated_by_id.is_(None))


def _set_state(post: Post, allowed_from: object, **values: object) -> bool:
    """Change the post when it is still in an allowed state; False when it no longer is."""
    changed = db.session.execute(
        update(Post)
        .where(Post.id == post.id, allowed_from)
        .values(**values)
        # Moderation is no edit: the version that guards edits stays as it is.
        .execution_options(synchronize_session=False)
    ).rowcount
    return bool(changed)


def _resolve_flags(moderator: User, post: Post, resolution: str) -> int:
    """Resolve the post's open flags and take them off its counter; how many there were."""
    resolved = db.session.execute(
        update(Flag)
        .where(Flag.post_id == post.id, Flag.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolved_by_id=moderator.id, resolution=resolution)
        .execution_options(synchronize_session=False)
    ).rowcount
    if resolved:
        db.session.execute(
            update(Post)
            .where(Post.id == post.id)
            .values(flag_count=Post.flag_count - resolved)
            .execution_options(synchronize_session=False)
        )
    return resolved


def has_flagged(user: User, post: Post) -> bool:
    """Whether this member flagged this post already (resolved or not)."""
    found = db.session.scalar(
        select(Flag.id).where(Flag.post_id == post.id, Flag.user_id == user.id).limit(1)
    )
    return found is not None


def flag_post(user: User, post: Post, reason: str, note: str = "") -> FlagOutcome:
    """Flag a post once; the flag that reaches FLAG_HIDE_THRESHOLD hides it at once."""
    added = db.session.execute(
        _insert(Flag)
        .values(post_id=post.id, user_id=user.id, reason=reason, note=note, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["post_id", "user_id"])
        .returning(Flag.id)
    ).first() is not None
    if not added:
        return FlagOutcome(added=False, hidden=False)
    # The counter moves in the same statement that reads it, so concurrent flags each see
    # their own number; only the state change below decides who hides the post.
    count = db.session.execute(
        update(Post)
        .where(Post.id == post.id)
        .values(flag_count=Post.flag_count + 1)
        .returning(Post.flag_count)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    threshold = int(current_app.config.get("FLAG_HIDE_THRESHOLD", 3) or 0)
    hidden = False
    if threshold > 0 and count >= threshold:
        hidden = _set_state(
            post,
            Post.state == ContentState.PUBLISHED,
            state=ContentState.HIDDEN,
            moderation_reason=AUTO_HIDE_REASON,
            moderated_by_id=None,
            moderated_at=utcnow(),
        )
        if hidden:
            log_action(
                None, "auto_hide", "post", post.id, post_label(post), AUTO_HIDE_REASON,
                thread_id=post.thread_id, flags=count,
            )
    return FlagOutcome(added=True, hidden=hidden)


def _moderate(
    moderator: User,
    post: Post,
    allowed_from,
    new_state: ContentState,
    action: str,
    resolution: str,
    reason: str,
    shown_reason: str,
) -> bool:
    """Move a post to new_state when it is in an allowed state, resolve its open flags and
    log it, all or nothing; False when another moderator already handled it."""
    done = _set_state(
        post,
        allowed_from,
        state=new_state,
        moderation_reason=shown_reason,
        moderated_by_id=moderator.id,
        moderated_at=utcnow(),
    )
    if done:
        flags = _resolve_flags(moderator, post, resolution)
        log_action(
            moderator, action, "post", post.id, post_label(post), reason,
            thread_id=post.thread_id, flags=flags,
        )
    return done


def hide_post(moderator: User, post: Post, reason: str) -> bool:
    """Hide a published post (or confirm an auto-hide); False when already handled."""
    allowed = or_(Post.state == ContentState.PUBLISHED, _auto_hidden())
    return _moderate(
        moderator, post, allowed, ContentState.HIDDEN, "hide", Resolution.HIDDEN, reason, reason
    )


def unhide_post(moderator: User, post: Post, reason: str = "") -> bool:
    """Publish a hidden post again, dismissing its flags; False when it is not hidden."""
    allowed = Post.state == ContentState.HIDDEN
    return _moderate(
        moderator, post, allowed, ContentState.PUBLISHED, "unhide", Resolution.DISMISSED,
        reason, "",
    )


def delete_post(moderator: User, post: Post, reason: str) -> bool:
    """Delete a published or hidden post (its place stays, with a notice); False when done."""
    allowed = Post.state.in_([ContentState.PUBLISHED, ContentState.HIDDEN])
    return _moderate(
        moderator, post, allowed, ContentState.DELETED, "delete", Resolution.DELETED,
        reason, reason,
    )


def dismiss_flags(moderator: User, post: Post, reason: str = "") -> bool:
    """Dismiss the post's open flags and keep it (publishing it again if flags hid it).

    False when there was nothing to dismiss: another moderator already handled it.
    """
    republished = _set_state(
        post,
        _auto_hidden(),
        state=ContentState.PUBLISHED,
        moderation_reason="",
        moderated_by_id=moderator.id,
        moderated_at=utcnow(),
    )
    flags = _resolve_flags(moderator, post, Resolution.DISMISSED)
    if not (republished or flags):
        return False
    log_action(
        moderator, "dismiss", "post", post.id, post_label(post), reason,
        thread_id=post.thread_id, flags=flags, republished=republished,
    )
    return True


def record_staff_edit(
    moderator: User, post: Post, reason: str, *, redaction: bool = False
) -> None:
    """After a moderator edited someone's post: log it, resolve its flags, undo an auto-hide.

    A redaction is logged as such (its reason is public in the history too)."""
    republished = _set_state(
        post,
        _auto_hidden(),
        state=ContentState.PUBLISHED,
        moderation_reason="",
        moderated_by_id=moderator.id,
        moderated_at=utcnow(),
    )
    flags = _resolve_flags(moderator, post, Resolution.EDITED)
    log_action(
        moderator, "redact" if redaction else "edit", "post", post.id, post_label(post), reason,
        thread_id=post.thread_id, flags=flags, republished=republished,
    )


def record_title_edit(
    moderator: User, thread: Thread, old_title: str, reason: str, *, redaction: bool = False
) -> None:
    """Log a moderator's correction of someone's thread title: the log names the thread by
    its new title, and keeps the old one unless the correction was a redaction."""
    details = {} if redaction else {"old_title": old_title}
    log_action(moderator, "edit_title", "thread", thread.id, thread.title, reason, **details)
