"""Theme pages: what a theme is about, its projects and its threads."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Theme, Thread, latest_threads, themes_in_order
from ..pagination import paginate

bp = Blueprint("themes", __name__, url_prefix="/themes")


@bp.get("/")
def index():
    """List all themes."""
    themes = db.session.scalars(themes_in_order()).all()
    return render_template("themes/index.html", themes=themes)


@bp.get("/<slug>")
def show(slug: str):
    """Show a theme with its projects and its most recently active threads."""
    theme = db.session.scalar(
        select(Theme).options(selectinload(Theme.projects)).where(Theme.slug == slug)
    )
    if theme is None:
        abort(404)
    page = paginate(
        latest_threads().where(Thread.theme_id == theme.id),
        theme.thread_count,
        current_app.config["THREADS_PER_PAGE"],
    )
    return render_template("themes/show.html", theme=theme, page=page)
