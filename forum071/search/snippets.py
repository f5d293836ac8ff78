"""Search snippets made from a bounded start of each post, so that no post is costly to show
however long it is or however often it repeats a word.

FTS5's snippet() scores a window at every match of every phrase by looking at every other
match: quadratic in the matches of one post ("a " * 16,000 cost 1.6 s for ``q=a``, so twenty
such posts on a page took half a minute). PostgreSQL's ts_headline parses the whole text it is
given. Both therefore see only the first SNIPPET_SOURCE_LENGTH characters of a post: PostgreSQL
gets that prefix as ts_headline's document; on SQLite the words are marked here, in one pass,
as FTS5's unicode61 tokenizer (remove_diacritics 2) reads them. A post that matches only
further on is shown from its beginning, unmarked.

The result carries the database's markers (rendering.SNIPPET_START/END) around matches; the
renderer's highlighted_snippet turns it into HTML.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

from ..rendering import SNIPPET_END, SNIPPET_START

# ts_headline costs ~3 ms per hit for 1,000 characters of a hostile text ("a a a ..." searched
# for the phrase "a a"), so a page of twenty stays far below the 200 ms a search may take.
SNIPPET_SOURCE_LENGTH = 1_000
SNIPPET_WORDS = 16
ELLIPSIS = "…"
# A word as FTS5's unicode61 tokenizer sees one: letters and digits (so "_" separates too).
_WORD = re.compile(r"[^\W_]+")


def fold(word: str) -> str:
    """A word as the index compares it: lower case, without diacritics (``Café`` -> ``cafe``)."""
    word = word.lower()
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _phrases(terms: Iterable[str]) -> dict[str, list[tuple[int, tuple[str, ...]]]]:
    """The phrases by their first word, each with a number (to count different ones)."""
    by_first: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
    for number, term in enumerate(dict.fromkeys(terms)):
        words = tuple(fold(word) for word in _WORD.findall(term))
        if words:
            by_first.setdefault(words[0], []).append((number, words))
    return by_first


def mark_matches(text: str, terms: Iterable[str], length: int = SNIPPET_WORDS) -> str:
    """About ``length`` words of ``text`` (its first SNIPPET_SOURCE_LENGTH characters), where
    the most different search terms occur, with each occurrence between the markers.

    Linear in the bounded text: the window slides over the matches once.
    """
    truncated = len(text) > SNIPPET_SOURCE_LENGTH
    source = text[:SNIPPET_SOURCE_LENGTH]
    spans = [match.span() for match in _WORD.finditer(source)]
    if truncated and spans and spans[-1][1] == len(source) and text[len(source)].isalnum():
        spans.pop()  # a word cut in two by the bound is not a word of the post
    words = [fold(source[start:end]) for start, end in spans]
    by_first = _phrases(terms)
    # (first word, last word, phrase number) of every occurrence, in order.
    hits: list[tuple[int, int, int]] = []
    for index, word in enumerate(words):
        for number, phrase in by_first.get(word, ()):
            if tuple(words[index : index + len(phrase)]) == phrase:
                hits.append((index, index + len(phrase) - 1, number))
    start = _best_window(hits, len(words), length, len({n for _f, _l, n in hits}))
    end = min(start + length, len(words))
    if not spans or start >= end:
        return ""
    pieces = [ELLIPSIS] if start > 0 else []
    position = spans[start][0]
    for first, last, _number in hits:
        if last < start or first >= end:
            continue
        first, last = max(first, start), min(last, end - 1)
        if spans[first][0] < position:
            continue  # overlaps an occurrence already marked
        pieces += [source[position : spans[first][0]], SNIPPET_START,
                   source[spans[first][0] : spans[last][1]], SNIPPET_END]  # fmt: skip
        position = spans[last][1]
    pieces.append(source[position : spans[end - 1][1]])
    if end < len(words) or truncated:
        pieces.append(ELLIPSIS)
    return "".join(pieces)


def _best_window(hits: list[tuple[int, int, int]], words: int, length: int, wanted: int) -> int:
    """The first word of the earliest window with the most different phrases in it; windows
    start a quarter of their length before an occurrence (some context before it)."""
    lead = length // 4
    best_start, best = 0, 0
    counts: Counter[int] = Counter()
    left = right = 0
    for first, _last, _number in hits:
        start = max(0, min(first - lead, words - length))
        while right < len(hits) and hits[right][1] < start + length:
            counts[hits[right][2]] += 1
            right += 1
        while left < right and hits[left][0] < start:
            counts[hits[left][2]] -= 1
            if not counts[hits[left][2]]:
                del counts[hits[left][2]]
            left += 1
        if len(counts) > best:
            best_start, best = start, len(counts)
            if best == wanted:
                break
    return best_start
