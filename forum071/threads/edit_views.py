"""Editing a post (and an opening post's thread title), and a post's edit history.

The routes belong to the threads blueprint (endpoints threads.edit_post, threads.history).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..forms import rerender_on_csrf_failure
from ..models import Post, PostRevision
from ..moderation import post_services
from ..moderation.post_forms import StaffEditPostForm
from ..permissions import (
    can_edit_post,
    can_redact_post,
    can_see_post_text,
    can_see_redacted_versions,
    can_see_thread,
    edit_needs_reason,
    posting_refusal,
)
from ..refusals import posting_refusal_message
from ..urls import post_url
from . import history as post_history
from . import services
from .forms import EditPostForm
from .views import bp


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
@rerender_on_csrf_failure
def edit_post(post_id: int):
    """Edit a post (and, on the opening post, the thread's title); an edit on top of a newer
    version is shown as a conflict.

    A moderator editing someone else's post gives a reason, kept in the edit history and the
    moderation log; a moderator may mark an edit as a redaction.
    """
    post = db.session.scalar(
        select(Post).options(joinedload(Post.thread)).where(Post.id == post_id)
    )
    if post is None:
        abort(404)
    # A suspended (or unconfirmed) author is told why, with the text they typed, rather than
    # a bare 403.
    refusal = posting_refusal(current_user)
    refused_author = (
        refusal is not None
        and post.author_id == current_user.id
        and post.state != "deleted"
    )
    if not can_edit_post(current_user, post) and not refused_author:
        abort(403)
    needs_reason = edit_needs_reason(current_user, post)
    may_redact = can_redact_post(current_user, post)
    data = {"body": post.body, "base_version": post.version, "title": post.thread.title}
    if may_redact:
        form = StaffEditPostForm(data=data, reason_required=needs_reason)
    else:
        form = EditPostForm(data=data)
    form.for_post(post)
    if refused_author:
        form.form_errors.append(posting_refusal_message(refusal, current_user))
        page = render_template("threads/edit_post.html", form=form, post=post, conflict=False)
        return page, 403
    if form.validate_on_submit():
        reason = form.reason.data if may_redact else ""
        redaction = may_redact and form.redact.data
        body_changed = form.body.data != post.body
        old_title = post.thread.title
        try:
            services.edit_post(
                current_user, post, form.body.data, form.base_version.data, reason=reason,
                title=form.title.data if form.title else None, redaction=redaction,
            )
            if needs_reason or redaction:
                _log_staff_edit(post, old_title, reason, body_changed, redaction)
            db.session.commit()
        except services.EditConflict:
            db.session.rollback()
            db.session.refresh(post)
            form.base_version.data = post.version
            form.base_version.raw_data = None
            # The page itself explains the conflict next to both versions; no flash on top.
            page = render_template("threads/edit_post.html", form=form, post=post, conflict=True)
            return page, 409
        flash(_("Your changes are saved."), "success")
        return redirect(post_url(post), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("threads/edit_post.html", form=form, post=post, conflict=False), status


def _log_staff_edit(
    post: Post, old_title: str, reason: str, body_changed: bool, redaction: bool
) -> None:
    """The moderation log's entries for a moderator's edit: the post, and a corrected title."""
    if body_changed or redaction:
        post_services.record_staff_edit(current_user, post, reason, redaction=redaction)
    if post.thread.title != old_title:
        post_services.record_title_edit(
            current_user, post.thread, old_title, reason, redaction=redaction
        )


@bp.get("/posts/<int:post_id>/history")
def history(post_id: int):
    """Show every version of a post, newest first, with what changed from the one before.

    Versions before a moderator's redaction are shown to moderators only."""
    post = db.session.scalar(
        select(Post)
        .options(joinedload(Post.thread), joinedload(Post.author))
        .where(Post.id == post_id)
    )
    # Earlier versions say what a hidden, pending or deleted post says: the same rule applies.
    if (
        post is None
        or not can_see_thread(current_user, post.thread)
        or not can_see_post_text(current_user, post)
    ):
        abort(404)
    revisions = db.session.scalars(
        select(PostRevision)
        .options(joinedload(PostRevision.editor))
        .where(PostRevision.post_id == post.id)
    ).all()
    versions = post_history.post_history(
        revisions, show_redacted=can_see_redacted_versions(current_user)
    )
    return render_template("threads/history.html", post=post, history=versions)
