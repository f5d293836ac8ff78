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
_SIZE = "forum071_fragments_size"


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
    budget = current_app.config["FRAGMENT_CACHE_CHARACTERS"]
    # Twice the piece: a key often holds the piece's source too (a post's stored HTML).
    size = 2 * len(rendered)
    if size <= budget // 100:  # a huge post would crowd out the rest: render it each time
        used = current_app.extensions[_SIZE]
        if used[0] + size > budget:
            # Clearing all is crude but cheap and bounded; the hot pieces come back with
            # the next few pages.
            store.clear()
            used[0] = 0
        store[full_key] = rendered
        used[0] += size
    return rendered


def init_app(app: Flask) -> None:
    app.extensions[_STORE] = {}
    app.extensions[_SIZE] = [0]  # characters stored, in a list so that it can be updated
    app.jinja_env.globals["fragment"] = remember
