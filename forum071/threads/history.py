"""The versions of an edited post and what changed between them, as plain-text runs.

The runs are text, never HTML: the history template shows them escaped inside <ins> and
<del>, so whatever a version contained stays text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from ..models import PostRevision

SAME, ADDED, REMOVED = "same", "added", "removed"
_WORDS = re.compile(r"\s+|[^\s]+")
# Above this many token pairs a changed block is shown as removed-then-added, not word by word:
# SequenceMatcher is quadratic in the worst case.
MAX_WORD_DIFF = 4_000_000


@dataclass(frozen=True)
class Run:
    kind: str  # SAME, ADDED or REMOVED
    text: str


@dataclass(frozen=True)
class Version:
    revision: PostRevision
    # What changed since the version before; the first version is one SAME run.
    changes: list[Run]

    @property
    def is_original(self) -> bool:
        return self.revision.number == 1


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").splitlines(keepends=True)


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
    old_lines, new_lines = _lines(old), _lines(new)
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


def versions_newest_first(revisions: Sequence[PostRevision]) -> list[Version]:
    """Each version with the changes since the one before, the newest version first."""
    ordered = sorted(revisions, key=lambda revision: revision.number)
    versions = []
    previous: PostRevision | None = None
    for revision in ordered:
        if previous is None:
            changes = [Run(SAME, revision.body)] if revision.body else []
        else:
            changes = diff(previous.body, revision.body)
        versions.append(Version(revision, changes))
        previous = revision
    return list(reversed(versions))
