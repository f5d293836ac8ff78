"""Register, log in and log out."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..forms import ActionForm, rerender_on_csrf_failure
from ..ratelimits import limit_login, limit_registrations
from ..security import safe_next_url
from ..sessions import end_all_sessions, start_session
from . import confirm_services, services
from .drafts import carried_draft, describe
from .forms import LoginForm, RegisterForm

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.route("/register", methods=["GET", "POST"])
@rerender_on_csrf_failure
@limit_registrations
def register():
    """Create an unconfirmed account and mail it a confirmation link."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    valid = form.validate_on_submit()
    if form.is_submitted() and form.honeypot_filled:
        # A bot filled the hidden field: refuse like any validation error, without saying why
        # (a person whose browser filled it can simply send the form again; it comes back
        # empty). It counts against the registration limit like an account created.
        g.honeypot_filled = True
        if valid:
            valid = False
            form.password.errors.append(_("Enter your password again and send the form."))
    if valid:
        # A taken address gets exactly the answer a new one gets (SECURITY.md R10): nobody is
        # logged in, and its owner is mailed instead (confirm_services.register).
        try:
            confirm_services.register(
                form.username.data,
                form.email.data,
                form.password.data,
                form.role.data,
                form.organisation.data or "",
            )
            db.session.commit()
        except IntegrityError:
            # Someone took the same name or address between validation and commit: the name
            # is said (usernames are public), the address is answered as always.
            db.session.rollback()
            if confirm_services.username_taken(form.username.data):
                form.username.errors.append(_("This username was just taken. Choose another one."))
                return render_template("auth/register.html", form=form), 422
        return redirect(url_for("auth.register_sent"))
    return render_template("auth/register.html", form=form), 200 if not form.errors else 422


@bp.route("/login", methods=["GET", "POST"])
@rerender_on_csrf_failure
@limit_login
def login():
    """Log in with a username or email address and a password."""
    form = LoginForm()
    if current_user.is_authenticated and not form.is_submitted():
        return redirect(safe_next_url(url_for("main.index")))
    # Checked before the login starts a new session: the draft must be this browser's.
    draft = carried_draft()
    if form.validate_on_submit():
        user = services.authenticate(form.login.data, form.password.data)
        if user is not None:
            db.session.commit()  # keeps a password hash upgraded on this login
            start_session(user, remember=form.remember.data)
            flash(_("You are logged in."), "success")
            resumed = describe(draft, user) if draft is not None else None
            if resumed is not None:
                # Shown, never sent by itself: the person presses "Send it now".
                return render_template("auth/resume.html", draft=resumed)
            return redirect(safe_next_url(url_for("main.index")))
        form.password.errors.append(_("Unknown username or email address, or wrong password."))
    status = 200 if not form.is_submitted() else 422
    return render_template("auth/login.html", form=form, draft=draft), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out everywhere this session's cookie was copied to."""
    form = ActionForm()
    if form.validate_on_submit():
        end_all_sessions(current_user)
        db.session.commit()
        flash(_("You are logged out."), "info")
    return redirect(url_for("main.index"))
