"""Moderation: a moderator hides, shows again, deletes a post, or dismisses its flags."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..models import Post, User
from ..permissions import can_moderate
from ..refusals import already_handled_message
from ..security import safe_next_url
from ..urls import post_url
from . import post_services
from .flags import load_post
from .post_forms import PostActionForm, ReasonRequiredForm

bp = Blueprint("moderation_posts", __name__, url_prefix="/moderation")

Action = Callable[[User, Post, str], bool]


def _act(post_id: int, form_class: type[PostActionForm], action: Action, done: str):
    """Check, run one post action, commit once, say what happened and go back (303)."""
    post = load_post(post_id)
    if not can_moderate(current_user):
        abort(403)
    form = form_class()
    target = safe_next_url(post_url(post, post.thread))
    if not form.validate_on_submit():
        if form.reason.errors:
            flash(_("Give a reason: it is shown in place of the post and in the log."), "info")
            return redirect(target, 303)
        abort(400)
    if action(current_user, post, form.reason.data or ""):
        db.session.commit()
        flash(done, "success")
    else:
        db.session.rollback()
        flash(already_handled_message(current_user, post), "info")
    return redirect(target, 303)


@bp.post("/posts/<int:post_id>/hide")
@login_required
def hide(post_id: int):
    """Hide a post: everyone sees the reason, only its author and moderators its text."""
    return _act(post_id, ReasonRequiredForm, post_services.hide_post, _("The post is hidden."))


@bp.post("/posts/<int:post_id>/unhide")
@login_required
def unhide(post_id: int):
    """Show a hidden post again."""
    return _act(
        post_id, PostActionForm, post_services.unhide_post, _("The post is visible again.")
    )


@bp.post("/posts/<int:post_id>/delete")
@login_required
def delete(post_id: int):
    """Delete a post; its place in the thread says it was deleted."""
    return _act(
        post_id, ReasonRequiredForm, post_services.delete_post, _("The post is deleted.")
    )


@bp.post("/posts/<int:post_id>/dismiss")
@login_required
def dismiss(post_id: int):
    """Dismiss a post's flags and keep it published."""
    return _act(
        post_id, PostActionForm, post_services.dismiss_flags, _("The flags are dismissed.")
    )
