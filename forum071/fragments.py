"""Rendered pieces of pages, remembered by everything they are made of.

A thread list row or a post looks the same to everyone who reads it in the same language: its
HTML follows from a handful of columns. Rendering it is most of what a list or thread page
costs, so each worker remembers the HTML of the rows and posts it rendered, keyed by exactly
the values the piece is made of (plus the language and where the app is mounted). There is
nothing to expire: when a thread gets a reply or a post is edited, its columns change and so
does its key, and the old piece falls out once the store is full. Unlike the visitors' page
cache (page_cache), this serves members too, because nothing personal goes into a piece.

The rule for callers: the key must contain every value the render function reads.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app, g, has_request_context, request

from .i18n import current_language

_STORE = "forum071_fragments"


def remember(key: Hashable, render: Callable[..., Any], *args: Any) -> Any:
    """render(*args), or what it returned before for the same key in this language."""
    if not has_request_context():
        return render(*args)
    try:
        prefix = g._forum071_fragment_prefix
    except AttributeError:
        prefix = g._forum071_fragment_prefix = (current_language(), request.script_root)
    store: dict[Hashable, Any] = current_app.extensions[_STORE]
    full_key = (prefix, key)
    try:
        return store[full_key]
    except KeyError:
        pass
    except TypeError:  # an unhashable value in the key: render it every time
        return render(*args)
    rendered = render(*args)
    limit = current_app.config["FRAGMENT_CACHE_ENTRIES"]
    if limit:
        if len(store) >= limit:
            # Clearing all is crude but cheap and bounded; the hot pieces come back with
            # the next few pages.
            store.clear()
        store[full_key] = rendered
    return rendered


def init_app(app: Flask) -> None:
    app.extensions[_STORE] = {}
    app.jinja_env.globals["fragment"] = remember
