"""Who may do what: the one place that answers, for views and templates alike."""

from __future__ import annotations

from typing import Any

from flask import Flask

from .models import Post, Thread


def _is_member(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated)


def _is_staff(user: Any) -> bool:
    return _is_member(user) and user.is_staff


def _is_author_or_staff(user: Any, thread: Thread) -> bool:
    return _is_member(user) and (thread.author_id == user.id or user.is_staff)


def can_start_thread(user: Any) -> bool:
    return _is_member(user)


def can_reply(user: Any, thread: Thread) -> bool:
    """Members reply to open threads; a closed thread takes no replies until reopened."""
    return _is_member(user) and not thread.closed


def can_edit_post(user: Any, post: Post) -> bool:
    """Authors edit their own posts; moderators get their own edit action later, with a reason."""
    return _is_member(user) and post.author_id == user.id


def can_moderate(user: Any) -> bool:
    return _is_staff(user)


def can_accept_answer(user: Any, thread: Thread) -> bool:
    """The asker or a moderator marks (or changes, or undoes) a question's accepted answer."""
    return thread.is_question and _is_author_or_staff(user, thread)


def can_close(user: Any, thread: Thread) -> bool:
    return not thread.closed and _is_author_or_staff(user, thread)


def can_reopen(user: Any, thread: Thread) -> bool:
    return thread.closed and _is_author_or_staff(user, thread)


def can_support(user: Any, post: Post) -> bool:
    """Members support other people's posts; supporting one's own would mean nothing."""
    return _is_member(user) and post.author_id != user.id


def can_follow(user: Any) -> bool:
    return _is_member(user)


def can_post_pitch_update(user: Any, thread: Thread) -> bool:
    """Only the pitcher reports progress on a pitch, while it is open."""
    return (
        _is_member(user) and thread.is_pitch and thread.author_id == user.id and not thread.closed
    )


def can_edit_profile(user: Any, profile_user: Any) -> bool:
    return _is_member(user) and user.id == profile_user.id


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
    )
