"""Forms to start a thread, reply, and edit a post."""

from __future__ import annotations

import re

from flask import current_app
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from ..forms import SubmissionForm, markdown_body_validator
from ..i18n import lazy_gettext as _l
from ..labels import KIND_LABELS, localized
from ..models import PitchStage, Post, ThreadKind
from ..moderation.services import needs_premoderation
from ..names import no_bidi_controls
from ..pitches.forms import (
    START_STAGES,
    ask_categories_field,
    ask_field,
    stage_field,
    unique_categories,
)
from ..ratelimits import RateLimitAware
from ..rendering import MENTION, RenderError, render_markdown

TITLE_MAX_LENGTH = 200
TITLE_MIN_LENGTH = 5


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _title_length(form: SubmissionForm, field: StringField) -> None:
    if len(field.data or "") > TITLE_MAX_LENGTH:
        raise ValidationError(
            _l("Keep the title under %(max)d characters (now %(length)d).")
            % {"max": TITLE_MAX_LENGTH, "length": len(field.data)}
        )


def _body_required(form: SubmissionForm, field: TextAreaField) -> None:
    # Not stripped (leading spaces mean something in Markdown), but blank is not a message.
    if not (field.data or "").strip():
        raise StopValidation(_l("Write a message."))


_body_required.field_flags = {"required": True}  # type: ignore[attr-defined]


def _theme_required(form: SubmissionForm, field: SelectField) -> None:
    if not field.data:
        raise StopValidation(_l("Choose a theme."))


_theme_required.field_flags = {"required": True}  # type: ignore[attr-defined]


def _kind_required(form: SubmissionForm, field: SelectField) -> None:
    if field.data not in {kind.value for kind in ThreadKind}:
        raise StopValidation(_l("Choose what kind of thread this is."))


_kind_required.field_flags = {"required": True}  # type: ignore[attr-defined]


def _only_for_pitches(form: NewThreadForm, field) -> None:
    """The pitch fields count only for a pitch; for other kinds they are ignored, not checked."""
    if form.kind.data != ThreadKind.PITCH.value:
        field.errors = []
        raise StopValidation()


_LINK_TAG = re.compile(r"<a\s")


def count_links(source: str) -> int:
    """Links in a post as readers get them: Markdown links, autolinks, bare addresses."""
    try:
        return len(_LINK_TAG.findall(render_markdown(source)))
    except RenderError:
        return 0  # markdown_body_validator refuses such a text anyway


def count_mentions(source: str) -> int:
    """Different members @mentioned in a post."""
    return len({match.group(1).lower() for match in MENTION.finditer(source)})


def premoderation_limits(form: FlaskForm, field: TextAreaField) -> None:
    """Accounts still in pre-moderation may post only a few links and @mentions (spam)."""
    if not current_user.is_authenticated or not needs_premoderation(current_user):
        return
    text = field.data or ""
    max_links = int(current_app.config["PREMODERATION_MAX_LINKS"])
    max_mentions = int(current_app.config["PREMODERATION_MAX_MENTIONS"])
    problems = []
    links = count_links(text)
    if links > max_links:
        problems.append(
            _l(
                "Until your first posts are approved, a post may contain at most %(max)d links "
                "(this one has %(count)d).",
                max=max_links,
                count=links,
            )
        )
    mentions = count_mentions(text)
    if mentions > max_mentions:
        problems.append(
            _l(
                "Until your first posts are approved, a post may mention at most %(max)d "
                "members (this one mentions %(count)d).",
                max=max_mentions,
                count=mentions,
            )
        )
    if problems:
        raise ValidationError(" ".join(str(problem) for problem in problems))


def title_field() -> StringField:
    """A thread's title, checked the same way when a thread starts and when it is corrected."""
    return StringField(
        _l("Title"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Give the thread a title.")),
            Length(min=TITLE_MIN_LENGTH, message=_l("Use at least %(min)d characters.")),
            _title_length,
            no_bidi_controls,
        ],
    )


class BodyField(TextAreaField):
    """A Markdown text area; its limits are checked by markdown_body_validator."""


class NewThreadForm(RateLimitAware, SubmissionForm):
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(kind.value, KIND_LABELS[kind]) for kind in ThreadKind],
        default=ThreadKind.DISCUSSION.value,
        validators=[_kind_required],
        validate_choice=False,
    )
    # Choices are checked by validate_theme/validate_projects, which say what was wrong.
    theme = SelectField(_l("Theme"), validators=[_theme_required], validate_choice=False)
    projects = SelectMultipleField(
        _l("Projects (optional)"),
        validate_choice=False,
        description=_l("Link the thread to the projects it is about."),
    )
    title = title_field()
    body = BodyField(
        _l("Message"), validators=[_body_required, markdown_body_validator, premoderation_limits]
    )
    # "For pitches": where the initiative stands and what input the pitcher asks for.
    stage = stage_field(_l("Stage"), START_STAGES, _only_for_pitches, blank_is_idea=True)
    ask = ask_field(_only_for_pitches)
    ask_categories = ask_categories_field(_only_for_pitches)

    def validate_theme(self, field: SelectField) -> None:
        if field.data not in {choice.value for choice in field.choices if choice.value}:
            raise ValidationError(_l("Choose one of the themes in the list."))

    def validate_projects(self, field: SelectMultipleField) -> None:
        known = {choice.value for choice in field.choices}
        unknown = [slug for slug in dict.fromkeys(field.data or []) if slug not in known]
        if unknown:
            raise ValidationError(
                _l("There is no project “%(slug)s”.", slug="”, “".join(unknown))
            )

    def pitch_fields(self) -> dict:
        """The pitch's stage and ask for start_thread; nothing for other kinds of thread."""
        if self.kind.data != ThreadKind.PITCH.value:
            return {}
        return {
            "stage": PitchStage(self.stage.data or PitchStage.IDEA),
            "ask": self.ask.data or "",
            "ask_categories": unique_categories(self.ask_categories.data),
        }

    def set_choices(self, themes, projects) -> None:
        self.theme.choices = [SelectChoice("", _l("Choose a theme"))] + [
            SelectChoice(theme.slug, localized(theme, "name")) for theme in themes
        ]
        self.projects.choices = [SelectChoice(project.slug, project.name) for project in projects]


class ReplyForm(RateLimitAware, SubmissionForm):
    body = BodyField(
        _l("Your reply"),
        validators=[_body_required, markdown_body_validator, premoderation_limits],
    )


class EditPostForm(FlaskForm):
    # The opening post's form only (for_post removes it from a reply's): the thread's title.
    title = title_field()
    body = BodyField(
        _l("Message"), validators=[_body_required, markdown_body_validator, premoderation_limits]
    )
    # The version the editor started from: an edit made on top of someone else's is refused.
    base_version = IntegerField(widget=HiddenInput(), validators=[Optional()])

    def for_post(self, post: Post) -> EditPostForm:
        """Keep the title field only where there is a title to correct: the opening post."""
        if not post.is_opening_post:
            del self.title
        return self
