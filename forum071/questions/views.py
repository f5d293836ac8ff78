"""Accepted answers and closing threads with an outcome."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..errors import error_response
from ..extensions import db
from ..forms import invalid_status, rerender_on_csrf_failure
from ..models import Post, Thread, thread_with_context
from ..permissions import can_accept_answer, can_close, can_reopen
from ..urls import post_url, thread_url
from . import services
from .forms import AcceptForm, CloseForm

bp = Blueprint("questions", __name__)


def _load_thread(thread_id: int) -> Thread:
    thread = db.session.execute(thread_with_context(thread_id)).unique().scalar_one_or_none()
    if thread is None:
        abort(404)
    return thread


@bp.post("/threads/<int:thread_id>/accept")
@login_required
def accept(thread_id: int):
    """Mark a reply as the accepted answer to a question, or change which one it is."""
    thread = _load_thread(thread_id)
    if not can_accept_answer(current_user, thread):
        abort(403)
    form = AcceptForm()
    if not form.validate_on_submit():
        return error_response(400, _("Choose the reply to accept."))
    post = db.session.get(Post, form.post_id.data)
    if post is None or post.thread_id != thread.id:
        abort(404)
    if post.is_opening_post:
        return error_response(400, _("The question itself cannot be its answer: accept a reply."))
    changed = services.accept_answer(current_user, thread, post)
    db.session.commit()
    if changed:
        flash(_("The reply is marked as the accepted answer."), "success")
    else:
        flash(_("This reply already is the accepted answer."), "info")
    return redirect(post_url(post, thread), 303)


@bp.post("/threads/<int:thread_id>/unaccept")
@login_required
def unaccept(thread_id: int):
    """Undo a question's accepted answer."""
    thread = _load_thread(thread_id)
    if not can_accept_answer(current_user, thread):
        abort(403)
    previous = db.session.get(Post, thread.accepted_post_id) if thread.answered else None
    changed = services.unaccept_answer(current_user, thread)
    db.session.commit()
    if changed:
        flash(_("The question has no accepted answer any more."), "success")
    else:
        flash(_("The question had no accepted answer."), "info")
    return redirect(post_url(previous, thread) if previous else thread_url(thread), 303)


@bp.route("/threads/<int:thread_id>/close", methods=["GET", "POST"])
@login_required
@rerender_on_csrf_failure
def close(thread_id: int):
    """Close a thread with an outcome that fits its kind, and a short summary."""
    thread = _load_thread(thread_id)
    if not can_close(current_user, thread):
        if can_reopen(current_user, thread):
            flash(_("This thread is closed already."), "info")
            return redirect(thread_url(thread), 303)
        abort(403)
    form = CloseForm(thread)
    if form.validate_on_submit():
        closed = services.close_thread(
            current_user, thread, form.outcome.data, form.summary.data, form.duplicate_thread
        )
        db.session.commit()
        if closed:
            flash(_("The thread is closed."), "success")
        else:
            flash(_("This thread is closed already."), "info")
        return redirect(thread_url(thread), 303)
    status = invalid_status(form) if form.is_submitted() else 200
    return render_template("questions/close.html", thread=thread, form=form), status


@bp.post("/threads/<int:thread_id>/reopen")
@login_required
def reopen(thread_id: int):
    """Reopen a closed thread, so that it takes replies again."""
    thread = _load_thread(thread_id)
    if not can_reopen(current_user, thread):
        if can_close(current_user, thread):
            flash(_("This thread is open already."), "info")
            return redirect(thread_url(thread), 303)
        abort(403)
    services.reopen_thread(current_user, thread)
    db.session.commit()
    flash(_("The thread is open again."), "success")
    return redirect(thread_url(thread), 303)
