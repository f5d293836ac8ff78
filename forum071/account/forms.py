"""The account settings' forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, SelectChoice
from wtforms.validators import EqualTo, InputRequired, Length

from ..forms import NewPasswordForm
from ..i18n import lazy_gettext as _l
from ..ratelimits import PASSWORD_RATE_LIMITED_MESSAGE, RateLimitAware

LANGUAGE_CHOICES = (("nl", "Nederlands"), ("en", "English"))


class PasswordChangeForm(RateLimitAware, NewPasswordForm):
    rate_limit_field = "current_password"
    rate_limit_message = PASSWORD_RATE_LIMITED_MESSAGE

    current_password = PasswordField(
        _l("Current password"), validators=[InputRequired(), Length(max=1024)]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[InputRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class LanguageForm(FlaskForm):
    language = RadioField(
        _l("Language of the pages"),
        choices=[SelectChoice(code, label) for code, label in LANGUAGE_CHOICES],
        validators=[InputRequired(message=_l("Choose a language."))],
    )


class DeleteAccountForm(RateLimitAware, FlaskForm):
    rate_limit_field = "password"
    rate_limit_message = PASSWORD_RATE_LIMITED_MESSAGE

    password = PasswordField(_l("Your password"), validators=[InputRequired(), Length(max=1024)])
    posts = RadioField(
        _l("Your posts"),
        choices=[
            SelectChoice(
                "keep", _l("Keep them, shown as by “former member” and without my name")
            ),
            SelectChoice(
                "remove",
                _l("Remove them (a thread others replied to stays, without my opening post)"),
            ),
        ],
        validators=[InputRequired(message=_l("Choose what happens to your posts."))],
    )
