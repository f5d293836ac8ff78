"""Building the site's own addresses quickly for templates.

A list page links every row to its thread, theme and projects; url_for walks the URL map each
time (about 20 µs), which was a fifth of a list page's cost. An address depends only on the
endpoint, its values and where the app is mounted, so templates get a memoised url_for.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from flask import Flask, current_app, has_request_context, request, url_for

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
    app.extensions["forum071_urls"] = {}
    app.jinja_env.globals["url_for"] = cached_url_for
