"""The read-only JSON API (v1): only what an anonymous visitor may see."""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, abort, current_app, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import error_response
from ..extensions import db
from ..models import (
    Post,
    Project,
    Theme,
    Thread,
    User,
    count_threads,
    in_project,
    latest_threads,
    post_is_published,
    posts_in_thread,
    projects_in_order,
    themes_in_order,
    thread_is_listed,
    thread_with_context,
)
from ..pagination import paginate, requested_page
from ..questions.filters import ThreadFilters
from ..ratelimits import limit_anonymous_searches
from ..urls import thread_url

bp = Blueprint("api", __name__, url_prefix="/api/v1")

API_POSTS_PER_PAGE = 50


class BadFilter(Exception):
    pass


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _list_answer(items: list[dict[str, Any]], page: int, pages: int, total: int):
    return jsonify(items=items, page=page, pages=pages, total=total)


def theme_json(theme: Theme) -> dict[str, Any]:
    return {
        "slug": theme.slug,
        "name": theme.name,
        "name_en": theme.name_en,
        "description": theme.description,
        "description_en": theme.description_en,
        "thread_count": theme.thread_count,
    }


def project_json(project: Project) -> dict[str, Any]:
    return {
        "slug": project.slug,
        "name": project.name,
        "phase": project.phase,
        "themes": [theme.slug for theme in project.themes],
        "partners": list(project.partners or []),
        "goal": project.goal,
        "goal_en": project.goal_en,
        "summary": project.summary,
        "summary_en": project.summary_en,
        "thread_count": project.thread_count,
    }


def _author(user: User) -> str | None:
    """The author's username; None for a former member (their name is gone)."""
    return None if user.is_former_member else user.username


def thread_json(thread: Thread) -> dict[str, Any]:
    return {
        "id": thread.id,
        "title": thread.title,
        "kind": thread.kind,
        "theme": thread.theme.slug,
        "projects": [project.slug for project in thread.projects],
        "author": _author(thread.author),
        "created_at": _iso(thread.created_at),
        "last_post_at": _iso(thread.last_post_at),
        "post_count": thread.post_count,
        "url": thread_url(thread, _external=True),
        # Pitches: where the initiative stands and what it asks for.
        "stage": thread.stage if thread.is_pitch else None,
        "ask": thread.ask if thread.is_pitch else "",
        "ask_categories": list(thread.ask_categories or []) if thread.is_pitch else [],
        # Questions: whether (and by which post) they are answered.
        "answered": thread.is_question and thread.answered,
        "accepted_post_id": thread.accepted_post_id if thread.is_question else None,
        "closed": thread.closed,
        "outcome": thread.outcome,
        "summary": thread.summary or "",
        "duplicate_of": thread.duplicate_of_id,
        "mix": thread.mix,
    }


def post_json(post: Post) -> dict[str, Any]:
    return {
        "id": post.id,
        "number": post.number,
        "author": _author(post.author),
        "created_at": _iso(post.created_at),
        "edited_at": _iso(post.edited_at),
        "body_html": post.body_html,
        "supports": post.support_count,
    }


@bp.errorhandler(BadFilter)
def _bad_filter(error: BadFilter):
    return error_response(400, str(error))


@bp.get("/themes")
def themes():
    """All themes in their display order."""
    items = [theme_json(theme) for theme in db.session.scalars(themes_in_order())]
    return _list_answer(items, 1, 1, len(items))


@bp.get("/projects")
def projects():
    """All projects with their phase and themes."""
    items = [project_json(project) for project in db.session.scalars(projects_in_order())]
    return _list_answer(items, 1, 1, len(items))


def _filtered_threads():
    conditions = []
    if theme_slug := request.args.get("theme"):
        theme_id = db.session.scalar(select(Theme.id).where(Theme.slug == theme_slug))
        if theme_id is None:
            raise BadFilter(_("There is no theme %(slug)s.", slug=theme_slug))
        conditions.append(Thread.theme_id == theme_id)
    if project_slug := request.args.get("project"):
        project_id = db.session.scalar(select(Project.id).where(Project.slug == project_slug))
        if project_id is None:
            raise BadFilter(_("There is no project %(slug)s.", slug=project_slug))
        conditions.append(in_project(project_id))
    filters = ThreadFilters.from_args(request.args)
    if filters.errors:
        raise BadFilter(next(iter(filters.errors.values())))
    conditions += filters.conditions()
    query = latest_threads().where(*conditions)
    return query, db.session.scalar(count_threads(*conditions)) or 0


@bp.get("/threads")
def threads():
    """Threads, most recent activity first, filtered by ?theme=, ?project=, ?kind=,
    ?answered=true|false, ?stage= and ?no_official=true."""
    query, total = _filtered_threads()
    page = paginate(query, total, current_app.config["THREADS_PER_PAGE"])
    return _list_answer([thread_json(t) for t in page.items], page.number, page.pages, total)


@bp.get("/threads/<int:thread_id>")
def thread(thread_id: int):
    """One thread with a page of its posts (?page=, 50 posts a page)."""
    found = db.session.execute(
        thread_with_context(thread_id).where(thread_is_listed())
    ).unique().scalar_one_or_none()
    if found is None:
        abort(404)
    number = requested_page()
    pages = max(1, math.ceil(found.post_count / API_POSTS_PER_PAGE))
    if number > pages:
        abort(404)
    # Never what waits for review, nor hidden or deleted posts.
    posts = db.session.scalars(
        posts_in_thread(found.id, number, API_POSTS_PER_PAGE).where(post_is_published())
    )
    answer = thread_json(found)
    answer["posts"] = [post_json(post) for post in posts]
    answer["posts_page"] = number
    answer["posts_pages"] = pages
    return jsonify(answer)


@bp.get("/search")
@limit_anonymous_searches
def search():
    """Published posts matching ?q= (words, "phrases", -exclusions, key:value filters), with
    the filters ?theme=, ?project=, ?kind=, ?answered=true|false, ?stage=, ?author=, ?from=,
    ?to= (YYYY-MM-DD), ?sort=relevance|date and ?page= (20 a page); with facet counts."""
    from ..rendering import plain_text
    from ..search.query import read_request
    from ..search.services import search as run_search

    results = run_search(read_request(request.args), requested_page(), _external=True)
    if results.request.errors:
        raise BadFilter(" ".join(results.request.errors.values()))
    items = [
        {
            "post_id": hit.post_id,
            "number": hit.number,
            "thread_id": hit.thread_id,
            "title": hit.title,
            "kind": hit.kind,
            "theme": hit.theme_slug,
            "author": hit.author or None,
            "created_at": _iso(hit.created_at),
            "answered": hit.is_question and hit.answered,
            "stage": hit.stage if hit.is_pitch else None,
            "snippet": plain_text(str(hit.snippet)),
            "snippet_html": str(hit.snippet),
            "url": hit.url,
        }
        for hit in results.hits
    ]
    facets = {
        name: [{"value": choice.value, "label": choice.label, "count": choice.count}
               for choice in choices]
        for name, choices in results.facets.items()
    }  # fmt: skip
    return jsonify(
        items=items,
        results=items,
        facets=facets,
        page=results.number,
        pages=results.pages,
        total=results.total,
        total_capped=results.capped,
        notices=list(results.request.query.notices),
        message=_("Add a word to search for.") if results.request.needs_a_word else "",
    )
