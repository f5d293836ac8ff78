"""Pitch progress updates."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..forms import rerender_on_csrf_failure
from ..models import PitchStage, PitchUpdate, Thread, thread_with_context
from ..permissions import can_post_pitch_update, posting_refusal
from ..refusals import posting_refusal_message
from ..urls import thread_url
from . import services
from .forms import PitchUpdateForm

bp = Blueprint("pitches", __name__)


def update_url(thread: Thread, update: PitchUpdate) -> str:
    """The pitch page, at this update in its timeline."""
    return thread_url(thread, _anchor=f"update-{update.id}")


@bp.route("/threads/<int:thread_id>/updates/new", methods=["GET", "POST"])
@login_required
@rerender_on_csrf_failure
def post_update(thread_id: int):
    """Post a progress update on one's own pitch: what changed, its stage and its new ask."""
    thread = db.session.execute(thread_with_context(thread_id)).unique().scalar_one_or_none()
    if thread is None:
        abort(404)
    # A suspended (or unconfirmed) pitcher is told why, with the text they typed, rather than
    # a bare 403.
    refusal = posting_refusal(current_user)
    refused_pitcher = (
        refusal is not None and thread.is_pitch and thread.author_id == current_user.id
    )
    if not can_post_pitch_update(current_user, thread) and not refused_pitcher:
        abort(403)
    form = PitchUpdateForm(
        data={
            "stage": thread.stage or PitchStage.IDEA.value,
            "ask": thread.ask,
            "ask_categories": list(thread.ask_categories or []),
        }
    )
    if refused_pitcher:
        form.form_errors.append(posting_refusal_message(refusal, current_user))
        return render_template("pitches/post_update.html", form=form, thread=thread), 403
    if form.validate_on_submit():
        fields = form.update_fields()
        existing = services.find_update_submission(current_user, fields["client_token"])
        if existing is not None:
            return redirect(update_url(thread, existing), 303)
        try:
            update = services.post_pitch_update(current_user, thread, **fields)
            db.session.commit()
        except IntegrityError:
            # A copy of this same form (same one-time token) was saved a moment earlier.
            db.session.rollback()
            update = services.find_update_submission(current_user, fields["client_token"])
            if update is None:
                abort(409)
            return redirect(update_url(thread, update), 303)
        flash(_("Your progress update is posted."), "success")
        return redirect(update_url(thread, update), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("pitches/post_update.html", form=form, thread=thread), status
