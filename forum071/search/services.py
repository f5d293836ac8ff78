"""Search over posts: the SQL per database, in a fixed number of queries.

A search page costs three queries whatever it finds: the themes and projects (small tables:
they check the filter slugs and name the facets), the total with every facet count (over at
most CANDIDATE_LIMIT matching posts), and the page of results with their snippets. The index
itself is kept up by database triggers (migration 0004), never here.

Only published posts of published threads are ever found, for everyone: search shows what an
anonymous visitor may read, so staff see the same results as members.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import abort, current_app, url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import (
    Boolean,
    ColumnElement,
    FromClause,
    Integer,
    Select,
    String,
    case,
    cast,
    column,
    func,
    literal,
    literal_column,
    not_,
    select,
    table,
    union_all,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.selectable import Join

from ..extensions import db
from ..models import (
    ContentState,
    Post,
    Project,
    Theme,
    Thread,
    ThreadKind,
    User,
    thread_filter_conditions,
    thread_projects,
    utcnow,
)
from ..rendering import SNIPPET_END, SNIPPET_START, highlighted_snippet
from .query import SearchRequest, fts5_any, fts5_match

PER_PAGE = 20
# Facet counts and the total look at this many matching posts at most ("5,000+").
CANDIDATE_LIMIT = 5_000
TOP_AUTHORS = 10
# Relevance is divided by (1 + age in days / RECENCY_DAYS): a half-year-old post needs twice
# the textual relevance of today's to rank level with it.
RECENCY_DAYS = 180.0
TITLE_WEIGHT, BODY_WEIGHT = 10.0, 1.0
SNIPPET_TOKENS = 16
PLAIN_SNIPPET_LENGTH = 240
PERIODS = (("week", 7), ("month", 31), ("year", 366))

NO_THEME = _l("There is no theme %(slug)s.")
NO_PROJECT = _l("There is no project %(slug)s.")

# The SQLite FTS5 table (rowid = posts.id) and PostgreSQL's tsvector column; neither is mapped,
# so the ORM never loads them.
post_search = table("post_search", column("rowid", Integer), column("title"), column("body"))
_FTS_TABLE = literal_column("post_search")
_SEARCH_VECTOR = literal_column("posts.search_vector", type_=TSVECTOR)


def _matches(tsquery: ColumnElement[Any]) -> ColumnElement[bool]:
    return _SEARCH_VECTOR.op("@@", return_type=Boolean)(tsquery)
_DUTCH = literal_column("'forum071_dutch'::regconfig")
_SIMPLE = literal_column("'forum071_simple'::regconfig")


class _CrossJoin(Join):
    """An inner join written ``CROSS JOIN``: SQLite then keeps the left side as the outer loop.

    Without it SQLite's planner may start from an index on posts or threads (state, kind,
    author) and run the full-text match once per row: 0.9 s instead of 2 ms at 50,000 posts.
    The full-text match must drive the join.
    """

    inherit_cache = True


@compiles(_CrossJoin)
def _compile_plain_join(join: _CrossJoin, compiler: Any, **kw: Any) -> str:
    return compiler.visit_join(join, **kw)


@compiles(_CrossJoin, "sqlite")
def _compile_cross_join(join: _CrossJoin, compiler: Any, **kw: Any) -> str:
    kw.pop("asfrom", None)
    from_linter = kw.get("from_linter")
    if from_linter is not None:
        from_linter.edges.update(
            (left, right) for left in join.left._from_objects for right in join.right._from_objects
        )
    return (
        join.left._compiler_dispatch(compiler, asfrom=True, **kw)
        + " CROSS JOIN "
        + join.right._compiler_dispatch(compiler, asfrom=True, **kw)
        + " ON "
        + join.onclause._compiler_dispatch(compiler, **kw)
    )


@dataclass(frozen=True)
class FacetChoice:
    value: str
    label: str
    count: int


@dataclass(frozen=True)
class SearchHit:
    post_id: int
    number: int | None
    created_at: datetime
    thread_id: int
    title: str
    kind: str
    stage: str | None
    answered: bool
    theme_slug: str
    theme_name: str
    theme_name_en: str
    author: str
    snippet: Markup
    url: str

    @property
    def is_question(self) -> bool:
        return self.kind == ThreadKind.QUESTION.value

    @property
    def is_pitch(self) -> bool:
        return self.kind == ThreadKind.PITCH.value


@dataclass
class SearchResults:
    request: SearchRequest
    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0
    capped: bool = False  # more than CANDIDATE_LIMIT posts match; total is that limit
    number: int = 1
    per_page: int = PER_PAGE
    facets: dict[str, list[FacetChoice]] = field(default_factory=dict)
    # Rows (id, slug, name, name_en) of every theme and project, by slug.
    themes: dict[str, Any] = field(default_factory=dict)
    projects: dict[str, Any] = field(default_factory=dict)
    searched: bool = False  # False when there was nothing to search for

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    def window(self, around: int = 2):
        """Page numbers to show around this one, as pagination.Page does (None is a gap)."""
        shown = {1, self.pages, *range(self.number - around, self.number + around + 1)}
        previous = 0
        for number in sorted(n for n in shown if 1 <= n <= self.pages):
            if number - previous > 1:
                yield None
            yield number
            previous = number


def _is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def _catalog() -> tuple[dict[str, Any], dict[str, Any], dict[int, Any], dict[int, Any]]:
    """Themes and projects in one query, by slug and by id (plain rows, not ORM objects)."""
    themes = select(
        literal("theme").label("facet"), Theme.id, Theme.slug, Theme.name, Theme.name_en,
        Theme.position,
    )  # fmt: skip
    projects = select(
        literal("project"), Project.id, Project.slug, Project.name, Project.name, Project.position
    )
    rows = db.session.execute(union_all(themes, projects)).all()
    ordered = sorted(rows, key=lambda row: (row[0], row[5], row[1]))
    themes_by_slug = {row[2]: row for row in ordered if row[0] == "theme"}
    projects_by_slug = {row[2]: row for row in ordered if row[0] == "project"}
    return (
        themes_by_slug,
        projects_by_slug,
        {row[1]: row for row in themes_by_slug.values()},
        {row[1]: row for row in projects_by_slug.values()},
    )


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _tsquery_for(term: str) -> ColumnElement[Any]:
    """A word or phrase in both configurations: Dutch stems, or the words as written."""
    return func.tsquery_or(
        func.phraseto_tsquery(_DUTCH, literal(term, String)),
        func.phraseto_tsquery(_SIMPLE, literal(term, String)),
    )


def _tsquery_any(terms: tuple[str, ...]) -> ColumnElement[Any]:
    query = _tsquery_for(terms[0])
    for term in terms[1:]:
        query = func.tsquery_or(query, _tsquery_for(term))
    return query


def _tsquery(request: SearchRequest) -> ColumnElement[Any]:
    clauses = [_tsquery_any(clause) for clause in request.query.clauses]
    query = clauses[0]
    for clause in clauses[1:]:
        query = func.tsquery_and(query, clause)
    if request.query.excluded:
        query = func.tsquery_and(query, func.tsquery_not(_tsquery_any(request.query.excluded)))
    return query


@dataclass(frozen=True)
class _Plan:
    """The FROM clause, WHERE conditions and ordering of one search, per database."""

    source: FromClause
    conditions: list[ColumnElement[bool]]
    relevance: ColumnElement[Any] | None  # lower is better
    snippet: ColumnElement[Any] | None
    fixed_order: bool = False  # join with CROSS JOIN (SQLite full-text search)

    def join(self, right: FromClause, onclause: ColumnElement[bool]) -> FromClause:
        if self.fixed_order:
            return _CrossJoin(self.source, right, onclause)
        return self.source.join(right, onclause)


def _plan(request: SearchRequest, theme_id: int | None, project_id: int | None) -> _Plan:
    conditions: list[ColumnElement[bool]] = [
        Post.state == ContentState.PUBLISHED.value,
        Thread.state == ContentState.PUBLISHED.value,
        *thread_filter_conditions(
            kind=request.kind, answered=request.answered, stage=request.stage
        ),
    ]
    if theme_id is not None:
        conditions.append(Thread.theme_id == theme_id)
    if project_id is not None:
        conditions.append(
            Thread.id.in_(
                select(thread_projects.c.thread_id).where(
                    thread_projects.c.project_id == project_id
                )
            )
        )
    if request.author:
        conditions.append(
            Post.author_id
            == select(User.id).where(User.username == request.author).scalar_subquery()
        )
    if request.date_from:
        conditions.append(Post.created_at >= _start_of(request.date_from))
    if request.date_to:
        conditions.append(Post.created_at < _start_of(request.date_to + timedelta(days=1)))

    sqlite = _is_sqlite()
    posts_and_threads = Post.__table__.join(Thread.__table__, Thread.id == Post.thread_id)
    if not request.query.has_terms:
        # Filters only: the newest matching posts, no full-text search (exclusions still apply).
        if request.query.excluded:
            if sqlite:
                conditions.append(
                    Post.id.not_in(
                        select(post_search.c.rowid).where(
                            _FTS_TABLE.match(fts5_any(request.query.excluded))
                        )
                    )
                )
            else:
                conditions.append(
                    not_(_matches(_tsquery_any(request.query.excluded)))
                )
        return _Plan(posts_and_threads, conditions, None, None)

    if sqlite:
        source = _CrossJoin(
            _CrossJoin(post_search, Post.__table__, Post.id == post_search.c.rowid),
            Thread.__table__,
            Thread.id == Post.thread_id,
        )
        conditions.append(_FTS_TABLE.match(fts5_match(request.query)))
        age_days = func.julianday("now") - func.julianday(Post.created_at)
        # bm25 is negative, more negative for a better match; age makes it less negative.
        relevance = func.bm25(_FTS_TABLE, TITLE_WEIGHT, BODY_WEIGHT) / (
            1.0 + age_days / RECENCY_DAYS
        )
        snippet = func.snippet(
            _FTS_TABLE, 1, SNIPPET_START, SNIPPET_END, "…", SNIPPET_TOKENS
        )
        return _Plan(source, conditions, relevance, snippet, fixed_order=True)

    query = _tsquery(request)
    conditions.append(_matches(query))
    age_days = func.extract("epoch", func.now() - Post.created_at) / 86400.0
    # ts_rank_cd weighs the title (A) above the body (B); negated so that lower is better.
    relevance = -func.ts_rank_cd(_SEARCH_VECTOR, query) / (1.0 + age_days / RECENCY_DAYS)
    snippet = func.ts_headline(
        _DUTCH,
        Post.body,
        query,
        f"StartSel={SNIPPET_START}, StopSel={SNIPPET_END}, MaxWords=30, MinWords=12, "
        "ShortWord=2, MaxFragments=2, FragmentDelimiter=\" … \"",
    )
    return _Plan(posts_and_threads, conditions, relevance, snippet)


def _facet_query(plan: _Plan) -> Select[Any]:
    """The total and every facet's counts in one statement, over at most CANDIDATE_LIMIT + 1
    matching posts."""
    matched = (
        select(
            Post.id.label("post_id"),
            Post.author_id.label("author_id"),
            Post.created_at.label("created_at"),
            Thread.id.label("thread_id"),
            Thread.kind.label("kind"),
            Thread.theme_id.label("theme_id"),
            Thread.accepted_post_id.label("accepted_post_id"),
            Thread.stage.label("stage"),
        )
        .select_from(plan.source)
        .where(*plan.conditions)
        .limit(CANDIDATE_LIMIT + 1)
        .cte("matched")
    )

    def counts(facet: str, value: ColumnElement[Any], *where: ColumnElement[bool],
               source: FromClause = matched) -> Select[Any]:  # fmt: skip
        return (
            select(
                literal(facet, String).label("facet"),
                cast(value, String).label("value"),
                func.count().label("n"),
            )
            .select_from(source)
            .where(*where)
            .group_by(value)
        )

    answered = case((matched.c.accepted_post_id.is_(None), "false"), else_="true")
    top_authors = (
        select(matched.c.author_id, func.count().label("n"))
        .group_by(matched.c.author_id)
        .order_by(func.count().desc(), matched.c.author_id)
        .limit(TOP_AUTHORS)
        .subquery("top_authors")
    )
    parts = [
        select(literal("total", String), literal("", String), func.count()).select_from(matched),
        counts("kind", matched.c.kind),
        counts("theme", matched.c.theme_id),
        counts("answered", answered, matched.c.kind == ThreadKind.QUESTION.value),
        counts("stage", matched.c.stage, matched.c.kind == ThreadKind.PITCH.value),
        counts(
            "project",
            thread_projects.c.project_id,
            source=_CrossJoin(
                matched, thread_projects, thread_projects.c.thread_id == matched.c.thread_id
            ),
        ),
        select(literal("author", String), User.username, top_authors.c.n).select_from(
            top_authors.join(User, User.id == top_authors.c.author_id)
        ),
        *(
            select(literal("period", String), literal(name, String), func.count())
            .select_from(matched)
            .where(matched.c.created_at >= _start_of(period_start(name)))
            for name, _days in PERIODS
        ),
    ]
    return union_all(*parts)


def _results_query(plan: _Plan, request: SearchRequest, number: int) -> Select[Any]:
    if plan.snippet is not None:
        snippet = plan.snippet
    else:
        snippet = func.substr(Post.body, 1, PLAIN_SNIPPET_LENGTH)
    query = (
        select(
            Post.id,
            Post.number,
            Post.created_at,
            Thread.id.label("thread_id"),
            Thread.title,
            Thread.slug,
            Thread.kind,
            Thread.stage,
            Thread.accepted_post_id,
            Theme.slug.label("theme_slug"),
            Theme.name.label("theme_name"),
            Theme.name_en.label("theme_name_en"),
            User.username,
            snippet.label("snippet"),
        )
        .select_from(
            replace(plan, source=plan.join(Theme.__table__, Theme.id == Thread.theme_id)).join(
                User.__table__, User.id == Post.author_id
            )
        )
        .where(*plan.conditions)
    )
    if plan.relevance is not None and request.sort == "relevance":
        query = query.order_by(plan.relevance, Post.created_at.desc(), Post.id.desc())
    else:
        query = query.order_by(Post.created_at.desc(), Post.id.desc())
    return query.limit(PER_PAGE).offset((number - 1) * PER_PAGE)


def post_link(thread_id: int, slug: str, number: int | None, **values: Any) -> str:
    """The thread page that shows post ``number``, anchored at it (as threads.post_url)."""
    if number is None:
        return url_for("threads.show", thread_id=thread_id, slug=slug or None, **values)
    page = math.ceil(number / current_app.config["POSTS_PER_PAGE"])
    return url_for(
        "threads.show",
        thread_id=thread_id,
        slug=slug or None,
        page=page if page > 1 else None,
        _anchor=f"post-{number}",
        **values,
    )


def _plain_snippet(body: str) -> str:
    if len(body) < PLAIN_SNIPPET_LENGTH:
        return body
    return body.rpartition(" ")[0] + " …"


def _hit(row: Any, highlighted: bool, **url_values: Any) -> SearchHit:
    text = row.snippet or ""
    return SearchHit(
        post_id=row.id,
        number=row.number,
        created_at=row.created_at,
        thread_id=row.thread_id,
        title=row.title,
        kind=row.kind,
        stage=row.stage,
        answered=row.accepted_post_id is not None,
        theme_slug=row.theme_slug,
        theme_name=row.theme_name,
        theme_name_en=row.theme_name_en,
        author=row.username,
        snippet=highlighted_snippet(text if highlighted else _plain_snippet(text)),
        url=post_link(row.thread_id, row.slug, row.number, **url_values),
    )


def search(request: SearchRequest, number: int = 1, **url_values: Any) -> SearchResults:
    """Run a search: at most three queries. A page beyond the last is a 404.

    Unknown theme or project slugs come back in ``results.request.errors`` (the search then
    runs without that filter). ``url_values`` go to url_for for the hits' links (_external).
    """
    themes, projects, themes_by_id, projects_by_id = _catalog()
    results = SearchResults(request=request, number=number)
    theme_id = project_id = None
    if request.theme:
        if request.theme in themes:
            theme_id = themes[request.theme].id
        else:
            request = request.with_error("theme", str(NO_THEME % {"slug": request.theme}))
    if request.project:
        if request.project in projects:
            project_id = projects[request.project].id
        else:
            request = request.with_error("project", str(NO_PROJECT % {"slug": request.project}))
    results.request = request
    results.themes, results.projects = themes, projects
    if request.is_empty or request.needs_a_word:
        if number > 1:
            abort(404)
        return results

    results.searched = True
    plan = _plan(request, theme_id, project_id)
    facets: dict[str, list[FacetChoice]] = {
        "kind": [], "theme": [], "project": [], "answered": [], "stage": [], "author": [],
        "period": [],
    }  # fmt: skip
    for facet, value, count in db.session.execute(_facet_query(plan)):
        if facet == "total":
            results.total = min(count, CANDIDATE_LIMIT)
            results.capped = count > CANDIDATE_LIMIT
            continue
        if not count or value is None:
            continue
        if facet == "theme":
            theme = themes_by_id.get(int(value))
            if theme is not None:
                facets[facet].append(FacetChoice(theme.slug, theme.name, count))
        elif facet == "project":
            project = projects_by_id.get(int(value))
            if project is not None:
                facets[facet].append(FacetChoice(project.slug, project.name, count))
        else:
            facets[facet].append(FacetChoice(value, value, count))
    for facet in ("kind", "theme", "project", "answered", "stage", "author"):
        facets[facet].sort(key=lambda choice: (-choice.count, choice.label.lower()))
    facets["period"].sort(key=lambda choice: [name for name, _ in PERIODS].index(choice.value))
    results.facets = facets

    if number > results.pages:
        abort(404)
    if results.total:
        rows = db.session.execute(_results_query(plan, request, number)).all()
        results.hits = [_hit(row, plan.snippet is not None, **url_values) for row in rows]
    return results


def period_start(name: str) -> date:
    """The first day of a period facet choice (week, month, year), for its ?from= link."""
    days = dict(PERIODS)[name]
    return (utcnow() - timedelta(days=days)).date()
