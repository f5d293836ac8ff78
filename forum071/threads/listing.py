"""Thread lists as plain rows: what a list row shows, loaded and prepared in few steps.

The front, theme, project and profile pages each list twenty threads. Loading them as ORM
objects with their theme, author, last poster and projects, and then letting the template
call a dozen helpers per row, cost most of a page. Here one Core query fetches the columns a
row shows, one more the projects of the whole page, and a small presenter prepares the text
(links, labels, dates) in Python so that the template only prints it. A row's HTML depends on
its columns alone, so it is rendered once per worker and language (fragments.py) and the
presenter runs only for rows not seen before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select, text
from sqlalchemy.orm import aliased

from ..extensions import db
from ..i18n import current_language, format_timestamp, gettext, ngettext
from ..labels import KIND_LABELS, OUTCOME_LABELS, STAGE_LABELS
from ..models import (
    LISTED_THREAD,
    Project,
    Theme,
    Thread,
    User,
    member_name_column,
    thread_is_listed,
    thread_projects,
)
from ..urls import cached_url_for

_author = aliased(User, name="author")
_last_poster = aliased(User, name="last_poster")


@cache
def thread_rows_select() -> Select[Any]:
    """Listed threads with what a row shows, most recent activity first.

    Narrow it with .where() (the same conditions as the list's COUNT) and page it with
    pagination.paginate(..., load=load_thread_rows). Built once: a select() is immutable
    (.where() returns a new one), and building it costs more than running it.
    """
    return (
        select(
            Thread.id,
            Thread.slug,
            Thread.title,
            Thread.kind,
            Thread.stage,
            Thread.accepted_post_id,
            Thread.closed_at,
            Thread.outcome,
            Thread.post_count,
            Thread.last_post_at,
            Theme.slug.label("theme_slug"),
            Theme.name.label("theme_name"),
            Theme.name_en.label("theme_name_en"),
            member_name_column(_author).label("author_name"),
            member_name_column(_last_poster).label("last_poster_name"),
        )
        .join(Theme, Theme.id == Thread.theme_id)
        .join(_author, _author.id == Thread.author_id)
        .outerjoin(_last_poster, _last_poster.id == Thread.last_poster_id)
        .where(thread_is_listed())
        .order_by(Thread.last_post_at.desc(), Thread.id.desc())
    )


def thread_rows_in_project(project_id: int) -> Select[Any]:
    """A project's listed threads as rows, in activity order along the link table's index
    (thread_projects.last_post_at, a copy kept by triggers)."""
    links = thread_projects.c
    return (
        thread_rows_select()
        .join(thread_projects, links.thread_id == Thread.id)
        .where(links.project_id == project_id)
        .order_by(None)
        .order_by(links.last_post_at.desc(), links.thread_id.desc())
    )


class Scope(StrEnum):
    """Which threads an unfiltered list shows: all, a theme's, a project's or an author's."""

    ALL = "all"
    THEME = "theme"
    PROJECT = "project"
    AUTHOR = "author"


# From this offset on, list pages are read with a deferred join (see below).
DEEP_OFFSET = 100


@cache
def unfiltered_page_statement(scope: Scope, deep: bool = False) -> Select[Any]:
    """One page of an unfiltered list, with the scope's id, limit and offset as bound
    parameters (scope_id, limit, offset); ``deep`` for offsets from DEEP_OFFSET on.

    Lists are the most requested pages. A statement object that is built once keeps its
    compiled form and cache key, where building it per request cost more than running it.
    """
    scope_id, limit, offset = bindparam("scope_id"), bindparam("limit"), bindparam("offset")
    if deep and scope in (Scope.ALL, Scope.THEME):
        # A deferred join: the page's ids come from a covering partial index (only listed
        # threads, in activity order), so skipping to page 50 walks index entries, not rows
        # joined to their theme and authors; then only the page's rows are joined.
        page_ids = (
            select(Thread.id)
            .where(text(LISTED_THREAD))
            .order_by(Thread.last_post_at.desc(), Thread.id.desc())
            .limit(limit)
            .offset(offset)
        )
        if scope is Scope.THEME:
            page_ids = page_ids.where(Thread.theme_id == scope_id)
        return thread_rows_select().where(Thread.id.in_(page_ids))
    if scope is Scope.ALL:
        query = thread_rows_select()
    elif scope is Scope.THEME:
        query = thread_rows_select().where(Thread.theme_id == scope_id)
    elif scope is Scope.PROJECT:
        query = thread_rows_in_project(scope_id)
    else:  # newest first, along the (author_id, created_at) index
        query = (
            thread_rows_select()
            .where(Thread.author_id == scope_id)
            .order_by(None)
            .order_by(Thread.created_at.desc(), Thread.id.desc())
        )
    return query.limit(limit).offset(offset)


class ThreadRow:
    """One line of a thread list, ready to print (plain text; the template escapes it)."""

    __slots__ = (
        "author_line",
        "badges",
        "id",
        "kind",
        "kind_label",
        "last_activity_iso",
        "last_activity_text",
        "last_poster_line",
        "projects",
        "replies_text",
        "theme_name",
        "theme_url",
        "title",
        "url",
    )

    def __init__(self, **fields: Any) -> None:
        for name, value in fields.items():
            setattr(self, name, value)


def load_unfiltered_page(scope: Scope, offset: int, params: dict[str, Any]) -> list[ListedThread]:
    """A page of an unfiltered list (see paginate_bound), by its prepared statement."""
    return load_thread_rows(unfiltered_page_statement(scope, offset >= DEEP_OFFSET), params)


class ListedThread:
    """A thread list row as loaded: its columns and its projects' (address, name).

    The row's HTML depends on nothing else (and the language), so ``key`` names it in the
    fragment store and ``present()`` prepares the printable ThreadRow only for a row whose
    HTML is not remembered yet.
    """

    __slots__ = ("columns", "key", "projects")

    def __init__(self, columns: Any, projects: tuple[tuple[str, str], ...]) -> None:
        self.columns = columns
        self.projects = projects
        self.key = ("thread-row", tuple(columns), projects)

    def present(self) -> ThreadRow:
        row = self.columns
        by = gettext("by %(name)s")
        former = gettext("former member")
        english = current_language() == "en"
        return ThreadRow(
            id=row.id,
            title=row.title,
            url=cached_url_for("threads.show", thread_id=row.id, slug=row.slug or None),
            kind=row.kind,
            kind_label=str(KIND_LABELS.get(row.kind, row.kind)),
            badges=_badges(row, gettext("Answered"), gettext("Unanswered")),
            theme_url=cached_url_for("themes.show", slug=row.theme_slug),
            theme_name=(row.theme_name_en if english and row.theme_name_en else row.theme_name),
            projects=self.projects,
            author_line=by % {"name": row.author_name or former},
            replies_text=ngettext("%(num)d reply", "%(num)d replies", max(row.post_count - 1, 0)),
            last_activity_iso=row.last_post_at.isoformat(),
            last_activity_text=format_timestamp(row.last_post_at),
            # None: nobody replied yet; "": a former member (member_name_column).
            last_poster_line=(
                by % {"name": row.last_poster_name or former}
                if row.last_poster_name is not None
                else ""
            ),
        )


def load_thread_rows(
    query: Select[Any], params: dict[str, Any] | None = None
) -> list[ListedThread]:
    """Run a (limited) thread_rows_select() with its rows' projects: two queries in all."""
    # Through the connection: plain rows need none of the ORM's result handling.
    rows = db.session.connection().execute(query, params or {}).all()
    projects = _projects_of([row.id for row in rows])
    return [ListedThread(row, projects.get(row.id, ())) for row in rows]


def _badges(row: Any, answered: str, unanswered: str) -> list[tuple[str, str]]:
    """(CSS modifier, label) pairs for where a thread stands, as the thread page shows it."""
    badges = []
    closed = row.closed_at is not None
    if row.kind == "question":
        if row.accepted_post_id is not None:
            badges.append(("answered", answered))
        elif not closed:
            badges.append(("unanswered", unanswered))
    elif row.kind == "pitch" and row.stage and not closed:
        badges.append((f"stage badge--{row.stage}", str(STAGE_LABELS.get(row.stage, row.stage))))
    if closed:
        outcome = str(OUTCOME_LABELS.get(row.outcome, row.outcome))
        badges.append(("closed", gettext("Closed: %(outcome)s", outcome=outcome)))
    return badges


def _projects_of(thread_ids: Sequence[int]) -> dict[int, tuple[tuple[str, str], ...]]:
    """(address, name) of each thread's projects, in the projects' order: one query."""
    if not thread_ids:
        return {}
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    urls: dict[str, str] = {}
    rows = db.session.connection().execute(_projects_select(), {"thread_ids": list(thread_ids)})
    for thread_id, slug, name in rows:
        url = urls.get(slug) or urls.setdefault(slug, cached_url_for("projects.show", slug=slug))
        found[thread_id].append((url, name))
    return {thread_id: tuple(links) for thread_id, links in found.items()}


@cache
def _projects_select() -> Select[Any]:
    links, projects = thread_projects, Project.__table__
    return (
        select(links.c.thread_id, projects.c.slug, projects.c.name)
        .join(projects, projects.c.id == links.c.project_id)
        .where(links.c.thread_id.in_(bindparam("thread_ids", expanding=True)))
        .order_by(projects.c.position, projects.c.id)
    )
