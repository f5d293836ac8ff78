"""Accounts: registration, login, logout, and how a request finds its user."""

from __future__ import annotations

from flask import Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import LoginManager
from sqlalchemy import select

from ..extensions import db
from ..models import User, review_queue_count_column
from ..notifications.services import unread_count_column
from .drafts import draft_of_this_request
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


def _ask_to_log_in():
    draft = draft_of_this_request()
    if draft is None:
        flash(_("Please log in to continue."), "info")
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.login", next=target))
    # A form sent after the session ended: keep what was typed through the login instead of
    # redirecting (which would lose it); the login page carries it and offers to send it.
    page = render_template(
        "auth/login.html", form=LoginForm(formdata=None), draft=draft, session_ended=True
    )
    return page, 401


def init_login(app: Flask, login_manager: LoginManager) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_ask_to_log_in)
