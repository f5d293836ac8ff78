"""The list filters (?kind=, ?answered=, ?stage=, ?no_official=), read once for pages and API."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement
from werkzeug.datastructures import MultiDict

from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..models import (
    PitchStage,
    Thread,
    ThreadKind,
    count_threads,
    in_project,
    thread_filter_conditions,
)
from ..moderation.thread_services import pinned_threads
from ..pagination import Page, paginate, paginate_bound
from ..threads.listing import (
    Scope,
    load_thread_rows,
    load_unfiltered_page,
    thread_rows_in_project,
    thread_rows_select,
)

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
    filters: ThreadFilters, scope: Scope, scope_id: int | None, unfiltered_total: int
) -> Page:
    """A page of the latest threads within a scope (all, a theme's, a project's), filtered.

    Without filters the list's total is the denormalised counter the caller has, and the page
    comes from a prepared statement; with them the total is one COUNT over the same
    conditions as the list.
    """
    per_page = current_app.config["THREADS_PER_PAGE"]
    if not filters.active:
        return paginate_bound(
            partial(load_unfiltered_page, scope),
            {"scope_id": scope_id},
            unfiltered_total or 0,
            per_page,
        )
    if scope is Scope.PROJECT:
        listed, counted = thread_rows_in_project(scope_id), [in_project(scope_id)]
    elif scope is Scope.THEME:
        listed = thread_rows_select().where(Thread.theme_id == scope_id)
        counted = [Thread.theme_id == scope_id]
    else:
        listed, counted = thread_rows_select(), []
    conditions = filters.conditions()
    total = db.session.scalar(count_threads(*counted, *conditions))
    return paginate(listed.where(*conditions), total or 0, per_page, load=load_thread_rows)


def pinned_above(filters: ThreadFilters, page: Page, theme_id: int | None = None) -> list[Any]:
    """The pinned threads (id, slug, title) shown above a list: of the theme, or (no theme)
    of the front page; only above the first page of the unfiltered list, since a filtered
    list answers a search."""
    if filters.active or page.number != 1:
        return []
    return pinned_threads(theme_id)
