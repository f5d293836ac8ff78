"""Building the site's own addresses: absolute ones from SITE_URL, and quickly for templates.

An absolute address (feeds, the API, a page's feed link) starts with SITE_URL where one is
configured, never with what a request's Host header claims; without SITE_URL it is built from
the request, as Flask does (and the page cache keys pages by scheme and host).

A list page links every row to its thread, theme and projects; url_for walks the URL map each
time (about 20 µs), which was a fifth of a list page's cost. An address depends only on the
endpoint, its values and where the app is mounted, so templates get a memoised url_for.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import Flask, Request, current_app, has_request_context, request, url_for
from werkzeug.routing import MapAdapter

if TYPE_CHECKING:
    from .models import Post, Thread


class SiteFlask(Flask):
    """Flask, building absolute addresses from the configured SITE_URL when there is one."""

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        adapter = super().create_url_adapter(request)
        site = self.config.get("SITE_URL")
        if not site:
            return adapter
        parts = urlsplit(site)
        if adapter is None:  # outside a request (a command, a mail) and no SERVER_NAME
            root = parts.path.rstrip("/") or self.config["APPLICATION_ROOT"]
            return self.url_map.bind(parts.netloc, script_name=root, url_scheme=parts.scheme)
        # Only building uses these (no host matching here): requests still match by path.
        adapter.server_name = parts.netloc.lower()
        adapter.url_scheme = parts.scheme
        return adapter


def check_site_url(app: Flask) -> None:
    """Refuse a SITE_URL that is not an http(s) address of a host, at startup."""
    site = app.config.get("SITE_URL")
    if not site:
        return
    parts = urlsplit(site)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise RuntimeError(
            f"SITE_URL must be the site's address such as https://forum071.example.nl, not {site!r}"
        )


def site_origin() -> str:
    """Scheme and host of this site's absolute addresses, e.g. 'https://forum071.example.nl'."""
    full = url_for("main.index", _external=True)
    return full[: len(full) - len(url_for("main.index"))]

# Enough for every theme, project and page link a busy hour shows, bounded so that addresses
# with varying ?next= values cannot grow it without end.
CACHE_LIMIT = 20_000
# These depend on the request's host or scheme, or are handled by url_for itself.
_NOT_CACHED = {"_external", "_scheme", "_method"}


def cached_url_for(endpoint: str, **values: Any) -> str:
    """url_for for addresses on this site, remembered per app."""
    if _NOT_CACHED.intersection(values) or not has_request_context():
        return url_for(endpoint, **values)
    blueprint = request.blueprint if endpoint.startswith(".") else None
    try:
        key = (endpoint, blueprint, request.script_root, *sorted(values.items()))
        cache: dict[Hashable, str] = current_app.extensions["forum071_urls"]
        return cache[key]
    except TypeError:  # an unhashable value: build it every time
        return url_for(endpoint, **values)
    except KeyError:
        address = url_for(endpoint, **values)
        if len(cache) >= CACHE_LIMIT:
            cache.clear()
        cache[key] = address
        return address


def init_app(app: Flask) -> None:
    check_site_url(app)
    app.extensions["forum071_urls"] = {}
    app.jinja_env.globals["url_for"] = cached_url_for


def thread_url(thread: Thread, **values) -> str:
    """The canonical address of a thread: its id and, when the title has one, its slug."""
    return cached_url_for("threads.show", thread_id=thread.id, slug=thread.slug or None, **values)


def post_url(post: Post, thread: Thread | None = None) -> str:
    """The address of the thread page that shows this post, anchored at it.

    A reply waiting for review has no number yet: its author finds it after the last page's
    posts.
    """
    thread = thread or post.thread
    per_page = current_app.config["POSTS_PER_PAGE"]
    if post.number is None:
        page = max(1, math.ceil(thread.post_count / per_page))
        anchor = f"post-pending-{post.id}"
    else:
        page = math.ceil(post.number / per_page)
        anchor = f"post-{post.number}"
    return thread_url(thread, page=page if page > 1 else None, _anchor=anchor)
