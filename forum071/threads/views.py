"""Thread pages: start a thread, read it, reply, edit a post."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..forms import rerender_on_csrf_failure
from ..labels import KIND_DESCRIPTIONS
from ..models import (
    Post,
    Support,
    Thread,
    pitch_updates_of,
    posts_in_thread,
    posts_numbered,
    projects_in_order,
    themes_in_order,
    thread_with_context,
    unnumbered_posts_shown_to,
)
from ..moderation import thread_services
from ..moderation.services import needs_premoderation
from ..notifications.services import following_thread_column
from ..pagination import Page, requested_page, with_query
from ..permissions import (
    can_moderate,
    can_reply,
    can_see_thread,
    can_start_thread,
    posting_refusal,
    reply_refusal,
)
from ..ratelimits import limit_posts
from ..refusals import refusal_message, suspended_response
from ..urls import post_url, thread_url
from . import services
from .forms import NewThreadForm, ReplyForm

bp = Blueprint("threads", __name__)

T = TypeVar("T")


def _load_thread(thread_id: int) -> Thread:
    thread = db.session.execute(thread_with_context(thread_id)).unique().scalar_one_or_none()
    if thread is None:
        abort(404)
    return thread


def _load_thread_page(thread_id: int) -> tuple[Thread, bool | None]:
    """The thread with all its page header shows, and whether the viewer follows it.

    One query: the accepted answer, who closed it and (for members) the follow state come
    along with the thread, so the page's query count does not depend on what it shows.
    """
    thread, following = _find_thread_page(thread_id)
    # A thread waiting for review exists only for its author and the moderators.
    if not can_see_thread(current_user, thread):
        abort(404)
    return thread, following


def _find_thread_page(thread_id: int) -> tuple[Thread, bool | None]:
    """_load_thread_page before the visibility check (404 only when there is no thread)."""
    member = current_user.is_authenticated
    params = {"thread_id": thread_id, "viewer_id": current_user.id if member else None}
    row = db.session.execute(_thread_page_statement(member), params).unique().first()
    if row is None:
        abort(404)
    return row[0], (bool(row[1]) if member else None)


def _redirect_merged(thread: Thread):
    """A merged thread lives on in the thread it went into: send everyone who may see that
    thread there, at the post that opened this one; for others it does not exist."""
    destination = thread_services.merge_destination(thread)
    if destination is None or not can_see_thread(current_user, destination[0]):
        abort(404)
    target, opening_post = destination
    url = post_url(opening_post, target) if opening_post is not None else thread_url(target)
    return redirect(url, 301)


@cache
def _posts_page_statement() -> Select[tuple[Post]]:
    """A page of a thread's posts (bound parameters thread_id, first, last), built once."""
    return posts_numbered(bindparam("thread_id"), bindparam("first"), bindparam("last"))


@cache
def _thread_page_statement(member: bool) -> Select[Any]:
    """The thread page's thread query, built once (bound parameters thread_id, viewer_id):
    building it cost more than running it."""
    query = thread_with_context(bindparam("thread_id")).options(
        joinedload(Thread.accepted_post).joinedload(Post.author),
        joinedload(Thread.closed_by),
        joinedload(Thread.duplicate_of),
    )
    if member:
        query = query.add_columns(following_thread_column(bindparam("viewer_id")))
    return query


def _render_thread(
    thread: Thread,
    following: bool | None,
    page_number: int | None,
    reply_form: ReplyForm | None,
    status: int = 200,
):
    """The thread page; page_number None means the last page."""
    per_page = current_app.config["POSTS_PER_PAGE"]
    page_count = max(1, math.ceil(thread.post_count / per_page))
    if page_number is None:
        page_number = page_count
    if page_number > page_count:
        abort(404)
    # Replies waiting for review (or rejected) come along on the last page, in the same query:
    # the viewer's own, and for moderators everyone's that wait.
    unnumbered = None
    if current_user.is_authenticated and page_number == page_count:
        unnumbered = unnumbered_posts_shown_to(current_user.id, can_moderate(current_user))
    first = (page_number - 1) * per_page + 1
    if unnumbered is None:
        found = db.session.scalars(
            _posts_page_statement(),
            {"thread_id": thread.id, "first": first, "last": first + per_page - 1},
        ).all()
    else:
        found = db.session.scalars(
            posts_in_thread(thread.id, page_number, per_page, unnumbered=unnumbered)
        ).all()
    posts = [post for post in found if post.number is not None]
    pending_replies = [post for post in found if post.number is None]
    page = Page(items=posts, number=page_number, per_page=per_page, total=thread.post_count)
    supported_ids: set[int] = set()
    if current_user.is_authenticated and posts:
        supported_ids = set(
            db.session.scalars(
                select(Support.post_id).where(
                    Support.user_id == current_user.id,
                    Support.post_id.in_([post.id for post in posts]),
                )
            )
        )
    updates = db.session.scalars(pitch_updates_of(thread.id)).all() if thread.is_pitch else []
    return (
        render_template(
            "threads/show.html",
            thread=thread,
            page=page,
            opening_post=next((post for post in posts if post.number == 1), None),
            pending_replies=pending_replies,
            reply_form=reply_form,
            following=following,
            supported_ids=supported_ids,
            updates=updates,
            # Page links go to the thread, also when a refused reply (POST .../reply) is shown.
            thread_page_url=lambda number: thread_url(thread, page=number if number > 1 else None),
        ),
        status,
    )


@bp.route("/threads/new", methods=["GET", "POST"])
@login_required
@rerender_on_csrf_failure
@limit_posts
def create():
    """Start a discussion, pitch or question under a theme and projects."""
    may_start = can_start_thread(current_user)
    if not may_start and request.method == "GET":
        return suspended_response(current_user)
    themes = db.session.scalars(themes_in_order()).all()
    projects = db.session.scalars(projects_in_order()).all()
    form = NewThreadForm()
    form.set_choices(themes, projects)
    if not may_start:
        # Suspended (or not confirmed) while writing: the form comes back with the text and why.
        form.form_errors.append(refusal_message(posting_refusal(current_user), current_user))
        return _render_create(form, 403)
    if request.method == "GET":
        form.kind.data = request.args.get("kind", form.kind.data)
        form.theme.data = request.args.get("theme", "")
        if request.args.get("project"):
            form.projects.data = [request.args["project"]]
    if form.validate_on_submit():
        theme = next(t for t in themes if t.slug == form.theme.data)
        existing = services.find_submission(
            current_user, form.submission_id.data
        ) or services.find_duplicate_thread(
            current_user, theme, form.title.data, form.body.data, _duplicate_window()
        )
        if existing is not None:
            return _redirect_to_existing(existing)
        chosen = [p for p in projects if p.slug in set(form.projects.data or [])]
        pending = needs_premoderation(current_user)
        thread = _submit_once(
            lambda: services.start_thread(
                current_user,
                form.kind.data,
                theme,
                chosen,
                form.title.data,
                form.body.data,
                client_token=form.submission_id.data,
                pending=pending,
                **form.pitch_fields(),
            )
        )
        if thread is None:
            return _redirect_to_submission(form.submission_id.data)
        if pending:
            flash(_("Your post waits for a moderator's review."), "info")
        else:
            flash(_("Your thread is published."), "success")
        return redirect(thread_url(thread), 303)
    return _render_create(form, 422 if form.is_submitted() else 200)


def _render_create(form: NewThreadForm, status: int):
    page = render_template("threads/create.html", form=form, kind_descriptions=KIND_DESCRIPTIONS)
    return page, status


def _submit_once(action: Callable[[], T]) -> T | None:
    """Run a creating service and commit; None when a concurrent copy of the same submission
    (same one-time token) won the race."""
    try:
        result = action()
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return result


def _duplicate_window() -> float:
    """How long the same text by the same member in the same place counts as one post."""
    return float(current_app.config["DUPLICATE_POST_WINDOW_SECONDS"])


def _redirect_to_existing(existing: Post):
    """Answer a repeated submission with the address the first one was sent to."""
    if existing.is_opening_post:
        return redirect(thread_url(existing.thread), 303)
    return redirect(post_url(existing), 303)


def _redirect_to_submission(client_token: str):
    existing = services.find_submission(current_user, client_token)
    if existing is None:
        abort(409)
    return _redirect_to_existing(existing)


@bp.get("/threads/<int:thread_id>")
@bp.get("/threads/<int:thread_id>-<slug>")
def show(thread_id: int, slug: str | None = None):
    """Show a thread's posts, a page at a time, with a reply form."""
    thread, following = _find_thread_page(thread_id)
    if thread_services.merged_into(thread) is not None:
        return _redirect_merged(thread)
    if not can_see_thread(current_user, thread):
        abort(404)
    if (slug or "") != thread.slug:
        return redirect(with_query(thread_url(thread), request.args), 301)
    # Visitors get no reply form (they are asked to log in), so none is built for them.
    reply_form = ReplyForm() if can_reply(current_user, thread) else None
    return _render_thread(thread, following, requested_page(), reply_form)


@bp.post("/threads/<int:thread_id>/reply")
@login_required
@rerender_on_csrf_failure
@limit_posts
def reply(thread_id: int):
    """Add a reply to a thread."""
    thread, following = _load_thread_page(thread_id)
    form = ReplyForm()
    refusal = reply_refusal(current_user, thread)
    if refusal is not None:
        # Why, above the reply form that still holds what was typed.
        form.form_errors.append(refusal_message(refusal, current_user))
        return _render_thread(thread, following, None, form, status=403)
    if form.validate_on_submit():
        existing = services.find_submission(
            current_user, form.submission_id.data
        ) or services.find_duplicate_reply(
            current_user, thread, form.body.data, _duplicate_window()
        )
        if existing is not None:
            return _redirect_to_existing(existing)
        pending = needs_premoderation(current_user)
        post = _submit_once(
            lambda: services.post_reply(
                current_user,
                thread,
                form.body.data,
                client_token=form.submission_id.data,
                pending=pending,
            )
        )
        if post is None:
            return _redirect_to_submission(form.submission_id.data)
        if pending:
            flash(_("Your post waits for a moderator's review."), "info")
        else:
            flash(_("Your reply is posted."), "success")
        return redirect(post_url(post, thread), 303)
    return _render_thread(thread, following, None, form, status=422)


def init_template_helpers(app) -> None:
    app.jinja_env.globals.update(thread_url=thread_url, post_url=post_url)

