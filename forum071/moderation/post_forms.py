"""Forms for flagging a post and for a moderator's actions on posts."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, StopValidation, ValidationError

from ..i18n import lazy_gettext as _l
from ..models import FlagReason
from ..threads.forms import EditPostForm

NOTE_MAX_LENGTH = 500
REASON_MAX_LENGTH = 300

FLAG_REASON_LABELS = {
    FlagReason.SPAM: _l("Spam or advertising"),
    FlagReason.OFFENSIVE: _l("Offensive or abusive"),
    FlagReason.OFF_TOPIC: _l("Off topic"),
    FlagReason.OTHER: _l("Something else"),
}


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class FlagForm(FlaskForm):
    """Report a post: a reason, and a note that is required for "something else"."""

    reason = RadioField(
        _l("Why should a moderator look at this post?"),
        choices=[SelectChoice(reason.value, label) for reason, label in FLAG_REASON_LABELS.items()],
        validators=[InputRequired(message=_l("Choose a reason."))],
    )
    note = TextAreaField(
        _l("Note for the moderators"),
        filters=[_strip],
        validators=[
            Length(max=NOTE_MAX_LENGTH, message=_l("Use at most %(max)d characters.")),
        ],
    )
    next = HiddenField()

    def validate_note(self, field: TextAreaField) -> None:
        if self.reason.data == FlagReason.OTHER and not field.data:
            raise ValidationError(_l("Tell the moderators what is wrong with this post."))


def _reason_required(form: FlaskForm, field: StringField) -> None:
    if not field.data:
        raise StopValidation(_l("Give a reason."))


_reason_required.field_flags = {"required": True}  # type: ignore[attr-defined]

_reason_length = Length(max=REASON_MAX_LENGTH, message=_l("Use at most %(max)d characters."))


class PostActionForm(FlaskForm):
    """A moderator's button on a post, with an optional reason."""

    reason = StringField(_l("Reason"), filters=[_strip], validators=[_reason_length])
    next = HiddenField()


class ReasonRequiredForm(PostActionForm):
    """Hiding and deleting say why: the reason is shown in place of the post and in the log."""

    reason = StringField(
        _l("Reason"), filters=[_strip], validators=[_reason_required, _reason_length]
    )


class StaffEditPostForm(EditPostForm):
    """A moderator's edit form: the reason, required on someone else's post and for a
    redaction, stays in the history; a redaction hides the earlier versions from others."""

    reason = StringField(
        _l("Reason for this edit"),
        filters=[_strip],
        validators=[_reason_length],
        description=_l("Shown in the post's edit history and in the moderation log."),
    )
    redact = BooleanField(
        _l("Redaction: show the earlier versions to moderators only"),
        description=_l(
            "For personal data: others see that a moderator redacted the earlier versions, "
            "and your reason, but not their text."
        ),
    )

    def __init__(self, *args: Any, reason_required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reason_required = reason_required
        self.reason.flags.required = reason_required

    def validate_reason(self, field: StringField) -> None:
        if not field.data and (self.reason_required or self.redact.data):
            raise StopValidation(_l("Give a reason."))
