"""Forms for the moderator actions on members."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import ValidationError

from ..i18n import lazy_gettext as _l
from ..labels import ROLE_LABELS
from ..models import Role
from .thread_forms import _strip, reason_field


class RoleForm(FlaskForm):
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(role.value, ROLE_LABELS[role]) for role in Role],
        validate_choice=False,
    )
    reason = reason_field()

    def validate_role(self, field: SelectField) -> None:
        if field.data not in {role.value for role in Role}:
            raise ValidationError(_l("Choose one of the roles in the list."))


class SuspendForm(FlaskForm):
    until = StringField(
        _l("Suspended until"),
        filters=[_strip],
        description=_l("A date as YYYY-MM-DD; leave it empty to suspend for good."),
    )
    reason = reason_field(_l("Reason"), required=True)

    @property
    def until_moment(self) -> datetime | None:
        """The start (UTC) of the day the suspension ends; None for a permanent one."""
        if not self.until.data:
            return None
        return datetime.combine(date.fromisoformat(self.until.data), time(), tzinfo=UTC)

    def validate_until(self, field: StringField) -> None:
        if not field.data:
            return
        try:
            day = date.fromisoformat(field.data)
        except ValueError as error:
            raise ValidationError(_l("Give the date as YYYY-MM-DD, e.g. 2030-01-31.")) from error
        if len(field.data) != 10:
            raise ValidationError(_l("Give the date as YYYY-MM-DD, e.g. 2030-01-31."))
        if day <= datetime.now(UTC).date():
            raise ValidationError(_l("Choose a date in the future."))


class RemoveContentForm(FlaskForm):
    reason = reason_field(_l("Reason"), required=True)
