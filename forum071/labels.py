"""Human names for the forum's fixed values, in the visitor's language."""

from __future__ import annotations

from typing import Any

from flask import Flask

from .i18n import current_language
from .i18n import lazy_gettext as _l
from .models import (
    AskCategory,
    NotificationKind,
    Outcome,
    PitchStage,
    ProjectPhase,
    Role,
    Sector,
    ThreadKind,
)

ROLE_LABELS = {
    Role.ENTREPRENEUR: _l("Entrepreneur"),
    Role.STUDENT: _l("Student"),
    Role.OFFICIAL: _l("Official"),
    Role.MODERATOR: _l("Moderator"),
    Role.ADMIN: _l("Administrator"),
}

KIND_LABELS = {
    ThreadKind.DISCUSSION: _l("Discussion"),
    ThreadKind.PITCH: _l("Pitch"),
    ThreadKind.QUESTION: _l("Question"),
}

KIND_DESCRIPTIONS = {
    ThreadKind.DISCUSSION: _l("Share a plan or an idea and talk it through."),
    ThreadKind.PITCH: _l("Present your initiative and ask for input to take it further."),
    ThreadKind.QUESTION: _l("Ask the community something you need answered."),
}

PHASE_LABELS = {
    ProjectPhase.AANJAAGFASE: _l("Kick-off phase"),
    ProjectPhase.LOPEND: _l("Running project"),
    ProjectPhase.DOORSTART: _l("Restarted project"),
    ProjectPhase.AFGEROND: _l("Completed project"),
}


STAGE_LABELS = {
    PitchStage.IDEA: _l("Idea"),
    PitchStage.IN_DEVELOPMENT: _l("In development"),
    PitchStage.PILOT: _l("Pilot"),
    PitchStage.REALISED: _l("Realised"),
    PitchStage.STOPPED: _l("Stopped"),
}

ASK_CATEGORY_LABELS = {
    AskCategory.LAUNCHING_CUSTOMER: _l("A launching customer"),
    AskCategory.STUDENT_TEAM: _l("A student team"),
    AskCategory.LOCATION: _l("A location"),
    AskCategory.FUNDING: _l("Funding"),
    AskCategory.MUNICIPAL_CONTACT: _l("A contact at a municipality"),
    AskCategory.EXPERTISE: _l("Knowledge or expertise"),
}

OUTCOME_LABELS = {
    Outcome.ANSWERED: _l("Answered"),
    Outcome.NO_LONGER_RELEVANT: _l("No longer relevant"),
    Outcome.DUPLICATE: _l("Duplicate of another thread"),
    Outcome.SUMMARISED: _l("Concluded with a summary"),
    # A pitch closes with its final stage.
    **{stage: label for stage, label in STAGE_LABELS.items()},
}

SECTOR_LABELS = {
    Sector.ENTREPRENEURS: _l("Entrepreneurs"),
    Sector.EDUCATION: _l("Education"),
    Sector.GOVERNMENT: _l("Government"),
}

# What the thread page says plainly when one of the three O's has not taken part.
SECTOR_MISSING = {
    Sector.ENTREPRENEURS: _l("No entrepreneur has replied yet."),
    Sector.EDUCATION: _l("No student or school has replied yet."),
    Sector.GOVERNMENT: _l("No official has replied yet."),
}

# The way forward of a pitch, as its progress indicator shows it; stopping leaves the path.
PITCH_PATH = (PitchStage.IDEA, PitchStage.IN_DEVELOPMENT, PitchStage.PILOT, PitchStage.REALISED)


def pitch_progress(stage: str | None) -> list[tuple[PitchStage, str]]:
    """Each step of a pitch's path with its state: "done", "current", "next" or "left"."""
    current = PitchStage(stage or PitchStage.IDEA)
    if current == PitchStage.STOPPED:
        return [(step, "left") for step in PITCH_PATH] + [(current, "current")]
    position = PITCH_PATH.index(current)
    return [
        (step, "done" if index < position else "current" if index == position else "next")
        for index, step in enumerate(PITCH_PATH)
    ]

NOTIFICATION_LABELS = {
    NotificationKind.REPLY: _l("%(actor)s replied in %(thread)s"),
    NotificationKind.NEW_THREAD: _l("%(actor)s started %(thread)s"),
    NotificationKind.ACCEPTED: _l("%(actor)s accepted your answer in %(thread)s"),
    NotificationKind.PITCH_UPDATE: _l("%(actor)s posted a progress update on %(thread)s"),
    NotificationKind.MENTION: _l("%(actor)s mentioned you in %(thread)s"),
}


# The moderation log's actions, in words (post, thread and user actions alike).
MODERATION_ACTION_LABELS = {
    "approve": _l("Approved"),
    "reject": _l("Rejected"),
    "hide": _l("Hidden"),
    "unhide": _l("Shown again"),
    "delete": _l("Deleted"),
    "edit": _l("Edited"),
    "redact": _l("Redacted"),
    "edit_title": _l("Title corrected"),
    "dismiss": _l("Flags dismissed"),
    "auto_hide": _l("Hidden after flags"),
    "lock": _l("Locked"),
    "unlock": _l("Unlocked"),
    "pin": _l("Pinned"),
    "unpin": _l("Unpinned"),
    "move": _l("Moved"),
    "merge": _l("Merged"),
    "split": _l("Split"),
    "verify": _l("Official verified"),
    "set_role": _l("Role changed"),
    "suspend": _l("Suspended"),
    "unsuspend": _l("Suspension lifted"),
    "remove_content": _l("Content removed"),
}


def localized(item: Any, field: str) -> str:
    """The English variant of a seeded text for English readers when it exists, else Dutch."""
    if current_language() == "en":
        english = getattr(item, f"{field}_en", "")
        if english:
            return english
    return getattr(item, field)


FORMER_MEMBER = _l("former member")


def member_name(user: Any) -> str:
    """How a member is named on pages: their username, or "former member" once they deleted
    their account (its row keeps only a placeholder name)."""
    if user is None or user.is_former_member:
        return str(FORMER_MEMBER)
    return user.username


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        member_name=member_name,
        ROLE_LABELS=ROLE_LABELS,
        KIND_LABELS=KIND_LABELS,
        PHASE_LABELS=PHASE_LABELS,
        STAGE_LABELS=STAGE_LABELS,
        ASK_CATEGORY_LABELS=ASK_CATEGORY_LABELS,
        OUTCOME_LABELS=OUTCOME_LABELS,
        SECTOR_LABELS=SECTOR_LABELS,
        SECTOR_MISSING=SECTOR_MISSING,
        MODERATION_ACTION_LABELS=MODERATION_ACTION_LABELS,
        pitch_progress=pitch_progress,
        localized=localized,
    )
