"""The list filters (?kind=, ?answered=, ?stage=, ?no_official=), read once for pages and API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Select
from werkzeug.datastructures import MultiDict

from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..models import (
    PitchStage,
    Theme,
    ThreadKind,
    count_threads,
    thread_filter_conditions,
)
from ..moderation.thread_services import pinned_threads
from ..pagination import Page, paginate
from ..threads.listing import load_thread_rows, thread_rows_select

KINDS = tuple(kind.value for kind in ThreadKind)
STAGES = tuple(stage.value for stage in PitchStage)
TRUE, FALSE = "true", "false"

KIND_ERROR = _l("kind must be discussion, pitch or question.")
ANSWERED_ERROR = _l("answered must be true or false.")
STAGE_ERROR = _l("stage must be one of %(stages)s.")
NO_OFFICIAL_ERROR = _l("no_official must be true or false.")


@dataclass(frozen=True)
class ThreadFilters:
    """What a visitor narrowed a thread list to; errors name the values that made no sense."""

    kind: str | None = None
    answered: bool | None = None
    stage: str | None = None
    no_official: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args: MultiDict[str, str]) -> ThreadFilters:
        """Read the filters from a query string; an empty value means "any"."""
        errors: dict[str, str] = {}
        kind = args.get("kind") or None
        if kind is not None and kind not in KINDS:
            errors["kind"], kind = str(KIND_ERROR), None
        answered, valid = _boolean(args.get("answered"))
        if not valid:
            errors["answered"] = str(ANSWERED_ERROR)
        stage = args.get("stage") or None
        if stage is not None and stage not in STAGES:
            errors["stage"] = str(STAGE_ERROR % {"stages": ", ".join(STAGES)})
            stage = None
        no_official, valid = _boolean(args.get("no_official"))
        if not valid:
            errors["no_official"] = str(NO_OFFICIAL_ERROR)
        return cls(kind, answered, stage, bool(no_official), errors)

    @property
    def active(self) -> bool:
        return bool(self.kind or self.answered is not None or self.stage or self.no_official)

    def conditions(self) -> list[ColumnElement[bool]]:
        return thread_filter_conditions(
            kind=self.kind, answered=self.answered, stage=self.stage, no_official=self.no_official
        )


def _boolean(raw: str | None) -> tuple[bool | None, bool]:
    """("true" -> True, "false" -> False, "" -> None) and whether the value was one of those."""
    if not raw:
        return None, True
    if raw in (TRUE, FALSE):
        return raw == TRUE, True
    return None, False


def filtered_thread_page(
    filters: ThreadFilters,
    scope: list[ColumnElement[bool]],
    unfiltered_total: int,
    *,
    rows: Select[Any] | None = None,
) -> Page:
    """A page of the latest threads within ``scope`` (a theme, a project, or all), filtered.

    Without filters the list's total is the denormalised counter the caller has; with them
    it is one COUNT over the same conditions as the list. ``rows`` is the list's own select
    when the scope has a better way to read it in order (a project's link table); ``scope``
    then only narrows the COUNT.
    """
    conditions = [*scope, *filters.conditions()]
    total = db.session.scalar(count_threads(*conditions)) if filters.active else unfiltered_total
    listed = (
        rows.where(*filters.conditions())
        if rows is not None
        else thread_rows_select().where(*conditions)
    )
    return paginate(
        listed, total or 0, current_app.config["THREADS_PER_PAGE"], load=load_thread_rows
    )


def pinned_above(filters: ThreadFilters, page: Page, theme: Theme | None = None) -> list[Any]:
    """The pinned threads (id, slug, title) shown above a list: of the theme, or (no theme)
    of the front page; only above the first page of the unfiltered list, since a filtered
    list answers a search."""
    if filters.active or page.number != 1:
        return []
    return list(db.session.connection().execute(pinned_threads(theme)))
