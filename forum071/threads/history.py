"""The versions of an edited post and what changed between them, as plain-text runs.

The runs are text, never HTML: the history template shows them escaped inside <ins> and
<del>, so whatever a version contained stays text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from ..models import PostRevision

SAME, ADDED, REMOVED = "same", "added", "removed"
_WORDS = re.compile(r"\s+|[^\s]+")
# Above this many token pairs a changed block is shown as removed-then-added, not word by word:
# SequenceMatcher is quadratic in the worst case.
MAX_WORD_DIFF = 4_000_000


# Blank lines before the text: Markdown shows nothing for them, so they are no change. (A
# client that keeps the line break after <textarea> sends one more with every edit.)
_LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t]*\n)+")


@dataclass(frozen=True)
class Run:
    kind: str  # SAME, ADDED or REMOVED
    text: str

    @property
    def blank(self) -> bool:
        """Only spaces or line breaks: nothing to see or hear, so the page says what it is."""
        return not self.text.strip()

    @property
    def line_breaks(self) -> int:
        return self.text.count("\n")


@dataclass(frozen=True)
class Version:
    revision: PostRevision
    # What changed since the version before; the first version shown is one SAME run.
    changes: list[Run]
    # An opening post's title: one SAME run for the first version shown, the change where it
    # changed, nothing where it stayed the same (and for replies).
    title_changes: list[Run] = field(default_factory=list)
    # Before a redaction: shown to moderators only.
    redacted: bool = False

    @property
    def is_original(self) -> bool:
        return self.revision.number == 1


@dataclass(frozen=True)
class History:
    versions: list[Version]  # newest first
    # The latest redaction when the viewer may not see the versions before it, and how many
    # versions that withholds.
    redaction: PostRevision | None = None
    withheld: int = 0


def _normalised(text: str) -> str:
    return _LEADING_BLANK_LINES.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _word_runs(old: str, new: str) -> list[Run]:
    old_words, new_words = _WORDS.findall(old), _WORDS.findall(new)
    if len(old_words) * len(new_words) > MAX_WORD_DIFF:
        return [Run(REMOVED, old), Run(ADDED, new)]
    runs = []
    matcher = SequenceMatcher(None, old_words, new_words, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            runs.append(Run(SAME, "".join(old_words[i1:i2])))
            continue
        if i2 > i1:
            runs.append(Run(REMOVED, "".join(old_words[i1:i2])))
        if j2 > j1:
            runs.append(Run(ADDED, "".join(new_words[j1:j2])))
    return runs


def diff(old: str, new: str) -> list[Run]:
    """The runs of kept, removed and added text that turn ``old`` into ``new``.

    Lines are compared first; lines that were changed (not only added or removed) are
    compared word by word, so a corrected typo shows as one word, not a whole paragraph.
    """
    old_lines, new_lines = _lines(_normalised(old)), _lines(_normalised(new))
    runs: list[Run] = []
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old_part, new_part = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        if tag == "equal":
            runs.append(Run(SAME, old_part))
        elif tag == "delete":
            runs.append(Run(REMOVED, old_part))
        elif tag == "insert":
            runs.append(Run(ADDED, new_part))
        else:
            runs.extend(_word_runs(old_part, new_part))
    return _merged(runs)


def _merged(runs: list[Run]) -> list[Run]:
    """Adjacent runs of the same kind as one, and no empty runs."""
    merged: list[Run] = []
    for run in runs:
        if not run.text:
            continue
        if merged and merged[-1].kind == run.kind:
            merged[-1] = Run(run.kind, merged[-1].text + run.text)
        else:
            merged.append(run)
    return merged


def post_history(revisions: Sequence[PostRevision], *, show_redacted: bool) -> History:
    """Each version with the changes since the one before, the newest version first.

    Versions before a moderator's redaction are left out unless ``show_redacted`` (for
    moderators, who see them marked): the first version left is then shown whole, so no diff
    gives the removed text away.
    """
    ordered = sorted(revisions, key=lambda revision: revision.number)
    redactions = [revision for revision in ordered if revision.redaction]
    latest_redaction = redactions[-1] if redactions else None
    withheld = 0
    if latest_redaction is not None and not show_redacted:
        withheld = sum(1 for revision in ordered if revision.number < latest_redaction.number)
        ordered = ordered[withheld:]
    versions = []
    previous: PostRevision | None = None
    for revision in ordered:
        if previous is None:
            changes = [Run(SAME, revision.body)] if revision.body else []
            titles = [Run(SAME, revision.title)] if revision.title else []
        else:
            changes = diff(previous.body, revision.body)
            titles = _title_runs(previous.title, revision.title)
        redacted = latest_redaction is not None and revision.number < latest_redaction.number
        versions.append(Version(revision, changes, titles, redacted))
        previous = revision
    return History(
        list(reversed(versions)), latest_redaction if withheld else None, withheld
    )


def _title_runs(old: str | None, new: str | None) -> list[Run]:
    if old is None or new is None or old == new:
        return []
    return _merged(_word_runs(old, new))
