"""Atom (RFC 4287) documents, built with ElementTree.

The serializer escapes every text and attribute value, so user text (titles, usernames) can
never break out of its element; entry content is the post's stored, already sanitised HTML,
sent escaped as ``<content type="html">``. Nothing here reads the request or the database.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime

ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml"
# The date in every tag: URI (RFC 4151). Part of each id, so it must never change.
TAG_DATE = "2019"
# An empty feed still needs an <updated>; a fixed one keeps its ETag stable.
EMPTY_FEED_UPDATED = datetime(2019, 1, 1, tzinfo=UTC)

# Characters XML 1.0 does not allow at all, even escaped (most C0 controls, lone surrogates,
# U+FFFE/U+FFFF): one of them in a title would make the whole feed unreadable.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def tag_uri(authority: str, specific: str) -> str:
    """A stable id such as ``tag:forum071,2019:thread-12`` (RFC 4151).

    Built from database ids only, never from titles or the request's host, so an entry keeps
    its id when its title is edited or the site is reached under another name.
    """
    return f"tag:{authority},{TAG_DATE}:{specific}"


def rfc3339(moment: datetime) -> str:
    """``2024-05-01T09:30:00Z``: UTC, whole seconds."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to an Atom feed")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


@dataclass(frozen=True)
class Category:
    term: str
    label: str
    scheme: str | None = None


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    link: str
    published: datetime
    updated: datetime
    author_name: str
    author_uri: str | None  # None: a former member, who has no profile
    # Stored sanitised HTML (rendering.render_markdown's output); None leaves content out.
    content_html: str | None = None
    categories: tuple[Category, ...] = ()


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    self_url: str
    alternate_url: str
    # Relative links inside stored HTML (e.g. @mentions, "/users/ann") resolve against this.
    base_url: str
    language: str
    entries: list[Entry] = field(default_factory=list)

    @property
    def updated(self) -> datetime:
        """The feed changed last when its most recently changed entry did."""
        return max((entry.updated for entry in self.entries), default=EMPTY_FEED_UPDATED)


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _xml_text(v) for k, v in attributes.items()})
    if text is not None:
        element.text = _xml_text(text)
    return element


def _add_entry(feed_element: ET.Element, entry: Entry) -> None:
    element = _add(feed_element, "entry")
    _add(element, "id", entry.id)
    _add(element, "title", entry.title, type="text")
    _add(element, "link", rel="alternate", type="text/html", href=entry.link)
    _add(element, "published", rfc3339(entry.published))
    _add(element, "updated", rfc3339(entry.updated))
    author = _add(element, "author")
    _add(author, "name", entry.author_name)
    if entry.author_uri is not None:
        _add(author, "uri", entry.author_uri)
    for category in entry.categories:
        attributes = {"term": category.term, "label": category.label}
        if category.scheme:
            attributes["scheme"] = category.scheme
        _add(element, "category", **attributes)
    if entry.content_html is not None:
        _add(element, "content", entry.content_html, type="html")


def render(feed: Feed) -> bytes:
    """The feed as a UTF-8 XML document."""
    root = ET.Element(
        "feed",
        {
            "xmlns": ATOM_NAMESPACE,
            "xml:lang": feed.language,
            "xml:base": _xml_text(feed.base_url),
        },
    )
    _add(root, "id", feed.id)
    _add(root, "title", feed.title, type="text")
    _add(root, "updated", rfc3339(feed.updated))
    _add(root, "link", rel="self", type=MEDIA_TYPE, href=feed.self_url)
    _add(root, "link", rel="alternate", type="text/html", href=feed.alternate_url)
    # Every entry names its own author; this one makes an empty feed valid Atom as well.
    _add(_add(root, "author"), "name", "Forum071")
    _add(root, "generator", "forum071")
    for entry in feed.entries:
        _add_entry(root, entry)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
