"""The profile form: what members say about themselves, as plain text."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import ValidationError

from ..i18n import lazy_gettext as _l
from ..names import no_bidi_controls

ORGANISATION_MAX_LENGTH = 120
BIO_MAX_LENGTH = 1_000


def _normalise_text(value: str | None) -> str | None:
    """Strip the ends and use one kind of line break, so lengths count what is stored."""
    if not isinstance(value, str):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _one_line(value: str | None) -> str | None:
    if not isinstance(value, str):
        return value
    return " ".join(value.split())


def _max_length(limit: int, message: str):
    def check(form: FlaskForm, field) -> None:
        length = len(field.data or "")
        if length > limit:
            raise ValidationError(message % {"max": limit, "length": length})

    return check


class ProfileForm(FlaskForm):
    organisation = StringField(
        _l("Organisation"),
        filters=[_one_line],
        description=_l("The company, school or municipality you work for (optional)."),
        validators=[
            _max_length(
                ORGANISATION_MAX_LENGTH,
                _l("Keep the organisation under %(max)d characters (now %(length)d)."),
            ),
            no_bidi_controls,
        ],
    )
    bio = TextAreaField(
        _l("About you"),
        filters=[_normalise_text],
        description=_l(
            "A few lines about what you do and what you are interested in. Plain text, line "
            "breaks are kept; at most 1,000 characters."
        ),
        validators=[
            _max_length(
                BIO_MAX_LENGTH, _l("Keep it under %(max)d characters (now %(length)d).")
            )
        ],
    )
