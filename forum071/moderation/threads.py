"""Moderator actions on threads: lock, pin, move, merge and split."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..errors import error_response
from ..extensions import db
from ..forms import invalid_status, rerender_on_csrf_failure
from ..models import Post, Thread, projects_in_order, themes_in_order, thread_with_context
from ..permissions import can_moderate
from ..urls import thread_url
from . import thread_services as services
from .thread_forms import LockForm, MergeForm, MoveForm, PinForm, ReasonForm, SplitForm

bp = Blueprint("moderation_threads", __name__, url_prefix="/moderation")


def _load_thread(thread_id: int) -> Thread:
    """The thread, for a moderator; 404 when there is none, 403 for everyone else."""
    if not can_moderate(current_user):
        abort(403)
    thread = db.session.execute(thread_with_context(thread_id)).unique().scalar_one_or_none()
    if thread is None:
        abort(404)
    return thread


def _first_error(form) -> str:
    return next(iter(error for errors in form.errors.values() for error in errors))


def _done(thread: Thread, changed: bool, done: str, already: str):
    db.session.commit()
    if changed:
        flash(done, "success")
    else:
        flash(already, "info")
    return redirect(thread_url(thread), 303)


@bp.post("/threads/<int:thread_id>/lock")
@login_required
@rerender_on_csrf_failure
def lock(thread_id: int):
    """Lock a thread with a reason: members can no longer reply."""
    thread = _load_thread(thread_id)
    form = LockForm()
    if not form.validate_on_submit():
        # The thread page's short form comes back as a page of its own, with what was typed.
        return render_template("moderation/lock.html", thread=thread, form=form), 422
    changed = services.lock_thread(current_user, thread, form.reason.data)
    return _done(thread, changed, _("The thread is locked."), _("This thread is locked already."))


@bp.post("/threads/<int:thread_id>/unlock")
@login_required
def unlock(thread_id: int):
    """Unlock a thread, so that members can reply again."""
    thread = _load_thread(thread_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return error_response(400, _first_error(form))
    changed = services.unlock_thread(current_user, thread, form.reason.data or "")
    return _done(thread, changed, _("The thread is unlocked."), _("This thread is not locked."))


@bp.post("/threads/<int:thread_id>/pin")
@login_required
def pin(thread_id: int):
    """Pin a thread on top of its theme or of the front page."""
    thread = _load_thread(thread_id)
    form = PinForm()
    if not form.validate_on_submit():
        return error_response(400, _first_error(form))
    scope = services.PinScope(form.scope.data)
    changed = services.pin_thread(current_user, thread, scope, form.reason.data or "")
    return _done(thread, changed, _("The thread is pinned."), _("This thread is pinned already."))


@bp.post("/threads/<int:thread_id>/unpin")
@login_required
def unpin(thread_id: int):
    """Take a thread off the top of its theme or of the front page."""
    thread = _load_thread(thread_id)
    form = PinForm()
    if not form.validate_on_submit():
        return error_response(400, _first_error(form))
    scope = services.PinScope(form.scope.data)
    changed = services.unpin_thread(current_user, thread, scope, form.reason.data or "")
    return _done(
        thread, changed, _("The thread is no longer pinned."), _("This thread is not pinned.")
    )


@bp.route("/threads/<int:thread_id>/move", methods=["GET", "POST"])
@login_required
@rerender_on_csrf_failure
def move(thread_id: int):
    """Move a thread to another theme, or change its projects."""
    thread = _load_thread(thread_id)
    themes = db.session.scalars(themes_in_order()).all()
    projects = db.session.scalars(projects_in_order()).all()
    form = MoveForm(
        data={"theme": thread.theme.slug, "projects": [p.slug for p in thread.projects]}
    )
    form.set_choices(themes, projects)
    if form.validate_on_submit():
        theme = next(t for t in themes if t.slug == form.theme.data)
        chosen = [p for p in projects if p.slug in set(form.projects.data or [])]
        changed = services.move_thread(current_user, thread, theme, chosen, form.reason.data or "")
        return _done(
            thread,
            changed,
            _("The thread is moved."),
            _("The thread is already under this theme and these projects."),
        )
    status = 422 if form.is_submitted() else 200
    return render_template("moderation/move.html", thread=thread, form=form), status


@bp.route("/threads/<int:thread_id>/merge", methods=["GET", "POST"])
@login_required
@rerender_on_csrf_failure
def merge(thread_id: int):
    """Merge a thread into another: its posts join the other thread in time order."""
    thread = _load_thread(thread_id)
    target_id = services.merged_into(thread)
    if target_id is not None:
        target = db.session.get(Thread, target_id)
        flash(_("This thread was merged into “%(title)s” already.", title=target.title), "info")
        return redirect(thread_url(target), 303)
    form = MergeForm()
    if form.validate_on_submit():
        target = db.session.get(Thread, form.target_id)
        if target is None:
            form.into.errors.append(_("There is no thread %(id)d.", id=form.target_id))
        else:
            try:
                services.merge_thread(current_user, thread, target, form.reason.data or "")
            except services.MergeRefused:
                form.into.errors.append(_("Choose another, visible thread to merge into."))
            else:
                db.session.commit()
                flash(_("The thread is merged into “%(title)s”.", title=target.title), "success")
                return redirect(thread_url(target), 303)
    status = invalid_status(form) if form.is_submitted() else 200
    return render_template("moderation/merge.html", thread=thread, form=form), status


@bp.route("/threads/<int:thread_id>/split", methods=["GET", "POST"])
@login_required
@rerender_on_csrf_failure
def split(thread_id: int):
    """Split replies off into a new thread in the same theme."""
    thread = _load_thread(thread_id)
    replies: list[Post] = list(db.session.scalars(services.splittable_replies(thread)))
    form = SplitForm()
    form.post_ids.choices = [(post.id, str(post.number)) for post in replies]
    if form.validate_on_submit():
        chosen = set(form.post_ids.data)
        new_thread = services.split_thread(
            current_user,
            thread,
            [post for post in replies if post.id in chosen],
            form.title.data,
            form.reason.data or "",
        )
        db.session.commit()
        flash(
            _("The replies are moved into the new thread “%(title)s”.", title=new_thread.title),
            "success",
        )
        return redirect(thread_url(new_thread), 303)
    status = invalid_status(form) if form.is_submitted() else 200
    return (
        render_template("moderation/split.html", thread=thread, form=form, replies=replies),
        status,
    )
