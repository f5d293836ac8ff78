"""Numbered pages over a select(), with the total supplied by the caller.

Lists know their size from denormalised counters, so pagination never needs COUNT(*) over a
big table; an out-of-range page is a 404 rather than an empty page.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from flask import Flask, abort, g, request
from sqlalchemy import Select
from werkzeug.datastructures import MultiDict

from .extensions import db
from .urls import cached_url_for

T = TypeVar("T")


class PageNumbers:
    """The arithmetic of a numbered page, for anything with ``number``, ``per_page`` and
    ``total`` (a list's Page, search results)."""

    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    def window(self, around: int = 2) -> Iterator[int | None]:
        """Page numbers to show: the first, the last and those near this one; None is a gap."""
        shown = {1, self.pages, *range(self.number - around, self.number + around + 1)}
        previous = 0
        for number in sorted(n for n in shown if 1 <= n <= self.pages):
            if number - previous > 1:
                yield None
            yield number
            previous = number


@dataclass(frozen=True)
class Page(PageNumbers, Generic[T]):
    items: Sequence[T]
    number: int
    per_page: int
    total: int


def page_count(total: int, per_page: int) -> int:
    return max(1, math.ceil(total / per_page))


def with_query(path: str, args: MultiDict[str, str]) -> str:
    """``path`` with ``args`` as its query string.

    The query is appended, never passed to url_for as keywords: there ``?slug=x`` or
    ``?_external=1&_scheme=...`` would clash with the URL's own arguments or url_for's options.
    """
    query = urlencode(list(args.items(multi=True)))
    return f"{path}?{query}" if query else path


def page_url(number: int) -> str:
    """This page's address with another ?page= (page 1 has none), keeping the other arguments."""
    base, other_args = _page_url_parts()
    if number > 1:
        return f"{base}?{other_args}&page={number}" if other_args else f"{base}?page={number}"
    return f"{base}?{other_args}" if other_args else base


def _page_url_parts() -> tuple[str, str]:
    """This page's address and its query without ?page=, worked out once per request (a
    pagination bar asks for a dozen addresses)."""
    try:
        return g._forum071_page_url_parts
    except AttributeError:
        args = request.args.copy()
        args.pop("page", None)
        base = cached_url_for(request.endpoint or "main.index", **(request.view_args or {}))
        parts = g._forum071_page_url_parts = (base, urlencode(list(args.items(multi=True))))
        return parts


def init_app(app: Flask) -> None:
    app.jinja_env.globals["page_url"] = page_url


def requested_page() -> int:
    """The ?page= of this request, 1 when absent or empty; anything else but a page number is a 404.

    Only ASCII digits count: str.isdigit() also accepts superscripts and other scripts' digits.
    """
    raw = request.args.get("page") or "1"
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 1_000_000:
        abort(404)
    return int(raw)


def paginate(
    query: Select[Any],
    total: int,
    per_page: int,
    number: int | None = None,
    *,
    load: Callable[[Select[Any]], Sequence[Any]] | None = None,
) -> Page:
    """One page of ``query``; ``load`` turns the limited select() into the items (ORM
    entities by default)."""
    number = _existing_page(number, total, per_page)
    limited = query.limit(per_page).offset((number - 1) * per_page)
    items = load(limited) if load else list(db.session.scalars(limited).unique())
    return Page(items=items, number=number, per_page=per_page, total=total)


def paginate_bound(
    load: Callable[[int, dict[str, Any]], Sequence[Any]],
    params: dict[str, Any],
    total: int,
    per_page: int,
    number: int | None = None,
) -> Page:
    """Like paginate(), for a prepared statement whose limit and offset are bound parameters:
    ``load(offset, params)`` gets ``params`` with limit and offset filled in."""
    number = _existing_page(number, total, per_page)
    offset = (number - 1) * per_page
    items = load(offset, {**params, "limit": per_page, "offset": offset})
    return Page(items=items, number=number, per_page=per_page, total=total)


def _existing_page(number: int | None, total: int, per_page: int) -> int:
    """The page asked for (?page= when None); a page beyond the last is a 404."""
    number = requested_page() if number is None else number
    if number > page_count(total, per_page):
        abort(404)
    return number
