"""The front page and site-wide preferences."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from ..extensions import db
from ..forms import ActionForm
from ..i18n import LANGUAGE_SESSION_KEY
from ..models import theme_rows
from ..questions.filters import ThreadFilters, filtered_thread_page, pinned_above
from ..released_names import RELEASED_NAME_DAYS
from ..security import safe_next_url
from ..threads.listing import Scope

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    """Show the latest activity across all themes (filtered if asked), and the themes."""
    # Plain rows: the sidebar only prints them (a tuple: they are its fragment's key too).
    themes = tuple(db.session.connection().execute(theme_rows()))
    filters = ThreadFilters.from_args(request.args)
    # Every thread has exactly one theme, so the themes' counters add up to all threads.
    total = sum(theme.thread_count for theme in themes)
    page = filtered_thread_page(filters, Scope.ALL, None, total)
    return render_template(
        "main/index.html",
        page=page,
        themes=themes,
        filters=filters,
        pinned=pinned_above(filters, page),
    )


@bp.get("/language/<code>")
def choose_language(code: str):
    """Switch a visitor's language by a link.

    A GET on purpose: choosing the display language is idempotent and only touches the
    visitor's own session, and a link keeps visitors' pages free of per-session CSRF tokens,
    so that they can be cached (page_cache). Members use the form (set_language).
    """
    if code in current_app.config["LANGUAGES"]:
        session[LANGUAGE_SESSION_KEY] = code
    return redirect(safe_next_url(url_for("main.index")), 303)


@bp.post("/language/<code>")
def set_language(code: str):
    """Remember the language choice for this session, and on a member's account."""
    form = ActionForm()
    if form.validate_on_submit() and code in current_app.config["LANGUAGES"]:
        session[LANGUAGE_SESSION_KEY] = code
        if current_user.is_authenticated:
            current_user.language = code
            db.session.commit()
    return redirect(safe_next_url(url_for("main.index")), 303)


@bp.get("/privacy")
def privacy():
    """Show the privacy statement: what is stored, why, for how long, and whom to ask."""
    config = current_app.config
    return render_template(
        "main/privacy.html",
        controller_name=config["PRIVACY_CONTROLLER_NAME"],
        controller_address=config["PRIVACY_CONTROLLER_ADDRESS"],
        contact_email=config["PRIVACY_CONTACT_EMAIL"],
        released_name_days=RELEASED_NAME_DAYS,
    )
