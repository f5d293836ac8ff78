"""What one request has rendered already: a form's check and the service that stores the text
render the same source (each render may cost a quarter of a second), so the second is
answered from here. Kept on the app context (flask.g), so nothing outlives the request.

Used only by rendering.render_markdown: the cooked HTML kept here is its sanitised output.
"""

from __future__ import annotations

from flask import g, has_app_context

REMEMBERED_RENDERS = 4


class Renders:
    """The last REMEMBERED_RENDERS sources: for each, the @names it may mention and its cooked
    HTML by the names linked (the output depends on nothing else); and the sources refused,
    with the reason (a refusal does not depend on the mentions)."""

    def __init__(self) -> None:
        self.by_source: dict[str, tuple[list[str], dict[frozenset[str], str]]] = {}
        self.refused: dict[str, str] = {}

    def remember(self, source: str, candidates: list[str], known: frozenset[str],
                 cooked: str) -> None:  # fmt: skip
        entry = self.by_source.pop(source, None) or (candidates, {})
        entry[1][known] = cooked
        self.by_source[source] = entry
        _bound(self.by_source)

    def refuse(self, source: str, reason: str) -> None:
        self.refused[source] = reason
        _bound(self.refused)


def _bound(remembered: dict[str, object]) -> None:
    while len(remembered) > REMEMBERED_RENDERS:
        del remembered[next(iter(remembered))]


def request_renders() -> Renders:
    """This request's (app context's) renders; outside one, a fresh set that keeps nothing."""
    if not has_app_context():
        return Renders()
    renders: Renders = g.setdefault("_forum071_renders", Renders())
    return renders
