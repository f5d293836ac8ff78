"""Moderator actions on members: verify, change a role, suspend, remove content."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..errors import error_response
from ..extensions import db
from ..forms import ActionForm, rerender_on_csrf_failure
from ..labels import ROLE_LABELS
from ..models import Role, User
from ..names import normalise_username
from ..permissions import can_change_role, can_moderate, can_suspend, can_verify
from ..refusals import suspension_message
from . import user_services as services
from .user_forms import RemoveContentForm, RoleForm, SuspendForm

bp = Blueprint("moderation_users", __name__, url_prefix="/moderation")
bp.add_app_template_global(suspension_message)


def _load_user(username: str) -> User:
    if not can_moderate(current_user):
        abort(403)
    user = db.session.scalar(select(User).where(User.username == normalise_username(username)))
    if user is None or user.is_former_member:
        abort(404)  # a deleted account: nothing left to moderate
    return user


def _done(user: User, changed: bool, done: str, already: str):
    db.session.commit()
    flash(done if changed else already, "success" if changed else "info")
    return redirect(url_for("users.show", username=user.username), 303)


def _render(user: User, status: int = 200, **forms: Any):
    forms.setdefault("role_form", RoleForm(formdata=None, data={"role": user.role}))
    forms.setdefault("suspend_form", SuspendForm(formdata=None))
    forms.setdefault("remove_form", RemoveContentForm(formdata=None))
    return render_template("moderation/user.html", user=user, **forms), status


@bp.get("/users/<username>")
@login_required
def show(username: str):
    """Show a member's standing with the moderator actions on them."""
    return _render(_load_user(username))


@bp.post("/users/<username>/verify")
@login_required
def verify(username: str):
    """Confirm that an official works for a government body."""
    user = _load_user(username)
    if not can_verify(current_user, user):
        return error_response(400, _("Only officials are verified."))
    if not ActionForm().validate_on_submit():
        abort(400)
    changed = services.verify_official(current_user, user)
    return _done(
        user,
        changed,
        _("%(name)s is a verified official now.", name=user.username),
        _("%(name)s is verified already.", name=user.username),
    )


@bp.post("/users/<username>/role")
@login_required
def role(username: str):
    """Give a member another role (admins only, never their own or another admin's)."""
    user = _load_user(username)
    if not can_change_role(current_user, user):
        abort(403)
    form = RoleForm()
    if not form.validate_on_submit():
        return _render(user, 422, role_form=form)
    changed = services.set_role(current_user, user, Role(form.role.data), form.reason.data or "")
    label = ROLE_LABELS[Role(form.role.data)]
    return _done(
        user,
        changed,
        _("%(name)s is now: %(role)s.", name=user.username, role=label),
        _("%(name)s already has this role.", name=user.username),
    )


@bp.post("/users/<username>/suspend")
@login_required
@rerender_on_csrf_failure
def suspend(username: str):
    """Suspend a member until a date, or for good, with a reason: they can read, not post."""
    user = _load_user(username)
    if not can_suspend(current_user, user):
        abort(403)
    form = SuspendForm()
    if not form.validate_on_submit():
        return _render(user, 422, suspend_form=form)
    changed = services.suspend_user(current_user, user, form.until_moment, form.reason.data)
    return _done(
        user,
        changed,
        _("%(name)s is suspended.", name=user.username),
        _("%(name)s is suspended already.", name=user.username),
    )


@bp.post("/users/<username>/unsuspend")
@login_required
def unsuspend(username: str):
    """Lift a member's suspension."""
    user = _load_user(username)
    if not can_suspend(current_user, user):
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    changed = services.unsuspend_user(current_user, user)
    return _done(
        user,
        changed,
        _("%(name)s may post again.", name=user.username),
        _("%(name)s is not suspended.", name=user.username),
    )


@bp.post("/users/<username>/remove-content")
@login_required
@rerender_on_csrf_failure
def remove_content(username: str):
    """Delete all of a spammer's threads and posts at once and suspend them for good."""
    user = _load_user(username)
    if not can_suspend(current_user, user):
        abort(403)
    form = RemoveContentForm()
    if not form.validate_on_submit():
        return _render(user, 422, remove_form=form)
    threads, posts = services.remove_content(current_user, user, form.reason.data)
    db.session.commit()
    flash(
        _(
            "Removed %(threads)d threads and %(posts)d posts of %(name)s; they are suspended.",
            threads=threads,
            posts=posts,
            name=user.username,
        ),
        "success",
    )
    return redirect(url_for("users.show", username=user.username), 303)
