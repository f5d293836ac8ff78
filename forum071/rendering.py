"""The only place where user text becomes HTML.

Pipeline: markdown-it-py (raw HTML escaped, images turned into links, @mentions of existing
members turned into profile links) -> bleach allow-list -> link policy (allowed schemes only,
rel="nofollow ugc noopener"). No other module may import bleach or build ``Markup``; templates
receive HTML only through the two functions below.
"""

from __future__ import annotations

import html
import importlib
import re
import threading
import unicodedata
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, unquote

import bleach
from bleach.html5lib_shim import Filter, getTreeWalker
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markupsafe import Markup

MAX_BODY_LENGTH = 32_000
# bleach (pure-Python html5lib) costs ~4 us per byte of HTML; markdown-it can emit ~15 bytes
# per input byte (e.g. table rows of "|"), so the intermediate HTML is capped as well.
MAX_HTML_LENGTH = 6 * MAX_BODY_LENGTH
MAX_UNCLOSED_BRACKETS = 1_000
LINK_REL = "nofollow ugc noopener"
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
ALLOWED_TAGS = frozenset(
    {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code",
     "pre", "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td"}
)  # fmt: skip
# No `style` anywhere (table alignment is lost on purpose) and no `class` (no highlighting).
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "ol": ["start"]}

_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")
_LIVE_BRACKET = re.compile(r"(?<!\\)((?:\\\\)*)\[")  # "[" after an even number of "\"
_BLOCK_TAGS = ALLOWED_TAGS - {"a", "strong", "em", "del", "s", "code"}

# "@name" in text (not in code, not in link text) names a member: usernames are 3 to 30 letters
# (of any alphabet), digits and underscores (names.py), written in any case. Not after a word
# character or one of @.+-/ (so "ann@example.org" and "example.org/@ann" are no mentions), and
# not followed by more name-like text.
MENTION = re.compile(r"(?<![\w@.+\-/])@(\w{3,30})(?![\w@]|[.\-]\w)")
_MENTION_BLOCKER = re.compile(r"[\w@.+\-/]")
MENTION_URL = "/users/{}"
# Only this many different names in one text are looked up (and linked), and only this many
# mentions are linked in all; the rest stay text, so mentions cannot blow up the HTML.
MAX_MENTIONS = 30
MAX_MENTION_LINKS = 100
# Given the lower-cased candidate names, answer those that belong to members (one query).
Mentionable = Callable[[set[str]], set[str]]


class RenderError(ValueError):
    """The text cannot be rendered safely; ``str(error)`` is shown (translated) to the author."""


# Fixed English messages (msgids for the app's translation catalogue), one per RenderError.
TOO_LONG = "The text is too long."
TOO_MUCH_FORMATTING = "The text contains too much formatting to be displayed."
TOO_DEEP = "The text is nested too deeply to be displayed."


def _url_allowed(url: str) -> bool:
    """True for http/https/mailto and scheme-less (relative) URLs.

    Deliberately stricter than browsers: entities and percent-escapes are decoded and
    whitespace, C0 controls and invisible format characters (Cf) removed before the scheme is
    read, so ``jav&#x09;ascript:`` or ``java\\u200bscript:`` can never slip through.
    """
    for _ in range(3):  # bounded: nested encodings beyond this only make the URL look odder
        url = unquote(html.unescape(url))
    url = "".join(
        ch for ch in url if not (ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf"))
    ).lower()
    match = _SCHEME.match(url)
    return match is None or match.group(1) in ALLOWED_SCHEMES


def _images_to_links(state: StateCore) -> None:
    """The CSP allows no external images, so ``![alt](url)`` becomes a link to ``url``.

    The alt text (or the URL when alt is empty) is the link text; if the URL is not allowed or
    the image already sits inside a link (no nested <a>), only the alt text remains.
    """
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        depth = 0
        for tok in block.children:
            depth += {"link_open": 1, "link_close": -1}.get(tok.type, 0)
            if tok.type != "image":
                children.append(tok)
                continue
            alt = state.md.renderer.renderInlineAsText(tok.children, state.md.options, state.env)
            src = str(tok.attrGet("src") or "")
            if depth or not src or not _url_allowed(src):
                children.append(Token("text", "", 0, content=alt))
                continue
            attrs = {"href": src}
            if tok.attrGet("title"):
                attrs["title"] = str(tok.attrGet("title"))
            text = alt or state.md.normalizeLinkText(src)
            children.append(Token("link_open", "a", 1, attrs=attrs))
            children.append(Token("text", "", 0, content=text))
            children.append(Token("link_close", "a", -1))
        block.children = children


def _mention_texts(state: StateCore) -> Iterator[tuple[Token, list[re.Match[str]]]]:
    """Each text token outside links with its @name matches. Code is never a text token.

    Runs before text_join, so an escaped character (``\\@ann``) is still its own token: the
    "@" it escapes is no mention, and a name-like character it escapes blocks the next one.
    """
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        depth = 0
        previous: Token | None = None
        for tok in block.children:
            depth += {"link_open": 1, "link_close": -1}.get(tok.type, 0)
            if tok.type == "text" and not depth and "@" in tok.content:
                matches = list(MENTION.finditer(tok.content))
                if (
                    matches
                    and matches[0].start() == 0
                    and previous is not None
                    and previous.type == "text_special"
                    and _MENTION_BLOCKER.fullmatch(previous.content[-1:] or " ")
                ):
                    matches.pop(0)
                if matches:
                    yield tok, matches
            previous = tok


def _link_mentions(state: StateCore) -> None:
    """Turn ``@name`` into a link to the member's profile when ``env["mentionable"]`` knows it.

    The callback gets the candidate names (lower case) once and answers those that exist;
    ``env["mentioned"]`` receives the names that were linked.
    """
    mentionable: Mentionable | None = state.env.get("mentionable")
    if mentionable is None:
        return
    found = list(_mention_texts(state))
    candidates = list(
        dict.fromkeys(match.group(1).lower() for _tok, matches in found for match in matches)
    )[:MAX_MENTIONS]
    known = set(mentionable(set(candidates))) & set(candidates) if candidates else set()
    state.env["mentioned"] = known
    if not known:
        return
    replacements: dict[int, list[Token]] = {}
    links = 0
    for tok, matches in found:
        pieces: list[Token] = []
        position = 0
        for match in matches:
            name = match.group(1).lower()
            if name not in known or links >= MAX_MENTION_LINKS:
                continue
            links += 1
            if match.start() > position:
                pieces.append(Token("text", "", 0, content=tok.content[position : match.start()]))
            href = MENTION_URL.format(quote(name))
            pieces.append(Token("link_open", "a", 1, attrs={"href": href}))
            pieces.append(Token("text", "", 0, content=match.group(0)))
            pieces.append(Token("link_close", "a", -1))
            position = match.end()
        if pieces:
            if position < len(tok.content):
                pieces.append(Token("text", "", 0, content=tok.content[position:]))
            replacements[id(tok)] = pieces
    for block in state.tokens:
        if block.type == "inline" and block.children:
            children: list[Token] = []
            for tok in block.children:
                children.extend(replacements.get(id(tok), (tok,)))
            block.children = children


class _LinkPolicy(Filter):
    """Runs after bleach: unwraps links with a forbidden target, marks all others ``rel``."""

    def __iter__(self) -> Iterator[dict[str, Any]]:
        kept: list[bool] = []  # one entry per open <a>; the parser never nests them
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EndTag") and token["name"] == "a":
                if token["type"] == "EndTag":
                    if not (kept.pop() if kept else False):
                        continue
                else:
                    href = token["data"].get((None, "href"), "")
                    kept.append(bool(href) and _url_allowed(href))
                    if not kept[-1]:
                        continue  # drop the tag, keep the text the author wrote
                    token["data"] = {k: v for k, v in token["data"].items() if k[1] != "rel"}
                    token["data"][(None, "rel")] = LINK_REL
            yield token


class _Walker(getTreeWalker("etree")):  # type: ignore[misc]
    """bleach's etree walker, minus a quadratic step (15,000 table rows took 11 s).

    On leaving an element html5lib finds its parent's position with list.index(); remember
    each child list's positions instead. Node tuples are (element, key, parents, flag).
    """

    def __init__(self, tree: Any) -> None:
        super().__init__(tree)
        self._positions: dict[int, dict[int, int]] = {}  # id(element) -> {id(child): index}

    def getParentNode(self, node: Any) -> Any:
        if not isinstance(node, tuple) or node[3] == "text" or len(node[2]) < 2:
            return super().getParentNode(node)
        parents = node[2]
        parent = parents.pop()
        grandparent = parents[-1]
        if id(grandparent) not in self._positions:
            self._positions[id(grandparent)] = {id(c): i for i, c in enumerate(grandparent)}
        return parent, self._positions[id(grandparent)][id(parent)], parents, None


# markdown-it pads short table rows with up to 65,536 empty cells (a 100-column header plus
# rows of "|" costs a second before MAX_HTML_LENGTH refuses it); real tables need far fewer.
# (Module attribute, not `from ... import`: the package shadows the module with the rule.)
importlib.import_module("markdown_it.rules_block.table").MAX_AUTOCOMPLETED_CELLS = 4_096


def _new_markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    md.enable(["table", "strikethrough", "linkify"])
    # Accept every target while parsing so that a forbidden one still yields a link token:
    # _LinkPolicy (and _images_to_links) then drop just the target and keep the author's text.
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    # The inline linkify rule re-scans all pending text at every "://" (quadratic: 8000 of
    # them take seconds); the core linkify rule finds the same links in linear time.
    md.inline.ruler.disable("linkify")
    md.core.ruler.after("linkify", "images_to_links", _images_to_links)
    md.core.ruler.after("images_to_links", "mentions", _link_mentions)
    return md


class _Pipeline(threading.local):
    """bleach's Cleaner and linkify-it keep per-call state: one pipeline per thread."""

    def __init__(self) -> None:
        self.md = _new_markdown()
        self.cleaner = bleach.Cleaner(
            tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, protocols=ALLOWED_SCHEMES,
            strip=True, strip_comments=True, filters=[_LinkPolicy],
        )  # fmt: skip
        self.cleaner.walker = _Walker


_pipeline = _Pipeline()


def _neutralise_brackets(source: str) -> str:
    """Escape every "[" when too many are never closed (as in "![" * 15000).

    markdown-it looks for the end of each such label again; with brackets escaped the text
    renders quickly and stays readable (links in that text are lost).
    """
    depth = 0
    for ch in re.findall(r"[\[\]]", source):
        depth = depth + 1 if ch == "[" else max(depth - 1, 0)
    if depth <= MAX_UNCLOSED_BRACKETS:
        return source
    return _LIVE_BRACKET.sub(r"\1\\[", source)


def render_markdown(source: str, mentionable: Mentionable | None = None) -> Markup:
    """Render user Markdown to sanitised HTML; raise RenderError if that cannot be done safely.

    With ``mentionable``, ``@name`` (outside code and links) becomes a link to ``/users/name``
    for the names that callback answers as existing; the others stay plain text.
    """
    if len(source) > MAX_BODY_LENGTH:
        raise RenderError(TOO_LONG)
    source = _neutralise_brackets(source)
    try:
        if mentionable is None:
            html_text = _pipeline.md.render(source)
        else:
            html_text = _pipeline.md.render(source, {"mentionable": mentionable})
            if len(html_text) > MAX_HTML_LENGTH:
                # A text that only fits without its profile links (form validation renders
                # without them) is kept, with its mentions as plain text.
                html_text = _pipeline.md.render(source)
        if len(html_text) > MAX_HTML_LENGTH:
            raise RenderError(TOO_MUCH_FORMATTING)
        cooked = _pipeline.cleaner.clean(html_text)
    except RecursionError:
        raise RenderError(TOO_DEEP) from None
    return Markup(cooked)  # noqa: S704 - sanitised just above


def markup_from_catalogue(translated: str) -> Markup:
    """Mark a string from the forum's own translation catalogue as safe, as Jinja's gettext
    does: translators may use markup, and variables filled in afterwards are escaped."""
    return Markup(translated)  # noqa: S704 - our own catalogue, never user input


def markup_from_stored(html: str) -> Markup:
    """Mark stored "cooked" HTML as safe for templates.

    Only ever pass the stored output of ``render_markdown``: anything else is an XSS hole.
    """
    return Markup(html)  # noqa: S704 - produced earlier by render_markdown


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")  # "<p>a</p><p>b</p>" must read "a b", not "ab"

    def handle_endtag(self, tag: str) -> None:
        self.handle_starttag(tag, [])

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(cooked_html: str) -> str:
    """Readable text of HTML made by render_markdown, whitespace collapsed (not HTML-escaped)."""
    extractor = _TextExtractor()
    extractor.feed(cooked_html)
    extractor.close()
    return " ".join("".join(extractor.parts).split())


def excerpt(source: str, length: int = 200) -> str:
    """Plain-text snippet of rendered ``source``, cut on a word boundary with an ellipsis.

    The result is plain text, so templates must autoescape it (they do by default).
    """
    if length < 1:
        raise ValueError("length must be positive")
    text = plain_text(render_markdown(source))
    if len(text) <= length:
        return text
    cut = text[: length - 1]  # leave room for the ellipsis
    if not text[length - 1].isspace():
        cut = cut.rpartition(" ")[0] or cut  # a single over-long word is cut hard
    return cut.rstrip(" ,.;:!?-") + "…"


# Search snippets: the database marks each match with these private-use characters (FTS5
# snippet() and PostgreSQL ts_headline are told to use them), never with HTML.
SNIPPET_START = "\ue000"
SNIPPET_END = "\ue001"
_SNIPPET_MATCH = re.compile(f"{SNIPPET_START}([^{SNIPPET_START}{SNIPPET_END}]*){SNIPPET_END}")
_SNIPPET_MARKER = re.compile(f"[{SNIPPET_START}{SNIPPET_END}]")
# Markdown that reads as noise in a one-line snippet: emphasis, code ticks, strike-through,
# headings, quotes, table bars, link brackets and link targets.
_SNIPPET_MARKDOWN = re.compile(
    r"\]\([^)\s]*\)?|[*`~|\[\]]+|(?<!\w)_+|_+(?!\w)|(?m:^\s*(?:#{1,6}|>+|[-+]|\d+\.)\s)"
)


def highlighted_snippet(text: str) -> Markup:
    """A search snippet as HTML: Markdown noise stripped, everything escaped, and only the
    balanced marker pairs the database put around matches turned into ``<mark>``; stray
    markers (cut off by the snippet, or typed by an author) are dropped."""
    text = " ".join(_SNIPPET_MARKDOWN.sub(" ", text).split())
    parts: list[str] = []
    position = 0
    for match in _SNIPPET_MATCH.finditer(text):
        parts.append(html.escape(_SNIPPET_MARKER.sub("", text[position : match.start()])))
        inner = html.escape(match.group(1))
        parts.append(f"<mark>{inner}</mark>" if inner.strip() else inner)
        position = match.end()
    parts.append(html.escape(_SNIPPET_MARKER.sub("", text[position:])))
    return Markup("".join(parts))  # noqa: S704 - every piece escaped just above
