"""Accounts: registration, login, logout, and how a request finds its user."""

from __future__ import annotations

from flask import Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import LoginManager
from sqlalchemy import select

from ..extensions import db
from ..models import User, review_queue_count_column
from ..notifications.services import unread_count_column
from ..security import is_safe_redirect_target
from .forms import LoginForm


def _load_user(session_token: str) -> User | None:
    """The user of this session token, with their unread notification count (and, for
    moderators, what waits in the review queue) in one query."""
    row = db.session.execute(
        select(User, unread_count_column(), review_queue_count_column()).where(
            User.session_token == session_token
        )
    ).first()
    if row is None:
        return None
    user, unread, waiting = row
    user.unread_notifications = unread or 0
    user.review_queue_count = waiting or 0
    return user


# Fields never carried through a login: secrets, and the token of the expired session.
UNKEPT_FIELDS = frozenset({"csrf_token", "password", "confirm"})
DRAFT_PREFIX = "draft__"
DRAFT_TARGET_FIELD = "draft_target"


def kept_input() -> dict[str, list[str]]:
    """What the visitor typed into the form of this POST, without secrets."""
    kept = {}
    for name in request.form:
        values = request.form.getlist(name)
        if name not in UNKEPT_FIELDS and any(value.strip() for value in values):
            kept[name] = values
    return kept


def carried_draft() -> tuple[str | None, dict[str, list[str]]]:
    """The form a visitor was sending when asked to log in: where it goes, and its fields."""
    target = request.form.get(DRAFT_TARGET_FIELD)
    fields = {
        name.removeprefix(DRAFT_PREFIX): request.form.getlist(name)
        for name in request.form
        if name.startswith(DRAFT_PREFIX) and name.removeprefix(DRAFT_PREFIX) not in UNKEPT_FIELDS
    }
    if not fields or not is_safe_redirect_target(target):
        return None, {}
    return target, fields


def _ask_to_log_in():
    draft = kept_input() if request.method == "POST" else {}
    if not draft:
        flash(_("Please log in to continue."), "info")
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.login", next=target))
    # A form sent after the session ended: keep what was typed through the login instead of
    # redirecting (which would lose it); the login page carries it and offers to send it.
    page = render_template(
        "auth/login.html",
        form=LoginForm(formdata=None),
        draft_target=request.path,
        draft=draft,
        session_ended=True,
    )
    return page, 401


def init_login(app: Flask, login_manager: LoginManager) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_ask_to_log_in)
