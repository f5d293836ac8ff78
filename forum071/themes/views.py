"""Theme pages: what a theme is about, its projects and its threads."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Theme, open_questions, themes_in_order
from ..notifications.services import following_theme_column
from ..questions.filters import ThreadFilters, filtered_thread_page, pinned_above
from ..threads.listing import Scope

bp = Blueprint("themes", __name__, url_prefix="/themes")


@bp.get("/")
def index():
    """List all themes."""
    themes = db.session.scalars(themes_in_order()).all()
    return render_template("themes/index.html", themes=themes)


@bp.get("/<slug>")
def show(slug: str):
    """Show a theme with its projects, its open questions and its latest (filtered) threads."""
    # One query: the theme, its few projects and (for members) whether they follow it.
    query = select(Theme).options(joinedload(Theme.projects)).where(Theme.slug == slug)
    if current_user.is_authenticated:
        query = query.add_columns(following_theme_column(current_user.id))
    row = db.session.execute(query).unique().first()
    if row is None:
        abort(404)
    theme = row[0]
    following = bool(row[1]) if current_user.is_authenticated else False
    filters = ThreadFilters.from_args(request.args)
    page = filtered_thread_page(filters, Scope.THEME, theme.id, theme.thread_count)
    # A tuple of plain rows: the open questions box is remembered by them (fragments.py).
    questions = tuple(db.session.connection().execute(open_questions(), {"theme_id": theme.id}))
    return render_template(
        "themes/show.html",
        theme=theme,
        theme_following=following,
        page=page,
        filters=filters,
        open_questions=questions,
        pinned=pinned_above(filters, page, theme.id),
    )
