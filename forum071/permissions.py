"""Who may do what: the one place that answers, for views and templates alike."""

from __future__ import annotations

from typing import Any

from flask import Flask

from .models import Post, Thread


def _is_member(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated)


def can_start_thread(user: Any) -> bool:
    return _is_member(user)


def can_reply(user: Any, thread: Thread) -> bool:
    return _is_member(user)


def can_edit_post(user: Any, post: Post) -> bool:
    """Authors edit their own posts; moderators get their own edit action later, with a reason."""
    return _is_member(user) and post.author_id == user.id


def can_moderate(user: Any) -> bool:
    return _is_member(user) and user.is_staff


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals.update(
        can_start_thread=can_start_thread,
        can_reply=can_reply,
        can_edit_post=can_edit_post,
        can_moderate=can_moderate,
    )
