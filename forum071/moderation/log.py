"""Moderation: the log of every action, in full for moderators and as a public summary."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import ModerationAction
from ..pagination import paginate
from ..permissions import can_see_moderation_log

bp = Blueprint("moderation_log", __name__, url_prefix="/moderation")

DEFAULT_PER_PAGE = 50


def _log_page(with_moderators: bool):
    """One page of the log, newest first: two queries (count and rows) whatever its length."""
    query = select(ModerationAction).order_by(
        ModerationAction.created_at.desc(), ModerationAction.id.desc()
    )
    if with_moderators:
        query = query.options(joinedload(ModerationAction.moderator))
    total = db.session.scalar(select(func.count()).select_from(ModerationAction)) or 0
    per_page = int(current_app.config.get("MODERATION_LOG_PER_PAGE", DEFAULT_PER_PAGE))
    return paginate(query, total, per_page)


@bp.get("/log")
@login_required
def index():
    """Show every moderation action, newest first: who did what, to what, why and when."""
    if not can_see_moderation_log(current_user):
        abort(403)
    return render_template("moderation/log.html", page=_log_page(with_moderators=True))


@bp.get("/log/public")
def public():
    """Show the public summary of moderation: action, object, reason and date."""
    shows_moderator = bool(current_app.config.get("PUBLIC_LOG_SHOWS_MODERATOR"))
    return render_template(
        "moderation/log_public.html",
        page=_log_page(with_moderators=shows_moderator),
        shows_moderator=shows_moderator,
    )
