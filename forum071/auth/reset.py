"""Forgot the password: ask for a link by mail, then choose a new password with it."""

from __future__ import annotations

import logging

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..extensions import db
from ..forms import rerender_on_csrf_failure
from ..mail.outbox import MailLinksUnavailable
from ..ratelimits import limit_resets
from . import reset_services
from .forms import ResetPasswordForm, ResetRequestForm
from .views import bp

logger = logging.getLogger("forum071.mail")


@bp.route("/reset", methods=["GET", "POST"])
@rerender_on_csrf_failure
@limit_resets
def reset():
    """Ask for a password reset link; the answer is the same whether the account exists."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        try:
            reset_services.request_password_reset(form.login.data)
        except MailLinksUnavailable as error:
            # Said in the log, not on the page: the page must not differ per account.
            db.session.rollback()
            logger.error("password reset mail not queued: %s", error)
        else:
            db.session.commit()
        return redirect(url_for("auth.reset_sent"))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/reset.html", form=form), status


@bp.route("/reset/sent")
def reset_sent():
    """Say that a link is on its way, if the account exists (the same page either way)."""
    return render_template("auth/reset_sent.html")


@bp.route("/reset/<token>", methods=["GET", "POST"])
@rerender_on_csrf_failure
def reset_password(token: str):
    """Choose a new password with the link from the mail."""
    user = reset_services.user_from_reset_token(token)
    if user is None:
        return render_template("auth/reset_invalid.html"), 400
    form = ResetPasswordForm(user)
    if form.validate_on_submit():
        reset_services.reset_password(user, form.password.data)
        db.session.commit()
        flash(_("Your password has been changed. Log in with your new password."), "success")
        return redirect(url_for("auth.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/reset_password.html", form=form, token=token), status
