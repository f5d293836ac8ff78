"""Human names for the forum's fixed values, in the visitor's language."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from .models import ProjectPhase, Role, ThreadKind

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


def localized(item: Any, field: str) -> str:
    """The English variant of a seeded text for English readers when it exists, else Dutch."""
    locale = get_locale()
    if locale is not None and locale.language == "en":
        english = getattr(item, f"{field}_en", "")
        if english:
            return english
    return getattr(item, field)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        ROLE_LABELS=ROLE_LABELS,
        KIND_LABELS=KIND_LABELS,
        PHASE_LABELS=PHASE_LABELS,
        localized=localized,
    )
