"""Registration and login forms."""

from __future__ import annotations

from flask_babel import gettext
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import (
    Email,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from .. import passwords
from ..extensions import db
from ..forms import NewPasswordForm
from ..i18n import format_timestamp
from ..i18n import lazy_gettext as _l
from ..labels import ROLE_LABELS
from ..models import SELF_SERVICE_ROLES, Role, User
from ..names import (
    USERNAME_MAX_LENGTH,
    USERNAME_MIN_LENGTH,
    no_bidi_controls,
    normalise_username,
    skeleton,
    username_characters,
)
from ..ratelimits import LOGIN_RATE_LIMITED_MESSAGE, RateLimitAware
from ..released_names import released_until

# At registration an official names the kind of organisation, so the label says more.
REGISTRATION_ROLE_LABELS = {
    **ROLE_LABELS,
    Role.OFFICIAL: _l("Official (municipality or partner organisation)"),
}


def _strip_lower(value: str | None) -> str | None:
    return value.strip().lower() if isinstance(value, str) else value


def _username(value: str | None) -> str | None:
    return normalise_username(value) if isinstance(value, str) else value


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class RegisterForm(RateLimitAware, FlaskForm):
    rate_limit_field = "username"

    username = StringField(
        _l("Username"),
        filters=[_username],
        validators=[
            InputRequired(),
            Length(min=USERNAME_MIN_LENGTH, max=USERNAME_MAX_LENGTH),
            username_characters,
        ],
        description=_l("3 to 30 letters, digits or underscores; shown with your posts."),
    )
    email = StringField(
        _l("Email address"),
        filters=[_strip_lower],
        validators=[InputRequired(), Length(max=254), Email(check_deliverability=False)],
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired()],
        description=_l("At least 10 characters. A few unusual words make a strong password."),
    )
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[InputRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    role = SelectField(
        _l("I take part as"),
        choices=[
            SelectChoice(role.value, REGISTRATION_ROLE_LABELS[role]) for role in SELF_SERVICE_ROLES
        ],
        validators=[InputRequired()],
    )
    organisation = StringField(
        _l("Organisation (optional)"),
        filters=[_strip],
        validators=[Optional(), Length(max=120), no_bidi_controls],
    )
    # Honeypot: hidden from people (templates/auth/register.html), filled in by some bots.
    # The view refuses a filled one like an ordinary validation error, without saying why.
    website = StringField(_l("Leave this empty"))

    @property
    def honeypot_filled(self) -> bool:
        return bool((self.website.data or "").strip())

    def validate_username(self, field: StringField) -> None:
        taken = db.session.scalar(select(User.id).where(User.username == field.data))
        if taken is not None:
            raise ValidationError(_l("This username is taken. Choose another one."))
        reserved_until = released_until(field.data)
        if reserved_until is not None:
            raise ValidationError(
                _l(
                    "This username belonged to an account that was deleted recently. It can "
                    "be registered again from %(date)s; choose another one.",
                    date=format_timestamp(reserved_until, "d MMMM yyyy"),
                )
            )
        similar = db.session.scalar(
            select(User.username).where(User.username_skeleton == skeleton(field.data))
        )
        if similar is not None:
            raise ValidationError(
                _l(
                    "This username looks too much like that of the member “%(name)s”. Choose "
                    "another one.",
                    name=similar,
                )
            )

    def validate_password(self, field: PasswordField) -> None:
        problems = passwords.password_problems(
            field.data or "", username=self.username.data or "", email=self.email.data or ""
        )
        if problems:
            raise ValidationError(" ".join(problem.render(gettext) for problem in problems))


class LoginForm(RateLimitAware, FlaskForm):
    rate_limit_field = "password"
    rate_limit_message = LOGIN_RATE_LIMITED_MESSAGE

    login = StringField(
        _l("Username or email address"),
        filters=[_username],
        validators=[InputRequired(), Length(max=254)],
    )
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=1024)])
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = HiddenField()


class ResetRequestForm(RateLimitAware, FlaskForm):
    rate_limit_field = "login"

    login = StringField(
        _l("Username or email address"),
        filters=[_username],
        validators=[InputRequired(), Length(max=254)],
    )


class ResetPasswordForm(NewPasswordForm):
    """A new password after a reset link, under the same policy as at registration."""
