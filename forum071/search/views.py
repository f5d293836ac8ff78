"""The search page: GET /search?q=... with facets, filters and pages.

Everything the page shows is worked out here once per request (labels translated once,
addresses built with the memoised url_for or by encoding the changed arguments), so that the
template only prints attributes: a Jinja call costs 5-10 µs and the page has a hundred links.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote_plus

from flask import Blueprint, render_template, request
from markupsafe import Markup

from ..i18n import current_language, format_timestamp, request_translations
from ..i18n import lazy_gettext as _l
from ..labels import KIND_LABELS, STAGE_LABELS
from ..pagination import requested_page
from ..ratelimits import limit_anonymous_searches
from ..rendering import markup_from_catalogue
from ..urls import cached_url_for
from .query import read_request
from .services import PERIODS, SearchHit, SearchResults, period_start, search

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
# The facets in the order of the side bar.
FACET_ORDER = ("kind", "answered", "stage", "theme", "project", "author", "period")
# Filters chosen as arguments (facet links) stay in the forms as hidden fields.
FORM_ARGUMENTS = ("theme", "project", "kind", "answered", "stage", "author", "from", "to", "sort")
DATE_FORM_ARGUMENTS = tuple(a for a in FORM_ARGUMENTS if a not in ("from", "to"))


def _(string: str) -> Markup:
    """A string of our own catalogue for the template, as its _() gives it: marked safe."""
    return markup_from_catalogue(request_translations().ugettext(string))


class _Links:
    """This search's address with one argument changed (None removes it) and back on page 1.

    Removing a filter also removes it from the query text, where it may have been typed as
    ``kind:question``. The other arguments are encoded once; each link encodes only its change
    (the same address as urlencode of the changed arguments).
    """

    def __init__(self, results: SearchResults) -> None:
        self.path = cached_url_for("search.index")
        self.query = results.request.query
        self.encoded: dict[str, list[str]] = {
            key: [f"{quote_plus(key)}={quote_plus(value)}" for value in values]
            for key, values in request.args.lists()
            if key != "page"
        }

    def url(self, argument: str, value: str | None) -> str:
        encoded = self.encoded.copy()
        if value is None:
            encoded.pop(argument, None)
            text = self.query.text_without(argument)
            if text.strip():
                encoded["q"] = [f"q={quote_plus(text)}"]
            else:
                encoded.pop("q", None)
        else:
            encoded[argument] = [f"{quote_plus(argument)}={quote_plus(value)}"]
        query = "&".join(part for parts in encoded.values() for part in parts)
        return f"{self.path}?{query}" if query else self.path


class _Labels:
    """Facet values as readers know them, in their language (each label translated once)."""

    def __init__(self, results: SearchResults) -> None:
        self.results = results
        self.english = current_language() == "en"
        self.fixed: dict[tuple[str, str], str] = {}

    def __call__(self, facet: str, value: str) -> str:
        if facet == "theme":
            theme = self.results.themes.get(value)
            if theme is None:
                return value
            return (self.english and theme.name_en) or theme.name
        if facet == "project":
            project = self.results.projects.get(value)
            return value if project is None else project.name
        try:
            return self.fixed[facet, value]
        except KeyError:
            labels: dict[Any, Any] = {
                "kind": KIND_LABELS, "stage": STAGE_LABELS, "answered": ANSWERED_LABELS,
                "period": PERIOD_LABELS,
            }.get(facet, {})  # fmt: skip
            label = self.fixed[facet, value] = str(labels.get(value, value))
            return label


class _ShownHit:
    """One result as the template prints it."""

    __slots__ = ("byline", "iso", "kind", "kind_label", "reply", "snippet", "stage",
                 "stage_label", "status", "status_label", "theme_label", "theme_url", "title",
                 "url", "when")  # fmt: skip

    def __init__(
        self, hit: SearchHit, labels: _Labels, words: dict[str, Markup], themes: dict[str, str]
    ) -> None:
        self.url = hit.url
        self.title = hit.title
        self.kind = hit.kind
        self.kind_label = labels("kind", hit.kind)
        self.status = self.status_label = None
        if hit.is_question:
            self.status = "answered" if hit.answered else "unanswered"
            self.status_label = words[self.status]
        self.stage = hit.stage
        self.stage_label = labels("stage", hit.stage) if hit.is_pitch and hit.stage else None
        try:
            self.theme_url = themes[hit.theme_slug]
        except KeyError:
            self.theme_url = themes[hit.theme_slug] = cached_url_for(
                "themes.show", slug=hit.theme_slug
            )
        self.theme_label = (labels.english and hit.theme_name_en) or hit.theme_name
        # "": a former member (search.services selects member_name_column).
        self.byline = words["by"] % {"name": hit.author or words["former"]}
        created_at: datetime = hit.created_at
        self.iso = created_at.isoformat()
        self.when = format_timestamp(created_at)
        number = hit.number
        self.reply = words["reply"] % {"num": number - 1} if number and number > 1 else None
        self.snippet = hit.snippet


def _facets(
    results: SearchResults, links: _Links, labels: _Labels, active: dict[str, str]
) -> list[tuple[str, str, list[tuple[str, str, int, bool]]]]:
    """(facet, title, [(address, label, count, chosen)]) of each facet with choices."""
    period_values = {name: period_start(name).isoformat() for name, _days in PERIODS}
    facets = []
    for facet in FACET_ORDER:
        choices = results.facets.get(facet)
        if not choices:
            continue
        argument = "from" if facet == "period" else facet
        shown = []
        for choice in choices:
            value = period_values[choice.value] if facet == "period" else choice.value
            chosen = active.get(argument) == value
            shown.append((
                links.url(argument, None if chosen else value),
                labels(facet, choice.value),
                choice.count,
                chosen,
            ))  # fmt: skip
        facets.append((facet, str(FACET_TITLES[facet]), shown))
    return facets


def _page(results: SearchResults) -> dict[str, Any]:
    """What the template shows beyond ``results`` itself."""
    req = results.request
    args = request.args
    hidden = [
        (argument, args[argument])
        for argument in FORM_ARGUMENTS
        if args.get(argument) and argument not in req.errors
    ]
    page: dict[str, Any] = {
        "hidden": hidden,
        "date_hidden": [pair for pair in hidden if pair[0] in DATE_FORM_ARGUMENTS],
    }
    if not results.searched:
        return page
    links = _Links(results)
    labels = _Labels(results)
    active = dict(req.active_filters())
    page["sort_url"] = links.url("sort", None if req.sort == "date" else "date")
    page["active_filters"] = [
        (links.url(argument, None), str(FILTER_TITLES.get(argument, argument)),
         labels(argument, value))
        for argument, value in active.items()
    ]  # fmt: skip
    if results.hits:
        words = {"answered": _("Answered"), "unanswered": _("Unanswered"),
                 "by": _("by %(name)s"), "former": _("former member"),
                 "reply": _("reply %(num)d")}  # fmt: skip
        theme_urls: dict[str, str] = {}
        page["hits"] = [_ShownHit(hit, labels, words, theme_urls) for hit in results.hits]
    page["facets"] = _facets(results, links, labels, active)
    return page


@bp.get("")
@limit_anonymous_searches
def index():
    """Search posts: words, "phrases", -exclusions and filters, with facet counts."""
    results = search(read_request(request.args), requested_page())
    status = 400 if results.request.errors else 200
    return render_template("search/index.html", results=results, **_page(results)), status
