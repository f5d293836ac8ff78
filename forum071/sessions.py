"""Starting and ending a member's sessions: shared by logging in (auth) and the account
settings (account), which both need a fresh session and the rotation of users.session_token.

Flask-Login keeps the member's session_token (not their id) in the session and the remember
cookie, so rotating it ends every session and every copied cookie at once (SECURITY.md R7).
"""

from __future__ import annotations

from flask import current_app, g, request, session
from flask_login import login_user, logout_user

from .i18n import LANGUAGE_SESSION_KEY
from .models import User


def fresh_session() -> None:
    """Empty the session (fixation, old CSRF tokens), keeping only the language choice."""
    language = session.get(LANGUAGE_SESSION_KEY)
    session.clear()
    # Flask-WTF keeps this request's token in g: a form rendered after this point (the resume
    # page) must carry a token of the new session, not the cleared one's.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    if language:
        session[LANGUAGE_SESSION_KEY] = language


def start_session(user: User, remember: bool = False) -> None:
    """Log the member in on a fresh session: nothing from before carries over."""
    fresh_session()
    login_user(user, remember=remember)


def end_other_sessions(user: User) -> None:
    """End every session of the member but this one (not committed: the view commits).

    This browser logs in again with the new token; a remember cookie it had is renewed too,
    since the old one names the old token.
    """
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    user.rotate_session_token()
    start_session(user, remember=remembered in request.cookies)


def end_all_sessions(user: User) -> None:
    """End every session of the member, this one included (not committed)."""
    user.rotate_session_token()
    # Clear first: logout_user() leaves a note in the session that makes Flask-Login delete
    # the remember cookie, and clearing afterwards would drop that note.
    fresh_session()
    logout_user()
