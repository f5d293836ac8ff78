"""Notifications, following and supporting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..labels import NOTIFICATION_LABELS
from ..models import Notification, Post, Project, Theme, Thread
from ..pagination import paginate
from ..permissions import can_follow, can_support, posting_refusal
from ..refusals import suspended_response
from ..security import safe_next_url
from ..urls import post_url, thread_url
from . import services, supports
from .forms import ButtonForm

bp = Blueprint("notifications", __name__)

DEFAULT_PER_PAGE = 20


def _check_button() -> None:
    """Refuse a button press whose form does not validate (CSRFProtect checks first)."""
    if not ButtonForm().validate_on_submit():
        abort(400)


def _back_to(default: str):
    return redirect(safe_next_url(default), 303)


# Supporting ------------------------------------------------------------------------------------


def _load_post(post_id: int) -> Post:
    post = db.session.scalar(
        select(Post).options(joinedload(Post.thread)).where(Post.id == post_id)
    )
    if post is None:
        abort(404)
    return post


@bp.post("/posts/<int:post_id>/support")
@login_required
def support(post_id: int):
    """Support someone else's post, once."""
    post = _load_post(post_id)
    if not can_support(current_user, post):
        if posting_refusal(current_user) is not None:
            return suspended_response(current_user)  # says why: suspended or unconfirmed
        abort(403)
    _check_button()
    target = post_url(post, post.thread)
    if supports.support_post(current_user, post):
        db.session.commit()
        flash(_("You support this post."), "success")
    else:
        flash(_("You already support this post."), "info")
    return redirect(target, 303)


@bp.post("/posts/<int:post_id>/unsupport")
@login_required
def unsupport(post_id: int):
    """Withdraw one's support for a post."""
    post = _load_post(post_id)
    if not can_support(current_user, post):
        abort(403)
    _check_button()
    target = post_url(post, post.thread)
    if supports.unsupport_post(current_user, post):
        db.session.commit()
        flash(_("You no longer support this post."), "success")
    return redirect(target, 303)


# Following -------------------------------------------------------------------------------------


def _load_thread(thread_id: int) -> Thread:
    thread = db.session.get(Thread, thread_id)
    if thread is None:
        abort(404)
    return thread


def _load_by_slug(model: type[Any], slug: str) -> Any:
    row = db.session.scalar(select(model).where(model.slug == slug))
    if row is None:
        abort(404)
    return row


def _may_follow() -> None:
    if not can_follow(current_user):
        abort(403)
    _check_button()


def _change_following(
    change: Callable[[Any, Any], None], target: Any, message: str, back: str
) -> Response:
    """Follow or stop following ``target`` for the current member, then go back."""
    _may_follow()
    change(current_user, target)
    db.session.commit()
    flash(message, "success")
    return _back_to(back)


@bp.post("/threads/<int:thread_id>/follow")
@login_required
def follow_thread(thread_id: int):
    """Follow a thread: hear of each reply."""
    thread = _load_thread(thread_id)
    return _change_following(
        services.follow_thread, thread, _("You follow this thread."), thread_url(thread)
    )


@bp.post("/threads/<int:thread_id>/unfollow")
@login_required
def unfollow_thread(thread_id: int):
    """Stop following a thread, also when replying to it later."""
    thread = _load_thread(thread_id)
    return _change_following(
        services.unfollow_thread, thread, _("You no longer follow this thread."), thread_url(thread)
    )


@bp.post("/themes/<theme_slug>/follow")
@login_required
def follow_theme(theme_slug: str):
    """Follow a theme: hear of each new thread in it."""
    theme = _load_by_slug(Theme, theme_slug)
    return _change_following(
        services.follow_theme,
        theme,
        _("You follow this theme."),
        url_for("themes.show", slug=theme.slug),
    )


@bp.post("/themes/<theme_slug>/unfollow")
@login_required
def unfollow_theme(theme_slug: str):
    """Stop following a theme."""
    theme = _load_by_slug(Theme, theme_slug)
    return _change_following(
        services.unfollow_theme,
        theme,
        _("You no longer follow this theme."),
        url_for("themes.show", slug=theme.slug),
    )


@bp.post("/projects/<project_slug>/follow")
@login_required
def follow_project(project_slug: str):
    """Follow a project: hear of each new thread about it."""
    project = _load_by_slug(Project, project_slug)
    return _change_following(
        services.follow_project,
        project,
        _("You follow this project."),
        url_for("projects.show", slug=project.slug),
    )


@bp.post("/projects/<project_slug>/unfollow")
@login_required
def unfollow_project(project_slug: str):
    """Stop following a project."""
    project = _load_by_slug(Project, project_slug)
    return _change_following(
        services.unfollow_project,
        project,
        _("You no longer follow this project."),
        url_for("projects.show", slug=project.slug),
    )


@bp.app_template_global()
def follows_theme(user: Any, theme: Theme) -> bool:
    """For the theme page's button: whether a member follows the theme (one indexed query)."""
    return bool(user.is_authenticated) and services.follows_theme(user, theme)


@bp.app_template_global()
def follows_project(user: Any, project: Project) -> bool:
    """For the project page's button: whether a member follows the project (one indexed query)."""
    return bool(user.is_authenticated) and services.follows_project(user, project)


# Notifications ---------------------------------------------------------------------------------


def notification_text(notification: Notification) -> str:
    """What happened, in the reader's language, as plain text (templates escape it)."""
    actor = notification.actor
    known = actor is not None and not actor.is_former_member
    name = actor.username if known else _("A former member")
    thread = notification.thread.title if notification.thread else ""
    return str(NOTIFICATION_LABELS[notification.kind] % {"actor": name, "thread": thread})


def notification_target(notification: Notification) -> str:
    """The address a notification leads to: its post, else its thread, else the list."""
    if notification.post is not None and notification.thread is not None:
        return post_url(notification.post, notification.thread)
    if notification.thread is not None:
        return thread_url(notification.thread)
    return url_for("notifications.index")


@bp.get("/notifications")
@login_required
def index():
    """Show the member's notifications: unread first, then read, newest first."""
    page = paginate(
        services.notifications_of(current_user),
        services.notification_total(current_user),
        current_app.config.get("NOTIFICATIONS_PER_PAGE", DEFAULT_PER_PAGE),
    )
    return render_template(
        "notifications/index.html",
        page=page,
        notification_text=notification_text,
        notification_target=notification_target,
    )


@bp.post("/notifications/read")
@login_required
def mark_all_read():
    """Mark all of the member's notifications read."""
    _check_button()
    if services.mark_read(current_user):
        db.session.commit()
    flash(_("All notifications are marked read."), "success")
    return redirect(url_for("notifications.index"), 303)


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int):
    """Mark one of the member's notifications read and go to what it is about."""
    notification = db.session.scalar(
        select(Notification)
        .options(joinedload(Notification.thread), joinedload(Notification.post))
        .where(Notification.id == notification_id, Notification.user_id == current_user.id)
    )
    if notification is None:
        abort(404)
    _check_button()
    target = notification_target(notification)
    if services.mark_read(current_user, [notification.id]):
        db.session.commit()
    return redirect(target, 303)
