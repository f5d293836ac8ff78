"""Pieces shared by the forms of several areas."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from flask_babel import gettext
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import select
from wtforms import (
    HiddenField,
    IntegerField,
    PasswordField,
    SelectMultipleField,
    StringField,
    ValidationError,
)
from wtforms.validators import EqualTo, InputRequired

from . import passwords
from .extensions import db
from .i18n import lazy_gettext as _l
from .models import User
from .rendering import MAX_BODY_LENGTH, RenderError, render_markdown

BODY_TOO_LONG = _l("Keep it under %(max)d characters (now %(length)d).")
BODY_CANNOT_RENDER = _l(
    "This text is too complex to show safely. Shorten very long lists or tables, deep"
    " nesting, or long runs of brackets or emphasis marks."
)


# The largest id a row can have: PostgreSQL's integer columns (the bound of the routes'
# <int:...> too, security.DatabaseIntConverter). A larger number, sent to the database, is an
# error there (SQLite: an overflow in the driver), so forms refuse it first.
MAX_ID = 2**31 - 1
NO_SUCH_ITEM = _l("There is nothing with this number here.")
NO_THREAD_REFERENCE = _l("Give the number or the address of the other thread.")
# A thread named by its number ("42", "#42") or by its address (".../threads/42-a-title").
THREAD_REFERENCE = re.compile(r"^#?(\d+)$|/threads/(\d+)(?:[-/?#]|$)")


def parse_id(raw: Any) -> int | None:
    """A row id as sent in a form (plain ASCII digits, 1 to MAX_ID); None for anything else."""
    if not isinstance(raw, str) or not (raw.isascii() and raw.isdigit()):
        return None
    number = int(raw)
    return number if 1 <= number <= MAX_ID else None


def invalid_status(form: FlaskForm) -> int:
    """The status of a refused form: 422 for what was typed, 400 when one of its id fields
    names no row any table can have (a forged or mangled request)."""
    return 400 if any(getattr(field, "bad_request", False) for field in form) else 422


class IdField(IntegerField):
    """A row's id from a button or hidden field: whole numbers 1 to MAX_ID, nothing else."""

    bad_request = False

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        self.data = parse_id(valuelist[0])
        if self.data is None:
            self.bad_request = True
            raise ValueError(str(NO_SUCH_ITEM))


class IdListField(SelectMultipleField):
    """Rows chosen by their ids (checkboxes): each a whole number 1 to MAX_ID."""

    bad_request = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, coerce=int, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        ids = [parse_id(value) for value in valuelist]
        if None in ids:
            self.data = []
            self.bad_request = True
            raise ValueError(str(NO_SUCH_ITEM))
        self.data = ids


class ThreadReferenceField(StringField):
    """A thread named as people do: its number ("42", "#42") or its address."""

    bad_request = False

    def thread_id(self) -> int:
        """The thread's number; ValidationError when the text names none (a number beyond
        MAX_ID makes the request a bad one: invalid_status answers 400)."""
        match = THREAD_REFERENCE.search(self.data or "")
        if match is None:
            raise ValidationError(str(NO_THREAD_REFERENCE))
        digits = match.group(1) or match.group(2)
        number = parse_id(digits)
        if number is None:
            self.bad_request = True
            raise ValidationError(_l("There is no thread %(number)s.", number=digits))
        return number


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


class NewPasswordForm(FlaskForm):
    """A new password for ``user``, under the same policy as at registration."""

    password = PasswordField(
        _l("New password"),
        validators=[InputRequired()],
        description=_l("At least 10 characters. A few unusual words make a strong password."),
    )
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[InputRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )

    def __init__(self, user: User, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_password(self, field: PasswordField) -> None:
        problems = passwords.password_problems(
            field.data or "", username=self.user.username, email=self.user.email
        )
        if problems:
            raise ValidationError(" ".join(problem.render(gettext) for problem in problems))
