"""Public profiles."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from sqlalchemy import func, select

from ..extensions import db
from ..models import Thread, User, latest_threads
from ..pagination import paginate

bp = Blueprint("users", __name__, url_prefix="/users")


@bp.get("/<username>")
def show(username: str):
    """Show a member's role, organisation and the threads they started."""
    user = db.session.scalar(select(User).where(User.username == username.lower()))
    if user is None:
        abort(404)
    total = db.session.scalar(
        select(func.count()).select_from(Thread).where(Thread.author_id == user.id)
    ) or 0
    page = paginate(
        latest_threads()
        .where(Thread.author_id == user.id)
        # Newest first, along the (author_id, created_at) index.
        .order_by(None)
        .order_by(Thread.created_at.desc(), Thread.id.desc()),
        total,
        current_app.config["THREADS_PER_PAGE"],
    )
    return render_template("users/show.html", user=user, page=page)
