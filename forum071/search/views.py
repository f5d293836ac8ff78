"""The search page: GET /search?q=... with facets, filters and pages."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from ..labels import KIND_LABELS, STAGE_LABELS
from ..pagination import requested_page, with_query
from .query import read_request
from .services import SearchResults, period_start, search

bp = Blueprint("search", __name__, url_prefix="/search")

ANSWERED_LABELS = {"true": _l("Answered"), "false": _l("Unanswered")}
PERIOD_LABELS = {"week": _l("Past week"), "month": _l("Past month"), "year": _l("Past year")}
FACET_TITLES = {
    "kind": _l("Kind"),
    "theme": _l("Theme"),
    "project": _l("Project"),
    "answered": _l("Questions"),
    "stage": _l("Pitch stage"),
    "author": _l("Author"),
    "period": _l("Date"),
}
FILTER_TITLES = {**FACET_TITLES, "answered": _l("Questions"), "from": _l("From"), "to": _l("To")}


def search_url(results: SearchResults, **changes: str | None) -> str:
    """This search with some arguments changed (None removes one) and back on page 1.

    Removing a filter also removes it from the query text, where it may have been typed as
    ``kind:question``.
    """
    args = request.args.copy()
    args.pop("page", None)
    for argument, value in changes.items():
        argument = argument.rstrip("_")  # from_= for the reserved word
        if value is None:
            args.pop(argument, None)
            text = results.request.query.text_without(argument)
            if text.strip():
                args["q"] = text
            else:
                args.pop("q", None)
        else:
            args[argument] = value
    return with_query(url_for("search.index"), args)


def facet_label(results: SearchResults, facet: str, value: str) -> str:
    """A facet value as readers know it, in their language."""
    from ..labels import localized

    if facet == "kind":
        return str(KIND_LABELS.get(value, value))
    if facet == "stage":
        return str(STAGE_LABELS.get(value, value))
    if facet == "answered":
        return str(ANSWERED_LABELS.get(value, value))
    if facet == "period":
        return str(PERIOD_LABELS.get(value, value))
    if facet == "theme" and value in results.themes:
        return localized(results.themes[value], "name")
    if facet == "project" and value in results.projects:
        return results.projects[value].name
    return value


@bp.get("")
def index():
    """Search posts: words, "phrases", -exclusions and filters, with facet counts."""
    results = search(read_request(request.args), requested_page())
    status = 400 if results.request.errors else 200
    return (
        render_template(
            "search/index.html",
            results=results,
            search_url=lambda **changes: search_url(results, **changes),
            facet_label=lambda facet, value: facet_label(results, facet, value),
            facet_titles=FACET_TITLES,
            filter_titles=FILTER_TITLES,
            period_start=period_start,
        ),
        status,
    )
