"""The pitch fields (stage, ask, ask categories) and the progress-update form."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from wtforms import SelectChoice, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import StopValidation, ValidationError

from ..forms import SubmissionForm, markdown_body_validator
from ..i18n import lazy_gettext as _l
from ..labels import ASK_CATEGORY_LABELS, STAGE_LABELS
from ..models import AskCategory, PitchStage

ASK_MAX_LENGTH = 1_000
# A pitch is started somewhere on its way, not as already stopped.
START_STAGES = (PitchStage.IDEA, PitchStage.IN_DEVELOPMENT, PitchStage.PILOT, PitchStage.REALISED)

Validator = Callable[[Any, Any], None]


def _normalise_text(value: str | None) -> str | None:
    """Strip the ends and use one kind of line break, so lengths count what is stored."""
    if not isinstance(value, str):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _ask_length(form: Any, field: TextAreaField) -> None:
    length = len(field.data or "")
    if length > ASK_MAX_LENGTH:
        raise ValidationError(
            _l("Keep the ask under %(max)d characters (now %(length)d).")
            % {"max": ASK_MAX_LENGTH, "length": length}
        )


def _known_stage(form: Any, field: SelectField) -> None:
    if field.data not in {choice.value for choice in field.choices}:
        raise StopValidation(_l("Choose one of the stages in the list."))


_known_stage.field_flags = {"required": True}  # type: ignore[attr-defined]


def _known_categories(form: Any, field: SelectMultipleField) -> None:
    known = {choice.value for choice in field.choices}
    if any(value not in known for value in field.data or []):
        raise ValidationError(_l("Choose the categories from the list."))


def _blank_is_idea(value: str | None) -> str:
    return value or PitchStage.IDEA.value


def stage_field(
    label: str, stages: Iterable[PitchStage], *validators: Validator, blank_is_idea: bool = False
) -> SelectField:
    """A choice of stage, shown as radio buttons; unknown values get a clear message."""
    return SelectField(
        label,
        choices=[SelectChoice(stage.value, STAGE_LABELS[stage]) for stage in stages],
        default=PitchStage.IDEA.value,
        filters=[_blank_is_idea] if blank_is_idea else [],
        validators=[*validators, _known_stage],
        validate_choice=False,
    )


def ask_field(*validators: Validator) -> TextAreaField:
    return TextAreaField(
        _l("What are you asking for?"),
        filters=[_normalise_text],
        description=_l(
            "For example a launching customer, a student team, a location or a contact at "
            "a municipality. Plain text, at most 1,000 characters."
        ),
        validators=[*validators, _ask_length],
    )


def ask_categories_field(*validators: Validator) -> SelectMultipleField:
    return SelectMultipleField(
        _l("Kind of input (optional)"),
        choices=[
            SelectChoice(category.value, ASK_CATEGORY_LABELS[category])
            for category in AskCategory
        ],
        validators=[*validators, _known_categories],
        validate_choice=False,
    )


def unique_categories(values: Sequence[str] | None) -> list[str]:
    """The chosen categories once each, in the order of the list."""
    chosen = set(values or ())
    return [category.value for category in AskCategory if category.value in chosen]


def _body_required(form: Any, field: TextAreaField) -> None:
    if not (field.data or "").strip():
        raise StopValidation(_l("Describe what changed."))


_body_required.field_flags = {"required": True}  # type: ignore[attr-defined]


class PitchUpdateForm(SubmissionForm):
    """A progress update: what changed, where the pitch stands now, and the new ask."""

    body = TextAreaField(
        _l("What changed?"), validators=[_body_required, markdown_body_validator]
    )
    stage = stage_field(_l("Stage"), PitchStage)
    ask = ask_field()
    ask_categories = ask_categories_field()

    def update_fields(self) -> dict:
        """The values for pitches.services.post_pitch_update."""
        return {
            "body": self.body.data,
            "stage": PitchStage(self.stage.data),
            "ask": self.ask.data or "",
            "ask_categories": unique_categories(self.ask_categories.data),
            "client_token": self.submission_id.data,
        }
