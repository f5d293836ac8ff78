"""Atom feeds for newsreaders and partner websites.

List feeds (latest, theme, project) hold the 20 newest threads by creation, newest first:
an entry is the thread with its opening post as content, so a reply does not bring a thread
back to the top (readers would show it as changed with the same text). A thread feed holds
the thread's 20 newest published posts. Feeds show only what an anonymous visitor may see,
whoever asks, so they can be cached publicly.

Each feed costs a fixed number of queries (at most 3), however many entries it has.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..i18n import current_language
from ..labels import KIND_LABELS, localized, member_name
from ..models import (
    Post,
    Project,
    Theme,
    Thread,
    User,
    in_project,
    post_is_published,
    thread_is_listed,
    thread_with_context,
)
from ..moderation.thread_services import merged_into
from ..urls import post_url, site_origin, thread_url
from . import atom

bp = Blueprint("feeds", __name__)

FEED_SIZE = 20
# Readers poll; five minutes of staleness is fine for public content.
MAX_AGE_SECONDS = 300


@bp.get("/feeds/latest.atom")
def latest() -> Response:
    """The newest threads across all themes."""
    return _thread_list_feed(
        "latest",
        _("Latest threads on Forum071"),
        url_for("main.index", _external=True),
    )


@bp.get("/themes/<slug>/feed.atom")
def theme(slug: str) -> Response:
    """The newest threads under one theme."""
    found = db.first_or_404(select(Theme).where(Theme.slug == slug))
    return _thread_list_feed(
        f"theme-{found.id}",
        _("%(name)s: latest threads on Forum071", name=localized(found, "name")),
        url_for("themes.show", slug=found.slug, _external=True),
        Thread.theme_id == found.id,
    )


@bp.get("/projects/<slug>/feed.atom")
def project(slug: str) -> Response:
    """The newest threads linked to one project."""
    found = db.first_or_404(select(Project).where(Project.slug == slug))
    return _thread_list_feed(
        f"project-{found.id}",
        _("%(name)s: latest threads on Forum071", name=found.name),
        url_for("projects.show", slug=found.slug, _external=True),
        in_project(found.id),
    )


@bp.get("/threads/<int:thread_id>/feed.atom")
def thread(thread_id: int) -> Response:
    """A thread's newest published posts."""
    found = db.session.execute(thread_with_context(thread_id)).unique().scalar_one_or_none()
    if found is None:
        abort(404)
    target = merged_into(found)
    if target is not None:
        # Like the thread page: a merged thread lives on in the one it was merged into.
        return redirect(url_for("feeds.thread", thread_id=target), 301)
    if not found.is_published:
        abort(404)
    posts = db.session.scalars(
        select(Post)
        .options(joinedload(Post.author))
        .where(Post.thread_id == found.id, post_is_published(), Post.number.is_not(None))
        .order_by(Post.number.desc())
        .limit(FEED_SIZE)
    ).all()
    entries = [_post_entry(post, found) for post in posts]
    return _feed_response(
        f"thread-{found.id}",
        _("%(title)s: posts on Forum071", title=found.title),
        thread_url(found, _external=True),
        entries,
    )


def newest_threads(*conditions: ColumnElement[bool]) -> Select[tuple[Thread, Post | None]]:
    """The newest listed threads with their opening post, if that is published, in one query
    (projects in a second one)."""
    return (
        select(Thread, Post)
        .outerjoin(Post, and_(Post.thread_id == Thread.id, Post.number == 1, post_is_published()))
        .options(
            joinedload(Thread.theme),
            joinedload(Thread.author),
            selectinload(Thread.projects),
        )
        .where(thread_is_listed(), *conditions)
        .order_by(Thread.created_at.desc(), Thread.id.desc())
        .limit(FEED_SIZE)
    )


def _thread_list_feed(
    name: str, title: str, alternate_url: str, *conditions: ColumnElement[bool]
) -> Response:
    rows = db.session.execute(newest_threads(*conditions)).unique().all()
    entries = [_thread_entry(row[0], row[1]) for row in rows]
    return _feed_response(name, title, alternate_url, entries)


def _tag(specific: str) -> str:
    return atom.tag_uri(current_app.config["FEED_TAG_AUTHORITY"], specific)


def _thread_entry(thread: Thread, opening_post: Post | None) -> atom.Entry:
    updated = thread.created_at
    if opening_post is not None and opening_post.edited_at is not None:
        updated = max(updated, opening_post.edited_at)
    categories = [
        atom.Category(
            thread.theme.slug,
            localized(thread.theme, "name"),
            url_for("themes.index", _external=True),
        ),
        atom.Category(thread.kind, str(KIND_LABELS.get(thread.kind, thread.kind)), _tag("kind")),
        *(
            atom.Category(project.slug, project.name, url_for("projects.index", _external=True))
            for project in thread.projects
        ),
    ]
    return atom.Entry(
        id=_tag(f"thread-{thread.id}"),
        title=thread.title,
        link=thread_url(thread, _external=True),
        published=thread.created_at,
        updated=updated,
        author_name=member_name(thread.author),
        author_uri=_profile_uri(thread.author),
        # A hidden opening post stays out of the feed, as it stays off the thread page.
        content_html=opening_post.body_html if opening_post is not None else None,
        categories=tuple(categories),
    )


def _profile_uri(user: User) -> str | None:
    if user.is_former_member:
        return None
    return url_for("users.show", username=user.username, _external=True)


def _post_entry(post: Post, thread: Thread) -> atom.Entry:
    if post.number == 1:
        title = thread.title
    else:
        title = _("Post %(number)d in %(title)s", number=post.number, title=thread.title)
    return atom.Entry(
        id=_tag(f"post-{post.id}"),
        title=title,
        link=site_origin() + post_url(post, thread),
        published=post.created_at,
        updated=post.edited_at or post.created_at,
        author_name=member_name(post.author),
        author_uri=_profile_uri(post.author),
        content_html=post.body_html,
    )


def _feed_response(
    name: str, title: str, alternate_url: str, entries: list[atom.Entry]
) -> Response:
    feed = atom.Feed(
        id=_tag(f"feed-{name}"),
        title=title,
        self_url=url_for(request.endpoint, **(request.view_args or {}), _external=True),
        alternate_url=alternate_url,
        base_url=url_for("main.index", _external=True),
        language=current_language(),
        entries=entries,
    )
    response = Response(atom.render(feed), content_type=f"{atom.MEDIA_TYPE}; charset=utf-8")
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE_SECONDS
    # The title is in the reader's language (Accept-Language, or the language chosen here).
    response.vary.add("Accept-Language")
    # An ETag of the body, not Last-Modified: hiding a post or editing a title changes a feed
    # without making any of its times newer, which would wrongly answer 304.
    response.add_etag()
    return response.make_conditional(request)
