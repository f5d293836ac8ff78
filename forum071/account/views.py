"""Account settings (/account): password, sessions, language, the member's data and deletion.

A suspended member reaches every page here too: changing a password, exporting their data and
deleting their account publish nothing.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..forms import ActionForm, rerender_on_csrf_failure
from ..models import utcnow
from ..permissions import can_delete_account
from ..ratelimits import PASSWORD_REFUSED, limit_password_checks
from ..released_names import RELEASED_NAME_DAYS
from ..sessions import end_all_sessions, end_other_sessions
from . import services
from .deletion import delete_account
from .export import export_data
from .forms import DeleteAccountForm, LanguageForm, PasswordChangeForm

bp = Blueprint("account", __name__, url_prefix="/account")


def _settings_page(status: int = 200, **forms: Any):
    forms.setdefault("password_form", PasswordChangeForm(current_user, formdata=None))
    forms.setdefault(
        "language_form", LanguageForm(formdata=None, data={"language": current_user.language})
    )
    return render_template("account/index.html", **forms), status


@bp.get("")
@login_required
def index():
    """Show the member's account settings."""
    return _settings_page()


@bp.post("/password")
@login_required
@rerender_on_csrf_failure
@limit_password_checks
def password():
    """Change the password (the current one first) and end every other session."""
    form = PasswordChangeForm(current_user)
    if form.validate_on_submit():
        if services.password_matches(current_user, form.current_password.data):
            user = current_user._get_current_object()  # login_user needs the user, no proxy
            services.change_password(user, form.password.data)
            end_other_sessions(user)
            db.session.commit()
            flash(
                _("Your password is changed. You are logged out on every other device."),
                "success",
            )
            return redirect(url_for("account.index"), 303)
        g.setdefault(PASSWORD_REFUSED, True)
        form.current_password.errors.append(_("This is not your current password."))
    return _settings_page(422, password_form=form)


@bp.post("/language")
@login_required
@rerender_on_csrf_failure
def language():
    """Store the language the member's pages (and later mails) are in."""
    form = LanguageForm()
    if not form.validate_on_submit():
        return _settings_page(422, language_form=form)
    services.set_language(current_user, form.language.data)
    db.session.commit()
    flash(_("Your language is saved."), "success")
    return redirect(url_for("account.index"), 303)


@bp.post("/logout-everywhere")
@login_required
def logout_everywhere():
    """End every session of the member, on this device and all others."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    end_all_sessions(current_user)
    db.session.commit()
    flash(_("You are logged out on every device."), "info")
    return redirect(url_for("main.index"), 303)


@bp.get("/export")
@login_required
def export():
    """Download everything the forum holds about the member, as JSON."""
    data = export_data(current_user._get_current_object())
    document = json.dumps(data, ensure_ascii=False, indent=2)
    day = utcnow().date().isoformat()
    response = Response(document, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="forum071-data-{day}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/delete", methods=["GET", "POST"])
@login_required
@rerender_on_csrf_failure
@limit_password_checks
def delete():
    """Delete the member's account, keeping or removing their posts, after their password."""
    allowed = can_delete_account(current_user, services.other_active_admins(current_user))
    form = DeleteAccountForm()
    if form.is_submitted() and not allowed:
        abort(403)
    if form.validate_on_submit():
        if services.password_matches(current_user, form.password.data):
            user = current_user._get_current_object()
            delete_account(user, remove_posts=form.posts.data == "remove")
            end_all_sessions(user)
            db.session.commit()
            flash(_("Your account is deleted. Thank you for taking part."), "info")
            return redirect(url_for("main.index"), 303)
        g.setdefault(PASSWORD_REFUSED, True)
        form.password.errors.append(_("This is not your password."))
    status = 422 if form.is_submitted() else 200
    page = render_template(
        "account/delete.html",
        form=form,
        allowed=allowed,
        released_name_days=RELEASED_NAME_DAYS,
    )
    return page, status
