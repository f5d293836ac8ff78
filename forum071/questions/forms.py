"""Forms to accept an answer and to close a thread with an outcome."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, StopValidation, ValidationError

from ..extensions import db
from ..forms import NO_THREAD_REFERENCE, IdField, ThreadReferenceField
from ..i18n import lazy_gettext as _l
from ..labels import OUTCOME_LABELS
from ..models import OUTCOMES_BY_KIND, Outcome, Thread, ThreadKind

SUMMARY_MAX_LENGTH = 2000


class AcceptForm(FlaskForm):
    """Which reply is the accepted answer (the button on each reply sends it)."""

    post_id = IdField(validators=[InputRequired()])


def _clean_text(value: str | None) -> str | None:
    """Plain text as typed, without surrounding blanks and with one kind of line break."""
    if not isinstance(value, str):
        return ""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class CloseForm(FlaskForm):
    """Close a thread with an outcome that fits its kind, and a short summary."""

    outcome = RadioField(_l("Outcome"), choices=[], validate_choice=False)
    summary = TextAreaField(_l("Summary"), filters=[_clean_text])
    duplicate_of = ThreadReferenceField(
        _l("Duplicate of"),
        filters=[_strip],
        description=_l("The number or the address of the other thread."),
    )

    def __init__(self, thread: Thread, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.thread = thread
        # Filled in by validate_duplicate_of: the thread this one duplicates.
        self.duplicate_thread: Thread | None = None
        self.outcome.choices = [
            (outcome.value, OUTCOME_LABELS[outcome]) for outcome in OUTCOMES_BY_KIND[thread.kind]
        ]
        if thread.kind == ThreadKind.PITCH:
            self.outcome.label.text = _l("Final stage")
            self.summary.label.text = _l("Result (optional)")
            self.summary.description = _l("In a few sentences: what came of the pitch?")
        elif thread.kind == ThreadKind.QUESTION:
            self.summary.label.text = _l("Note (optional)")
            self.summary.description = _l("For example where the answer can be found.")
        else:
            self.summary.description = _l("What did the discussion conclude?")
            self.summary.flags.required = True
        if self.outcome.data is None:
            self.outcome.data = self._suggested_outcome()

    def _suggested_outcome(self) -> str | None:
        if self.thread.kind == ThreadKind.PITCH:
            return self.thread.stage
        if self.thread.kind == ThreadKind.DISCUSSION:
            return Outcome.SUMMARISED.value
        return Outcome.ANSWERED.value if self.thread.answered else None

    @property
    def is_duplicate(self) -> bool:
        return self.outcome.data == Outcome.DUPLICATE.value

    def validate_outcome(self, field: RadioField) -> None:
        if field.data not in {value for value, _label in field.choices}:
            if self.thread.kind == ThreadKind.PITCH:
                raise StopValidation(_l("Choose the final stage of the pitch."))
            raise StopValidation(_l("Choose an outcome."))

    def validate_summary(self, field: TextAreaField) -> None:
        text = field.data or ""
        if len(text) > SUMMARY_MAX_LENGTH:
            raise ValidationError(
                _l("Keep it under %(max)d characters (now %(length)d).")
                % {"max": SUMMARY_MAX_LENGTH, "length": len(text)}
            )
        if not text and self.thread.kind == ThreadKind.DISCUSSION:
            raise ValidationError(_l("Write a short summary of what the discussion concluded."))

    def validate_duplicate_of(self, field: ThreadReferenceField) -> None:
        if not self.is_duplicate:
            return
        if not field.data:
            raise ValidationError(NO_THREAD_REFERENCE)
        thread_id = field.thread_id()
        if thread_id == self.thread.id:
            raise ValidationError(_l("A thread cannot be a duplicate of itself."))
        self.duplicate_thread = db.session.get(Thread, thread_id)
        if self.duplicate_thread is None:
            raise ValidationError(_l("There is no thread %(number)d.", number=thread_id))

