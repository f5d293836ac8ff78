"""Confirming the address a new account registered with: the link, and sending it again."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..forms import ActionForm
from ..ratelimits import limit_confirm_resends
from ..security import safe_next_url
from . import confirm_services
from .views import bp


@bp.route("/register/sent")
def register_sent():
    """After registering: the same page whether the address was new or had an account."""
    return render_template("auth/register_sent.html")


@bp.route("/confirm/<token>")
def confirm_email(token: str):
    """Open the link from the mail: the account may post from now on."""
    user = confirm_services.user_from_confirmation_token(token)
    if user is None:
        return render_template("auth/confirm_invalid.html"), 400
    confirm_services.confirm_email(user)
    db.session.commit()
    flash(_("Your email address is confirmed: you can post now."), "success")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(url_for("main.index"))
    return redirect(url_for("auth.login"))


@bp.post("/confirm/resend")
@login_required
@limit_confirm_resends
def resend_confirmation():
    """Send the confirmation link again, to the member's own address."""
    if not ActionForm().validate_on_submit():
        abort(400)
    if current_user.is_confirmed:
        flash(_("Your email address is already confirmed."), "info")
    else:
        confirm_services.send_confirmation(current_user)
        db.session.commit()
        flash(
            _("We sent a new link to %(email)s. It works for 48 hours.", email=current_user.email),
            "success",
        )
    return redirect(safe_next_url(url_for("main.index")), 303)
