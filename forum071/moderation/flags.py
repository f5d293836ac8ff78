"""Flagging: members report a post to the moderators, once per post."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..models import Post
from ..permissions import can_flag, posting_refusal
from ..ratelimits import limit_flags
from ..refusals import posting_refusal_message
from ..security import safe_next_url
from ..urls import post_url
from . import post_services
from .post_forms import FLAG_REASON_LABELS, FlagForm

bp = Blueprint("moderation_flags", __name__)
# The flag form on every post (and the review queue) names the reasons in words.
bp.add_app_template_global(FLAG_REASON_LABELS, "FLAG_REASON_LABELS")


ALREADY_FLAGGED = _l("You already flagged this post.")


def _refused(form: FlagForm, post: Post, message: str, status: int):
    form.form_errors.append(str(message))
    return render_template("moderation/flag.html", form=form, post=post), status


def load_post(post_id: int) -> Post:
    post = db.session.scalar(
        select(Post).options(joinedload(Post.thread)).where(Post.id == post_id)
    )
    if post is None:
        abort(404)
    return post


@bp.post("/posts/<int:post_id>/flag")
@login_required
@limit_flags
def flag(post_id: int):
    """Flag someone else's post for the moderators, with a reason."""
    post = load_post(post_id)
    form = FlagForm()
    if not can_flag(current_user, post):
        # Said in words, with the note kept: suspended or unconfirmed, or flagged (and since
        # hidden) before.
        refusal = posting_refusal(current_user)
        if refusal is not None:
            return _refused(form, post, posting_refusal_message(refusal, current_user), 403)
        if post_services.has_flagged(current_user, post):
            return _refused(form, post, ALREADY_FLAGGED, 409)
        abort(403)
    if not form.validate_on_submit():
        return render_template("moderation/flag.html", form=form, post=post), 422
    target = safe_next_url(post_url(post, post.thread))
    outcome = post_services.flag_post(current_user, post, form.reason.data, form.note.data or "")
    if not outcome.added:
        db.session.rollback()
        return _refused(form, post, ALREADY_FLAGGED, 409)
    db.session.commit()
    flash(_("Thank you: the moderators will look at this post."), "success")
    return redirect(target, 303)
