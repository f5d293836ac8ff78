"""The review queue: everything that waits for a moderator, and approving or rejecting posts."""

from __future__ import annotations

import math
from collections import defaultdict

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..extensions import db
from ..models import (
    Flag,
    count_of,
    flagged_posts,
    officials_awaiting_verification,
    open_flags_of,
    pending_posts,
)
from ..pagination import Page, with_query
from ..permissions import can_moderate
from ..refusals import already_handled_message
from ..security import safe_next_url
from . import queue_services
from .flags import load_post
from .post_forms import PostActionForm, ReasonRequiredForm

bp = Blueprint("moderation_queue", __name__, url_prefix="/moderation")


def _requested(argument: str) -> int:
    raw = request.args.get(argument) or "1"
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 1_000_000:
        abort(404)
    return int(raw)


def _section_page(query, total: int, argument: str, *, rows: bool = False) -> Page:
    """One page of a queue section (of rows, or of the first column). Past the end (the items
    were handled meanwhile) shows the last page rather than a 404."""
    per_page = current_app.config.get("QUEUE_PER_PAGE", 20)
    number = min(_requested(argument), max(1, math.ceil(total / per_page)))
    result = db.session.execute(query.limit(per_page).offset((number - 1) * per_page)).unique()
    items = result.all() if rows else result.scalars().all()
    return Page(items=list(items), number=number, per_page=per_page, total=total)


def _section_url(argument: str):
    def url(number: int) -> str:
        args = request.args.copy()
        args.pop(argument, None)
        if number > 1:
            args[argument] = str(number)
        return with_query(url_for("moderation_queue.index"), args)

    return url


@bp.get("/queue")
@login_required
def index():
    """Show what waits for a moderator, oldest first: new members' posts, flagged posts and
    officials to verify."""
    if not can_moderate(current_user):
        abort(403)
    totals = db.session.execute(
        select(
            count_of(pending_posts()).scalar_subquery(),
            count_of(flagged_posts()).scalar_subquery(),
            count_of(officials_awaiting_verification()).scalar_subquery(),
        )
    ).one()
    pending = _section_page(pending_posts(), totals[0], "posts_page")
    flagged = _section_page(flagged_posts(), totals[1], "flags_page", rows=True)
    flags_by_post: dict[int, list[Flag]] = defaultdict(list)
    if flagged.items:
        post_ids = [post.id for post, _count in flagged.items]
        for flag in db.session.scalars(open_flags_of(post_ids)):
            flags_by_post[flag.post_id].append(flag)
    officials = _section_page(officials_awaiting_verification(), totals[2], "officials_page")
    return render_template(
        "moderation/queue.html",
        pending=pending,
        flagged=flagged,
        flags_by_post=flags_by_post,
        officials=officials,
        section_url=_section_url,
    )


def _review(post_id: int, form_class, action, done: str):
    """Check, approve or reject one waiting post, commit once, and go back to the queue."""
    post = load_post(post_id)
    if not can_moderate(current_user):
        abort(403)
    form = form_class()
    target = safe_next_url(url_for("moderation_queue.index"))
    if not form.validate_on_submit():
        if form.reason.errors:
            flash(_("Give a reason: the author sees it."), "info")
            return redirect(target, 303)
        abort(400)
    try:
        action(current_user, post, form.reason.data or "")
    except queue_services.AlreadyHandled:
        db.session.rollback()
        flash(already_handled_message(current_user, post), "info")
        return redirect(target, 303)
    db.session.commit()
    flash(done, "success")
    return redirect(target, 303)


@bp.post("/posts/<int:post_id>/approve")
@login_required
def approve(post_id: int):
    """Publish a waiting post with its original time; its readers hear of it now."""
    return _review(
        post_id, PostActionForm, queue_services.approve_post, _("The post is published.")
    )


@bp.post("/posts/<int:post_id>/reject")
@login_required
def reject(post_id: int):
    """Turn down a waiting post; its author sees the reason."""
    return _review(
        post_id, ReasonRequiredForm, queue_services.reject_post, _("The post is rejected.")
    )
