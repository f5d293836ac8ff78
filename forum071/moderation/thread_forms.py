"""Forms for the moderator actions on threads."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from ..forms import NO_THREAD_REFERENCE, IdListField, ThreadReferenceField
from ..i18n import lazy_gettext as _l
from ..labels import localized
from ..names import no_bidi_controls
from ..threads.forms import TITLE_MAX_LENGTH, TITLE_MIN_LENGTH
from .thread_services import PinScope

REASON_MAX_LENGTH = 500


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def reason_field(label=None, required: bool = False) -> StringField:
    validators = [Length(max=REASON_MAX_LENGTH, message=_l("Keep it under %(max)d characters."))]
    if required:
        validators.insert(0, DataRequired(_l("Give a reason.")))
    return StringField(label or _l("Reason (optional)"), filters=[_strip], validators=validators)


class ReasonForm(FlaskForm):
    """Unlock: an optional reason, kept in the moderation log."""

    reason = reason_field()


class LockForm(FlaskForm):
    """Lock: a reason is required, shown on the thread and in the public moderation log."""

    reason = StringField(
        _l("Why is the thread locked?"),
        filters=[_strip],
        description=_l("Shown on the thread and in the public moderation log."),
        validators=[
            DataRequired(_l("Say why the thread is locked.")),
            Length(max=REASON_MAX_LENGTH, message=_l("Keep it under %(max)d characters.")),
        ],
    )


class PinForm(FlaskForm):
    scope = SelectField(
        _l("Where"),
        choices=[
            SelectChoice(PinScope.THEME.value, _l("On top of its theme")),
            SelectChoice(PinScope.GLOBAL.value, _l("On top of the front page")),
        ],
        default=PinScope.THEME.value,
        validate_choice=False,
    )
    reason = reason_field()

    def validate_scope(self, field: SelectField) -> None:
        if not field.data:
            field.data = PinScope.THEME.value
        if field.data not in {scope.value for scope in PinScope}:
            raise ValidationError(_l("Pin a thread on its theme or on the front page."))


class MoveForm(FlaskForm):
    theme = SelectField(_l("Theme"), validate_choice=False)
    projects = SelectMultipleField(_l("Projects"), validate_choice=False)
    reason = reason_field()

    def set_choices(self, themes, projects) -> None:
        self.theme.choices = [
            SelectChoice(theme.slug, localized(theme, "name")) for theme in themes
        ]
        self.projects.choices = [SelectChoice(project.slug, project.name) for project in projects]

    def validate_theme(self, field: SelectField) -> None:
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Choose one of the themes in the list."))

    def validate_projects(self, field: SelectMultipleField) -> None:
        known = {choice.value for choice in field.choices}
        unknown = [slug for slug in dict.fromkeys(field.data or []) if slug not in known]
        if unknown:
            raise ValidationError(_l("There is no project “%(slug)s”.", slug="”, “".join(unknown)))


class MergeForm(FlaskForm):
    into = ThreadReferenceField(
        _l("Merge into thread"),
        filters=[_strip],
        description=_l("The number or the address of the thread that takes these posts."),
        validators=[DataRequired(NO_THREAD_REFERENCE)],
    )
    reason = reason_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Filled in by validate_into: the number of the thread to merge into.
        self.target_id: int | None = None

    def validate_into(self, field: ThreadReferenceField) -> None:
        self.target_id = field.thread_id()


class SplitForm(FlaskForm):
    post_ids = IdListField(_l("Replies to move"))
    title = StringField(
        _l("Title of the new thread"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Give the new thread a title.")),
            Length(min=TITLE_MIN_LENGTH, message=_l("Use at least %(min)d characters.")),
            Length(max=TITLE_MAX_LENGTH, message=_l("Keep the title under %(max)d characters.")),
            no_bidi_controls,
        ],
    )
    reason = reason_field()

    def validate_post_ids(self, field: IdListField) -> None:
        if not field.data:
            raise ValidationError(_l("Choose at least one reply to move."))
        known = {choice[0] for choice in field.choices}
        if any(post_id not in known for post_id in field.data):
            raise ValidationError(_l("Choose replies of this thread only."))
