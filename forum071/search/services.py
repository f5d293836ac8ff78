"""Search over posts: the SQL per database, in a fixed number of queries.

A search page costs three queries whatever it finds: the themes and projects (small tables:
they check the filter slugs and name the facets), the total with every facet count (over at
most SEARCH_CANDIDATE_LIMIT matching posts), and the page of results with their snippets. The
index itself is kept up by database triggers (migration 0004), never here.

Only published posts of published threads are ever found, for everyone: search shows what an
anonymous visitor may read, so staff see the same results as members.

The statements are built once per *shape* (which filters are present, the sort, and on
PostgreSQL how many words and alternatives) with bound parameters for every value, and kept:
building SQLAlchemy expressions for the facet query cost more than running it. They run as
plain Core selects on the session's connection (no ORM result handling).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from flask import abort, current_app, url_for
from markupsafe import Markup
from sqlalchemy import (
    Boolean,
    ColumnElement,
    FromClause,
    Integer,
    Select,
    String,
    bindparam,
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
from ..i18n import lazy_gettext as _l
from ..models import (
    ContentState,
    Post,
    Project,
    Theme,
    Thread,
    ThreadKind,
    User,
    member_name_column,
    thread_projects,
    utcnow,
)
from ..pagination import PageNumbers
from ..rendering import SNIPPET_END, SNIPPET_START, highlighted_snippet
from ..urls import cached_url_for
from .query import SearchRequest, fts5_any, fts5_match
from .snippets import SNIPPET_SOURCE_LENGTH, mark_matches

PER_PAGE = 20
# Facet counts and the total look at this many of the newest matching posts at most
# ("more than 5,000"), and relevance ranks only those; the app's SEARCH_CANDIDATE_LIMIT wins.
CANDIDATE_LIMIT = 5_000
TOP_AUTHORS = 10
# Relevance is divided by (1 + age in days / RECENCY_DAYS): a half-year-old post needs twice
# the textual relevance of today's to rank level with it.
RECENCY_DAYS = 180.0
TITLE_WEIGHT, BODY_WEIGHT = 10.0, 1.0
PLAIN_SNIPPET_LENGTH = 240
# Who marks the matches in a hit's snippet: the database (ts_headline), this module (on SQLite,
# snippets.mark_matches) or nobody (a search by filters only).
MARKED_BY_DATABASE, MARKED_HERE, UNMARKED = "database", "here", "unmarked"
PERIODS = (("week", 7), ("month", 31), ("year", 366))
_PERIOD_ORDER = {name: index for index, (name, _days) in enumerate(PERIODS)}

NO_THEME = _l("There is no theme %(slug)s.")
NO_PROJECT = _l("There is no project %(slug)s.")

# The SQLite FTS5 table (rowid = posts.id) and PostgreSQL's tsvector column; neither is mapped,
# so the ORM never loads them.
post_search = table("post_search", column("rowid", Integer), column("title"), column("body"))
_FTS_TABLE = literal_column("post_search")
_SEARCH_VECTOR = literal_column("posts.search_vector", type_=TSVECTOR)
_DUTCH = literal_column("'forum071_dutch'::regconfig")
_SIMPLE = literal_column("'forum071_simple'::regconfig")
_PUBLISHED = ContentState.PUBLISHED.value
_QUESTION = ThreadKind.QUESTION.value
_PITCH = ThreadKind.PITCH.value


def _matches(tsquery: ColumnElement[Any]) -> ColumnElement[bool]:
    return _SEARCH_VECTOR.op("@@", return_type=Boolean)(tsquery)


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


@dataclass(slots=True)
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
        return self.kind == _QUESTION

    @property
    def is_pitch(self) -> bool:
        return self.kind == _PITCH


@dataclass
class SearchResults(PageNumbers):
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



def _is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def _candidate_limit() -> int:
    return int(current_app.config.get("SEARCH_CANDIDATE_LIMIT", CANDIDATE_LIMIT))


@lru_cache(maxsize=1)
def _catalog_query() -> Select[Any]:
    themes = select(
        literal("theme").label("facet"), Theme.id, Theme.slug, Theme.name, Theme.name_en,
        Theme.position,
    )  # fmt: skip
    projects = select(
        literal("project"), Project.id, Project.slug, Project.name, Project.name, Project.position
    )
    return union_all(themes, projects)


def _catalog() -> tuple[dict[str, Any], dict[str, Any], dict[int, Any], dict[int, Any]]:
    """Themes and projects in one query, by slug and by id (plain rows, not ORM objects)."""
    rows = db.session.connection().execute(_catalog_query()).all()
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


# The shape of a search ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Shape:
    """What decides a search's SQL, apart from the values (all bound parameters)."""

    sqlite: bool
    # Alternatives per clause on PostgreSQL (each word a parameter of its own); on SQLite the
    # whole MATCH expression is one parameter, so only (1,) for "words" or () for none.
    clauses: tuple[int, ...]
    excluded: int  # how many left-out words (SQLite: 0 or 1)
    kind: bool
    answered: bool | None
    stage: bool
    theme: bool
    project: bool
    author: bool
    date_from: bool
    date_to: bool
    by_relevance: bool  # words and sort=relevance
    candidate_limit: int


def _shape_and_parameters(
    request: SearchRequest, theme_id: int | None, project_id: int | None
) -> tuple[_Shape, dict[str, Any]]:
    sqlite = _is_sqlite()
    query = request.query
    parameters: dict[str, Any] = {}
    if sqlite:
        clauses: tuple[int, ...] = (1,) if query.clauses else ()
        excluded = 1 if query.excluded else 0
        if query.clauses:
            parameters["match"] = fts5_match(query)
        elif query.excluded:
            parameters["left_out"] = fts5_any(query.excluded)
    else:
        clauses = tuple(len(clause) for clause in query.clauses)
        excluded = len(query.excluded)
        for number, clause in enumerate(query.clauses):
            for alternative, term in enumerate(clause):
                parameters[f"term_{number}_{alternative}"] = term
        for number, term in enumerate(query.excluded):
            parameters[f"left_out_{number}"] = term
    if request.kind:
        parameters["kind"] = request.kind
    if request.stage:
        parameters["stage"] = request.stage
    if theme_id is not None:
        parameters["theme_id"] = theme_id
    if project_id is not None:
        parameters["project_id"] = project_id
    if request.author:
        parameters["author"] = request.author
    if request.date_from:
        parameters["date_from"] = _start_of(request.date_from)
    if request.date_to:
        parameters["date_to"] = _start_of(request.date_to + timedelta(days=1))
    shape = _Shape(
        sqlite=sqlite,
        clauses=clauses,
        excluded=excluded,
        kind=bool(request.kind),
        answered=request.answered,
        stage=bool(request.stage),
        theme=theme_id is not None,
        project=project_id is not None,
        author=bool(request.author),
        date_from=request.date_from is not None,
        date_to=request.date_to is not None,
        by_relevance=bool(query.clauses) and request.sort == "relevance",
        candidate_limit=_candidate_limit(),
    )
    return shape, parameters


def _datetime_parameter(name: str) -> Any:
    return bindparam(name, type_=Post.__table__.c.created_at.type)


def _tsquery_for(key: str) -> ColumnElement[Any]:
    """A word or phrase in both configurations: Dutch stems, or the words as written."""
    term = bindparam(key, type_=String)
    return func.tsquery_or(
        func.phraseto_tsquery(_DUTCH, term), func.phraseto_tsquery(_SIMPLE, term)
    )


def _tsquery_any(keys: list[str]) -> ColumnElement[Any]:
    query = _tsquery_for(keys[0])
    for key in keys[1:]:
        query = func.tsquery_or(query, _tsquery_for(key))
    return query


def _tsquery(shape: _Shape) -> ColumnElement[Any]:
    clauses = [
        _tsquery_any([f"term_{number}_{alternative}" for alternative in range(size)])
        for number, size in enumerate(shape.clauses)
    ]
    query = clauses[0]
    for clause in clauses[1:]:
        query = func.tsquery_and(query, clause)
    if shape.excluded:
        left_out = _tsquery_any([f"left_out_{number}" for number in range(shape.excluded)])
        query = func.tsquery_and(query, func.tsquery_not(left_out))
    return query


@dataclass(frozen=True)
class _Plan:
    """The FROM clause, WHERE conditions and ordering of one search shape, per database."""

    source: FromClause
    conditions: list[ColumnElement[bool]]
    relevance: ColumnElement[Any] | None  # lower is better
    # The snippet's text: a bounded start of the body (snippets.SNIPPET_SOURCE_LENGTH), marked
    # as ``marks`` says.
    snippet: ColumnElement[Any]
    marks: str
    # The order in which candidates are taken: newest first with words; without words (filters
    # only) whichever order the database finds them in, as ordering them cost twice the time.
    newest_first: ColumnElement[Any] | None
    fixed_order: bool = False  # join with CROSS JOIN (SQLite full-text search)

    def join(self, left: FromClause, right: FromClause, onclause: ColumnElement[bool]) -> Join:
        if self.fixed_order:
            return _CrossJoin(left, right, onclause)
        return left.join(right, onclause)


def _plan(shape: _Shape) -> _Plan:
    posts, threads = Post.__table__.c, Thread.__table__.c
    conditions: list[ColumnElement[bool]] = [
        posts.state == _PUBLISHED,
        threads.state == _PUBLISHED,
    ]
    # As models.thread_filter_conditions: answered and stage imply their kind.
    if shape.kind:
        conditions.append(threads.kind == bindparam("kind", type_=String))
    if shape.answered is not None:
        conditions.append(threads.kind == _QUESTION)
        accepted = threads.accepted_post_id
        conditions.append(accepted.is_not(None) if shape.answered else accepted.is_(None))
    if shape.stage:
        conditions.append(threads.kind == _PITCH)
        conditions.append(threads.stage == bindparam("stage", type_=String))
    if shape.theme:
        conditions.append(threads.theme_id == bindparam("theme_id", type_=Integer))
    if shape.project:
        conditions.append(
            threads.id.in_(
                select(thread_projects.c.thread_id).where(
                    thread_projects.c.project_id == bindparam("project_id", type_=Integer)
                )
            )
        )
    if shape.author:
        author = bindparam("author", type_=String)
        users = User.__table__.c
        # Not a former member's placeholder name: their posts are not to be gathered by it.
        conditions.append(
            posts.author_id
            == select(users.id).where(users.username == author, users.deleted_at.is_(None))
            .scalar_subquery()
        )  # fmt: skip
    if shape.date_from:
        conditions.append(posts.created_at >= _datetime_parameter("date_from"))
    if shape.date_to:
        conditions.append(posts.created_at < _datetime_parameter("date_to"))

    posts_and_threads = Post.__table__.join(Thread.__table__, threads.id == posts.thread_id)
    if not shape.clauses:
        # Filters only: the newest matching posts, no full-text search (exclusions still apply).
        if shape.excluded:
            if shape.sqlite:
                left_out = bindparam("left_out", type_=String)
                conditions.append(
                    posts.id.not_in(
                        select(post_search.c.rowid).where(_FTS_TABLE.match(left_out))
                    )
                )
            else:
                keys = [f"left_out_{number}" for number in range(shape.excluded)]
                conditions.append(not_(_matches(_tsquery_any(keys))))
        plain = func.substr(posts.body, 1, PLAIN_SNIPPET_LENGTH)
        return _Plan(posts_and_threads, conditions, None, plain, UNMARKED, None)

    if shape.sqlite:
        source = _CrossJoin(
            _CrossJoin(post_search, Post.__table__, posts.id == post_search.c.rowid),
            Thread.__table__,
            threads.id == posts.thread_id,
        )
        conditions.append(_FTS_TABLE.match(bindparam("match", type_=String)))
        age_days = func.julianday("now") - func.julianday(posts.created_at)
        # bm25 is negative, more negative for a better match; age makes it less negative.
        relevance = func.bm25(_FTS_TABLE, TITLE_WEIGHT, BODY_WEIGHT) / (
            1.0 + age_days / RECENCY_DAYS
        )
        # Not FTS5's snippet(): it is quadratic in a post's matches (see snippets.py). One
        # character more than the bound tells whether the last word was cut.
        snippet = func.substr(posts.body, 1, SNIPPET_SOURCE_LENGTH + 1)
        # FTS5 walks its index backwards by rowid (= posts.id) for this order, and stops early.
        return _Plan(
            source, conditions, relevance, snippet, MARKED_HERE, post_search.c.rowid.desc(),
            fixed_order=True,
        )  # fmt: skip

    query = _tsquery(shape)
    conditions.append(_matches(query))
    age_days = func.extract("epoch", func.now() - posts.created_at) / 86400.0
    # ts_rank_cd weighs the title (A) above the body (B); negated so that lower is better.
    relevance = -func.ts_rank_cd(_SEARCH_VECTOR, query) / (1.0 + age_days / RECENCY_DAYS)
    # ts_headline parses all of the document it gets: only the start of a long post.
    snippet = func.ts_headline(
        _DUTCH,
        func.substr(posts.body, 1, SNIPPET_SOURCE_LENGTH),
        query,
        f"StartSel={SNIPPET_START}, StopSel={SNIPPET_END}, MaxWords=30, MinWords=12, "
        "ShortWord=2, MaxFragments=2, FragmentDelimiter=\" … \"",
    )
    return _Plan(
        posts_and_threads, conditions, relevance, snippet, MARKED_BY_DATABASE, posts.id.desc()
    )


def _facet_query(plan: _Plan, shape: _Shape) -> Select[Any]:
    """The total and every facet's counts in one statement; and the lowest post id among the
    candidates ("cutoff"), which bounds the results when more posts match.

    The candidates are the newest candidate_limit matching posts: ``matched`` takes one more
    to tell "more than candidate_limit match", and ``candidates`` leaves that one out, so that
    the facets count exactly the posts the results are taken from.
    """
    posts, threads = Post.__table__.c, Thread.__table__.c
    limit = shape.candidate_limit
    matched = (
        select(
            posts.id.label("post_id"),
            posts.author_id.label("author_id"),
            posts.created_at.label("created_at"),
            threads.id.label("thread_id"),
            threads.kind.label("kind"),
            threads.theme_id.label("theme_id"),
            threads.accepted_post_id.label("accepted_post_id"),
            threads.stage.label("stage"),
        )
        .select_from(plan.source)
        .where(*plan.conditions)
        .order_by(plan.newest_first if plan.newest_first is not None else None)
        .limit(limit + 1)
        .cte("matched")
    )
    # The oldest of matched when there is one too many (else nothing: 0).
    one_too_many = func.coalesce(
        select(func.min(matched.c.post_id))
        .where(select(func.count()).select_from(matched).scalar_subquery() > limit)
        .scalar_subquery(),
        0,
    )
    candidates = select(matched).where(matched.c.post_id > one_too_many).cte("candidates")

    def counts(facet: str, value: ColumnElement[Any], *where: ColumnElement[bool],
               source: FromClause = candidates) -> Select[Any]:  # fmt: skip
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

    answered = case((candidates.c.accepted_post_id.is_(None), "false"), else_="true")
    top_authors = (
        select(candidates.c.author_id, func.count().label("n"))
        .group_by(candidates.c.author_id)
        .order_by(func.count().desc(), candidates.c.author_id)
        .limit(TOP_AUTHORS)
        .subquery("top_authors")
    )
    users = User.__table__.c
    parts = [
        select(literal("total", String), literal("", String), func.count()).select_from(matched),
        counts("kind", candidates.c.kind),
        counts("theme", candidates.c.theme_id),
        counts("answered", answered, candidates.c.kind == _QUESTION),
        counts("stage", candidates.c.stage, candidates.c.kind == _PITCH),
        counts(
            "project",
            thread_projects.c.project_id,
            source=_CrossJoin(
                candidates, thread_projects, thread_projects.c.thread_id == candidates.c.thread_id
            ),
        ),
        select(literal("author", String), users.username, top_authors.c.n).select_from(
            top_authors.join(User.__table__, users.id == top_authors.c.author_id)
        ).where(users.deleted_at.is_(None)),  # a former member is no author to filter by
        *(
            select(literal("period", String), literal(name, String), func.count())
            .select_from(candidates)
            .where(candidates.c.created_at >= _datetime_parameter(f"since_{name}"))
            for name, _days in PERIODS
        ),
    ]
    if shape.clauses:
        parts.append(
            select(literal("cutoff", String), literal("", String), func.min(candidates.c.post_id))
        )
    return union_all(*parts)


def _results_query(plan: _Plan, shape: _Shape) -> Select[Any]:
    posts, threads, themes = Post.__table__.c, Thread.__table__.c, Theme.__table__.c
    conditions = list(plan.conditions)
    if shape.clauses:
        # Only the newest candidate_limit matches are ranked (or sorted by date): the posts the
        # facets counted, posts.id >= the facet query's cutoff (0 when fewer match). A word in
        # half of a million posts then ranks 5,000 posts, not 500,000, before taking a page:
        # FTS5 and PostgreSQL both apply the id range before computing bm25 / ts_rank_cd.
        newest = (post_search.c.rowid if shape.sqlite else posts.id) >= bindparam(
            "cutoff", type_=Integer
        )
        conditions.append(newest)
    if shape.by_relevance:
        order = [plan.relevance, posts.created_at.desc(), posts.id.desc()]
    else:
        order = [posts.created_at.desc(), posts.id.desc()]
    columns = (
        posts.id,
        posts.number,
        posts.created_at,
        threads.id.label("thread_id"),
        threads.title,
        threads.slug,
        threads.kind,
        threads.stage,
        threads.accepted_post_id,
        themes.slug.label("theme_slug"),
        themes.name.label("theme_name"),
        themes.name_en.label("theme_name_en"),
        member_name_column(User.__table__.c).label("username"),
        plan.snippet.label("snippet"),
    )
    page = bindparam("offset", type_=Integer)
    if shape.sqlite and shape.clauses:
        # SQLite works out every result column of every match before it sorts and takes the
        # page, and would carry each snippet's text through the sort. So the page's ids are
        # ranked first (with their relevance), and only those twenty rows are read; the
        # full-text match runs once (it is the costly part for a word in every post).
        score = plan.relevance if shape.by_relevance else literal(0.0)
        ranked = (
            select(posts.id.label("post_id"), score.label("score"))
            .select_from(plan.source)
            .where(*conditions)
            .order_by(*order)
            .limit(PER_PAGE)
            .offset(page)
            .subquery("ranked")
        )
        source = _CrossJoin(
            _CrossJoin(
                _CrossJoin(ranked, Post.__table__, posts.id == ranked.c.post_id),
                Thread.__table__,
                threads.id == posts.thread_id,
            ),
            Theme.__table__,
            themes.id == threads.theme_id,
        ).join(User.__table__, User.__table__.c.id == posts.author_id)
        return (
            select(*columns)
            .select_from(source)
            .order_by(ranked.c.score, posts.created_at.desc(), posts.id.desc())
        )
    source = plan.join(
        plan.join(plan.source, Theme.__table__, themes.id == threads.theme_id),
        User.__table__,
        User.__table__.c.id == posts.author_id,
    )
    return select(*columns).select_from(source).where(*conditions).order_by(*order).limit(
        PER_PAGE
    ).offset(page)


@lru_cache(maxsize=512)
def _statements(shape: _Shape) -> tuple[Select[Any], Select[Any], str]:
    """The facet and results statements of a shape, built once; and who marks the matches in
    the snippets."""
    plan = _plan(shape)
    return _facet_query(plan, shape), _results_query(plan, shape), plan.marks


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


def _snippet(text: str, marks: str, terms: tuple[str, ...]) -> Markup:
    if marks == MARKED_HERE:
        text = mark_matches(text, terms)
    elif marks == UNMARKED:
        text = _plain_snippet(text)
    return highlighted_snippet(text)


def _hits(
    rows: list[Any], marks: str, terms: tuple[str, ...], url_values: dict[str, Any]
) -> list[SearchHit]:
    """The page's hits, their links built with the memoised url_for (an external link is the
    site's address in front of the path, worked out once). ``terms`` are the words and phrases
    searched for, marked in the snippets where the database does not."""
    prefix = ""
    if url_values.pop("_external", False):
        path = url_for("search.index")
        prefix = url_for("search.index", _external=True)[: -len(path)]
    posts_per_page = current_app.config["POSTS_PER_PAGE"]
    hits = []
    for row in rows:
        (post_id, number, created_at, thread_id, title, slug, kind, stage, accepted_post_id,
         theme_slug, theme_name, theme_name_en, username, text) = row  # fmt: skip
        text = text or ""
        if number is None:
            url = cached_url_for(
                "threads.show", thread_id=thread_id, slug=slug or None, **url_values
            )
        else:
            page = -(-number // posts_per_page)
            url = cached_url_for(
                "threads.show",
                thread_id=thread_id,
                slug=slug or None,
                page=page if page > 1 else None,
                **url_values,
            ) + f"#post-{number}"
        hits.append(
            SearchHit(
                post_id,
                number,
                created_at,
                thread_id,
                title,
                kind,
                stage,
                accepted_post_id is not None,
                theme_slug,
                theme_name,
                theme_name_en,
                username,
                _snippet(text, marks, terms),
                prefix + url,
            )
        )
    return hits


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
    shape, parameters = _shape_and_parameters(request, theme_id, project_id)
    facet_query, results_query, marks = _statements(shape)
    today = utcnow().date()
    for name, days in PERIODS:
        parameters[f"since_{name}"] = _start_of(today - timedelta(days=days))
    limit = shape.candidate_limit
    facets: dict[str, list[FacetChoice]] = {
        "kind": [], "theme": [], "project": [], "answered": [], "stage": [], "author": [],
        "period": [],
    }  # fmt: skip
    connection = db.session.connection()
    cutoff = 0
    for facet, value, count in connection.execute(facet_query, parameters):
        if facet == "total":
            results.total = min(count, limit)
            results.capped = count > limit
            continue
        if facet == "cutoff":
            cutoff = count or 0
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
        if len(facets[facet]) > 1:
            facets[facet].sort(key=lambda choice: (-choice.count, choice.label.lower()))
    facets["period"].sort(key=lambda choice: _PERIOD_ORDER[choice.value])
    results.facets = facets

    if number > results.pages:
        abort(404)
    if results.total:
        parameters["offset"] = (number - 1) * PER_PAGE
        parameters["cutoff"] = cutoff if results.capped else 0
        rows = connection.execute(results_query, parameters).all()
        terms = tuple(term for clause in request.query.clauses for term in clause)
        results.hits = _hits(rows, marks, terms, url_values)
    return results


def period_start(name: str) -> date:
    """The first day of a period facet choice (week, month, year), for its ?from= link."""
    days = dict(PERIODS)[name]
    return (utcnow() - timedelta(days=days)).date()
