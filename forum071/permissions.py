"""Who may do what: the one place that answers, for views and templates alike."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from flask import Flask

from .models import Post, Role, Thread

# Who outranks whom: nobody acts on an account of an equal or higher rank (members are equal).
_RANKS = {Role.MODERATOR.value: 1, Role.ADMIN.value: 2}


class Refusal(StrEnum):
    """Why a member may not post somewhere (the view tells them, and keeps what they typed)."""

    SUSPENDED = "suspended"
    UNCONFIRMED = "unconfirmed"
    CLOSED = "closed"
    LOCKED = "locked"
    UNPUBLISHED = "unpublished"


def _is_member(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated)


def posting_refusal(user: Any) -> Refusal | None:
    """Why this member may post nothing anywhere: suspended, or the address not yet
    confirmed; None when they may."""
    if user.is_suspended:
        return Refusal.SUSPENDED
    if not user.is_confirmed:
        return Refusal.UNCONFIRMED
    return None


def _may_post(user: Any) -> bool:
    """Confirmed members who are not suspended may act; a suspended or unconfirmed account
    (staff too) can only read.

    Every power below starts here, so a suspension ends all of them at once.
    """
    return _is_member(user) and posting_refusal(user) is None


def _is_staff(user: Any) -> bool:
    return _may_post(user) and user.is_staff


def _is_author_or_staff(user: Any, thread: Thread) -> bool:
    return _may_post(user) and (thread.author_id == user.id or user.is_staff)


def _outranks(user: Any, target: Any) -> bool:
    return _RANKS.get(user.role, 0) > _RANKS.get(target.role, 0)


def can_start_thread(user: Any) -> bool:
    return _may_post(user)


def reply_refusal(user: Any, thread: Thread) -> Refusal | None:
    """Why a member may not reply to this thread; None when they may.

    Closed or locked threads take no replies; moderators may still reply to a locked thread,
    to explain the lock.
    """
    refusal = posting_refusal(user)
    if refusal is not None:
        return refusal
    if thread.closed:
        return Refusal.CLOSED
    if not thread.is_published:
        return Refusal.UNPUBLISHED
    if thread.locked and not _is_staff(user):
        return Refusal.LOCKED
    return None


def can_reply(user: Any, thread: Thread) -> bool:
    return _is_member(user) and reply_refusal(user, thread) is None


def can_see_thread(user: Any, thread: Thread) -> bool:
    """A thread waiting for review (or deleted) exists only for its author and moderators."""
    if thread.is_published:
        return True
    return _is_staff(user) or (_is_member(user) and thread.author_id == user.id)


def can_see_post_text(user: Any, post: Post) -> bool:
    """Everyone reads published posts; hidden and pending text is for its author and
    moderators, deleted text for moderators only (others see a placeholder, or nothing for a
    pending post)."""
    if post.is_published:
        return True
    if post.state == "deleted":
        return _is_staff(user)
    return _is_staff(user) or (_is_member(user) and post.author_id == user.id)


def can_edit_post(user: Any, post: Post) -> bool:
    """Authors edit their own visible posts; moderators edit anyone's, with a reason."""
    if not _may_post(user) or post.state == "deleted":
        return False
    return post.author_id == user.id or user.is_staff


def can_flag(user: Any, post: Post) -> bool:
    """Members flag other people's published posts."""
    return _may_post(user) and post.author_id != user.id and post.is_published


def can_moderate(user: Any) -> bool:
    return _is_staff(user)


def edit_needs_reason(user: Any, post: Post) -> bool:
    """A moderator changing someone else's post says why (kept in the edit history)."""
    return _is_staff(user) and post.author_id != user.id


def can_redact_post(user: Any, post: Post) -> bool:
    """Moderators may mark an edit as a redaction (personal data taken out)."""
    return can_edit_post(user, post) and _is_staff(user)


def can_see_redacted_versions(user: Any) -> bool:
    """The versions before a redaction are for moderators' eyes only."""
    return _is_staff(user)


def can_see_moderation_log(user: Any) -> bool:
    """The full log (who did it) is for moderators; everyone reads the public summary."""
    return _is_staff(user)


def can_change_role(user: Any, target: Any) -> bool:
    """Only admins grant or take away roles, and not of another admin (or themselves)."""
    return _is_staff(user) and user.role == Role.ADMIN and _outranks(user, target)


def can_suspend(user: Any, target: Any) -> bool:
    """Staff suspend (and lift the suspension of, and remove the content of) accounts below
    their own rank: moderators suspend members, only admins suspend moderators, nobody an
    admin or themselves."""
    return _is_staff(user) and _outranks(user, target)


def can_verify(user: Any, target: Any) -> bool:
    """Staff confirm that an official works for a government body."""
    return _is_staff(user) and target.is_official


def can_accept_answer(user: Any, thread: Thread) -> bool:
    """The asker or a moderator marks (or changes, or undoes) a question's accepted answer."""
    return thread.is_question and _is_author_or_staff(user, thread)


def can_close(user: Any, thread: Thread) -> bool:
    return not thread.closed and _is_author_or_staff(user, thread)


def can_reopen(user: Any, thread: Thread) -> bool:
    return thread.closed and _is_author_or_staff(user, thread)


def can_support(user: Any, post: Post) -> bool:
    """Members support other people's posts; supporting one's own would mean nothing."""
    return _may_post(user) and post.author_id != user.id and post.is_published


def can_follow(user: Any) -> bool:
    return _is_member(user)


def can_post_pitch_update(user: Any, thread: Thread) -> bool:
    """Only the pitcher reports progress on a pitch, while it is open."""
    return (
        _may_post(user)
        and thread.is_pitch
        and thread.author_id == user.id
        and not thread.closed
        and not thread.locked
        and thread.is_published
    )


def can_edit_profile(user: Any, profile_user: Any) -> bool:
    """Members edit their own profile (before confirming their address too); a suspended
    member publishes nothing, there either."""
    return _is_member(user) and not user.is_suspended and user.id == profile_user.id


def can_delete_account(user: Any, other_active_admins: int) -> bool:
    """Every member may delete their own account, a suspended one too (the right to erasure
    does not depend on good conduct); an admin only while another active admin remains, so
    that the forum never loses the last person who can grant roles."""
    if not _is_member(user):
        return False
    return user.role != Role.ADMIN or other_active_admins > 0


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals.update(
        can_start_thread=can_start_thread,
        can_reply=can_reply,
        can_edit_post=can_edit_post,
        can_moderate=can_moderate,
        can_accept_answer=can_accept_answer,
        can_close=can_close,
        can_reopen=can_reopen,
        can_support=can_support,
        can_follow=can_follow,
        can_post_pitch_update=can_post_pitch_update,
        can_edit_profile=can_edit_profile,
        can_see_thread=can_see_thread,
        can_see_post_text=can_see_post_text,
        can_flag=can_flag,
        edit_needs_reason=edit_needs_reason,
        can_redact_post=can_redact_post,
        can_see_moderation_log=can_see_moderation_log,
        can_change_role=can_change_role,
        can_suspend=can_suspend,
        can_verify=can_verify,
    )
