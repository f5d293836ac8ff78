"""Pieces shared by the forms of several areas."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import select
from wtforms import HiddenField, ValidationError

from .extensions import db
from .i18n import lazy_gettext as _l
from .models import User
from .rendering import MAX_BODY_LENGTH, RenderError, render_markdown

BODY_TOO_LONG = _l("Keep it under %(max)d characters (now %(length)d).")
BODY_CANNOT_RENDER = _l(
    "This text cannot be shown safely. Remove long runs of brackets or deeply nested lists."
)


def rerender_on_csrf_failure(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a form view that re-shows its form, with the input kept, when its token expired."""
    view.rerender_on_csrf_failure = True  # type: ignore[attr-defined]
    return view


class ActionForm(FlaskForm):
    """A form with only a CSRF token, for POST-only buttons (logout, language, ...)."""


class SubmissionForm(FlaskForm):
    """A form that creates something once, however often it is sent (double click, resubmit)."""

    submission_id = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.submission_id.data:
            self.submission_id.data = uuid.uuid4().hex

    def validate_submission_id(self, field: HiddenField) -> None:
        try:
            uuid.UUID(field.data or "")
        except ValueError:
            field.data = uuid.uuid4().hex


def members_named(names: set[str]) -> set[str]:
    """Which of these lower-case @names belong to members (the renderer links those)."""
    with db.session.no_autoflush:
        query = select(User.username).where(User.username.in_(sorted(names)))
        return set(db.session.scalars(query))


def render_body(text: str) -> Markup:
    """A body as its post will show it, @mentions linked: the render the service that stores
    it makes too, so that one request renders it once (rendering remembers it)."""
    return render_markdown(text, mentionable=members_named)


def markdown_body_validator(form: FlaskForm, field: Any) -> None:
    """Check that a Markdown body fits and renders safely (the service renders it to store)."""
    text = field.data or ""
    if len(text) > MAX_BODY_LENGTH:
        raise ValidationError(BODY_TOO_LONG % {"max": MAX_BODY_LENGTH, "length": len(text)})
    try:
        render_body(text)
    except RenderError as error:
        raise ValidationError(str(BODY_CANNOT_RENDER)) from error
