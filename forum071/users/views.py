"""Public profiles, and editing one's own."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..forms import rerender_on_csrf_failure
from ..models import Post, Thread, User, post_is_published, thread_is_listed
from ..names import normalise_username
from ..pagination import paginate_bound
from ..permissions import can_edit_profile
from ..threads.listing import Scope, load_unfiltered_page
from . import services
from .forms import ProfileForm

bp = Blueprint("users", __name__, url_prefix="/users")

# A profile shows this many of the member's latest replies and accepted answers.
PROFILE_POSTS = 20


def _load_user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == normalise_username(username)))
    if user is None or user.is_former_member:
        abort(404)
    return user


def _latest_replies_and_answers(user: User) -> tuple[list[Post], list[Post]]:
    """The member's latest replies and latest accepted answers, newest first, in one query.

    One SELECT loads the union of both (each limited), with each post's thread; the two lists
    are then split in Python: the newest replies of the union are exactly the latest replies,
    and its accepted ones include the latest accepted answers.
    """
    newest_first = (Post.created_at.desc(), Post.id.desc())
    # Only what everyone may read: published posts in published threads.
    latest_replies = (
        select(Post.id)
        .join(Thread, Thread.id == Post.thread_id)
        .where(Post.author_id == user.id, Post.number > 1, post_is_published(), thread_is_listed())
        .order_by(*newest_first)
        .limit(PROFILE_POSTS)
    )
    latest_answers = (
        select(Post.id)
        .join(Thread, Thread.accepted_post_id == Post.id)
        .where(Post.author_id == user.id, post_is_published(), thread_is_listed())
        .order_by(*newest_first)
        .limit(PROFILE_POSTS)
    )
    posts = db.session.scalars(
        select(Post)
        .options(joinedload(Post.thread))
        .where(
            or_(
                Post.id.in_(latest_replies.scalar_subquery()),
                Post.id.in_(latest_answers.scalar_subquery()),
            )
        )
        .order_by(*newest_first)
    ).all()
    replies = [post for post in posts if post.number > 1][:PROFILE_POSTS]
    accepted = [post for post in posts if post.thread.accepted_post_id == post.id][:PROFILE_POSTS]
    return replies, accepted


@bp.get("/<username>")
def show(username: str):
    """Show a member's role, organisation and bio, their threads, replies and accepted answers."""
    thread_total = (
        select(func.count(Thread.id))
        .where(Thread.author_id == User.id, thread_is_listed())
        .correlate(User)
        .scalar_subquery()
    )
    row = db.session.execute(
        select(User, thread_total).where(User.username == normalise_username(username))
    ).first()
    if row is None or row[0].is_former_member:
        abort(404)  # a deleted account has no profile
    user, total = row
    page = paginate_bound(
        partial(load_unfiltered_page, Scope.AUTHOR),
        {"scope_id": user.id},
        total or 0,
        current_app.config["THREADS_PER_PAGE"],
    )
    replies, accepted = _latest_replies_and_answers(user)
    return render_template(
        "users/show.html",
        user=user,
        page=page,
        replies=replies,
        accepted=accepted,
        profile_posts=PROFILE_POSTS,
    )


@bp.route("/<username>/edit", methods=["GET", "POST"])
@login_required
@rerender_on_csrf_failure
def edit(username: str):
    """Edit one's own organisation and bio."""
    user = _load_user(username)
    if not can_edit_profile(current_user, user):
        abort(403)
    form = ProfileForm(data={"organisation": user.organisation, "bio": user.bio})
    if form.validate_on_submit():
        services.update_profile(user, form.organisation.data or "", form.bio.data or "")
        db.session.commit()
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("users.show", username=user.username), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("users/edit.html", form=form, user=user), status
