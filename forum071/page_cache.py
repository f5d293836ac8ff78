"""A page cache for visitors who are not logged in, exact to the last write.

Most of a forum's page views are anonymous reads of the same few pages (the front page, a
theme, a busy thread). Like Discourse's anonymous cache, each worker keeps the HTML it last
rendered for such a page and hands it to the next visitor, but only while nothing has been
written since: every commit that writes bumps a counter in the database (``cache_generation``)
in the same transaction, and the counter is part of each page's key. A visitor therefore never
sees a page older than the latest write; a cached page costs one tiny query instead of the
page's queries and its rendering. The key also names the language, the scheme and the host (a
forged Host header gets a page of its own, never one for others) and the address.

What is never cached: anything for a logged-in member (the page shows their name, their
notifications and their forms), a page that carries a flashed message or touched the session
(a CSRF token would be shared), anything but a 200 HTML answer to a GET. Entries also expire
after ANONYMOUS_PAGE_CACHE_SECONDS, in case the database is written around the app.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

from flask import Flask, Response, current_app, g, request, session
from sqlalchemy import Connection, event, select, update
from sqlalchemy.orm import Session

from .database import transaction_wrote
from .extensions import db
from .i18n import current_language
from .models import cache_generation

# The pages visitors read most; each is the same for every visitor with the same language.
CACHED_ENDPOINTS = frozenset(
    {
        "main.index",
        "themes.index",
        "themes.show",
        "projects.index",
        "projects.show",
        "threads.show",
        "search.index",
        "users.show",
        "moderation_log.public",
    }
)


class PageCache:
    """Rendered pages of one worker process, least recently used first out."""

    def __init__(self, entries: int, seconds: float) -> None:
        self.entries = entries
        self.seconds = seconds
        self._pages: OrderedDict[tuple[Any, ...], tuple[float, bytes, str]] = OrderedDict()

    def get(self, key: tuple[Any, ...]) -> tuple[bytes, str] | None:
        found = self._pages.get(key)
        if found is None:
            return None
        stored_at, body, mimetype = found
        if time.monotonic() - stored_at > self.seconds:
            del self._pages[key]
            return None
        self._pages.move_to_end(key)
        return body, mimetype

    def put(self, key: tuple[Any, ...], body: bytes, mimetype: str) -> None:
        self._pages[key] = (time.monotonic(), body, mimetype)
        self._pages.move_to_end(key)
        while len(self._pages) > self.entries:
            self._pages.popitem(last=False)


def _cacheable_request(app: Flask) -> bool:
    if request.method != "GET" or request.endpoint not in CACHED_ENDPOINTS:
        return False
    if app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
        return False  # a member whose session ended comes back through the remember cookie
    return "_user_id" not in session and "_flashes" not in session


def _serve_from_cache() -> Response | None:
    app = current_app._get_current_object()
    if not _cacheable_request(app):
        return None
    generation = db.session.connection().execute(_GENERATION).scalar_one_or_none()
    if generation is None:  # a database emptied by hand: nothing to key pages on
        return None
    # Scheme and host too: with no SITE_URL the page's absolute links (its feed links) are
    # built from them, and a forged Host header must not choose what other visitors get.
    key = (generation, current_language(), request.scheme, request.host, request.full_path)
    g.forum071_page_cache_key = key
    found = app.extensions["forum071_page_cache"].get(key)
    if found is None:
        return None
    body, mimetype = found
    g.forum071_page_cache_hit = True
    return Response(body, mimetype=mimetype)


def _store_in_cache(response: Response) -> Response:
    key = g.get("forum071_page_cache_key")
    if (
        key is None
        or g.get("forum071_page_cache_hit")
        or response.status_code != 200
        or response.mimetype != "text/html"
        or response.direct_passthrough
        or session.modified  # e.g. a CSRF token was made for this visitor
        or "Set-Cookie" in response.headers
    ):
        return response
    current_app.extensions["forum071_page_cache"].put(
        key, response.get_data(), response.mimetype
    )
    return response


_GENERATION = select(cache_generation.c.value).where(cache_generation.c.id == 1)
_BUMP = (
    update(cache_generation)
    .where(cache_generation.c.id == 1)
    .values(value=cache_generation.c.value + 1)
)


def _bump_before_commit(session: Session) -> None:
    """Count this transaction's writes in the generation, in the same transaction.

    before_commit runs before commit's own flush, so changes still pending (a view that sets
    attributes and commits, with no query in between to autoflush them) are flushed here
    first; otherwise they would be written without being counted.
    """
    if session.new or session.dirty or session.deleted:
        session.flush()
    if transaction_wrote(session):
        session.connection().execute(_BUMP)


def bump_generation(connection: Connection) -> None:
    """For writes made outside the ORM session (bulk loads): mark every cached page stale."""
    connection.execute(_BUMP)


def init_app(app: Flask) -> None:
    # The generation counts every write, whether or not this process caches pages: another
    # worker (or the web server, while a command runs) may.
    # What the transaction wrote is noted by database.py, for every session.
    if not event.contains(db.session, "before_commit", _bump_before_commit):
        event.listen(db.session, "before_commit", _bump_before_commit)
    entries = app.config["ANONYMOUS_PAGE_CACHE_ENTRIES"]
    if entries <= 0:
        return
    app.extensions["forum071_page_cache"] = PageCache(
        entries, app.config["ANONYMOUS_PAGE_CACHE_SECONDS"]
    )
    app.before_request(_serve_from_cache)
    app.after_request(_store_in_cache)
