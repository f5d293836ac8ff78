"""What the names people choose may contain: usernames, thread titles, organisations.

Usernames take letters of any alphabet (so Åsa and Jürgen can register), stored in NFC and in
lower case. Two names that look alike are one name too many: each username has a *skeleton*,
after Unicode TR39 (compatibility forms and case folded, then look-alike letters mapped to one
of them), and the database keeps skeletons unique. The table below is a small, deliberate part
of TR39's confusables: the Cyrillic, Greek and Armenian letters that pass for Latin ones, and
the digit and letter pairs that read alike. Names mixing scripts (a Cyrillic "a" among Latin
letters) are refused outright, as TR39's "highly restrictive" profile does.

Bidirectional controls reorder what is shown without being seen (U+202E turns "txt.exe"
around), so no name or title may contain them. Posts may: Arabic and Hebrew text needs them.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from wtforms import ValidationError

from .i18n import lazy_gettext as _l

USERNAME_MIN_LENGTH = 3
USERNAME_MAX_LENGTH = 30

# Embeddings and overrides (U+202A-202E), isolates (U+2066-2069), the left-to-right and
# right-to-left marks (U+200E/F) and the Arabic letter mark (U+061C).
BIDI_CONTROLS = frozenset(
    [chr(code) for code in range(0x202A, 0x202F)]
    + [chr(code) for code in range(0x2066, 0x206A)]
    + ["\u200e", "\u200f", "\u061c"]
)

BIDI_MESSAGE = _l(
    "Remove the invisible text-direction characters (such as U+202E): they can make the text "
    "look different from what it is."
)
USERNAME_CHARACTERS_MESSAGE = _l("Use only letters, digits and underscores.")
USERNAME_COMPATIBILITY_MESSAGE = _l(
    "Use ordinary letters: no styled, full-width or combined characters such as “\ufb01” or "
    "“\U0001d41a”."
)
USERNAME_MIXED_SCRIPTS_MESSAGE = _l(
    "Use the letters of one alphabet: a name mixing, say, Latin and Cyrillic letters can pass "
    "for someone else's."
)

# Look-alikes, after NFKC and case folding, mapped to the letter they pass for (written as
# escapes: the source should not itself be confusable).
_CONFUSABLES = {
    "\u0430": "a",  # cyrillic small letter a
    "\u0441": "c",  # cyrillic small letter es
    "\u0501": "d",  # cyrillic small letter komi de
    "\u0435": "e",  # cyrillic small letter ie
    "\u04bb": "h",  # cyrillic small letter shha
    "\u0456": "i",  # cyrillic small letter byelorussian-ukrainian i
    "\u0458": "j",  # cyrillic small letter je
    "\u043a": "k",  # cyrillic small letter ka
    "\u04cf": "l",  # cyrillic small letter palochka
    "\u043e": "o",  # cyrillic small letter o
    "\u0440": "p",  # cyrillic small letter er
    "\u051b": "q",  # cyrillic small letter qa
    "\u0455": "s",  # cyrillic small letter dze
    "\u0443": "y",  # cyrillic small letter u
    "\u0445": "x",  # cyrillic small letter ha
    "\u051d": "w",  # cyrillic small letter we
    "\u04af": "y",  # cyrillic small letter straight u
    "\u0261": "g",  # latin small letter script g
    "\u03b1": "a",  # greek small letter alpha
    "\u03b3": "y",  # greek small letter gamma
    "\u03b9": "i",  # greek small letter iota
    "\u03ba": "k",  # greek small letter kappa
    "\u03bd": "v",  # greek small letter nu
    "\u03bf": "o",  # greek small letter omicron
    "\u03c1": "p",  # greek small letter rho
    "\u03c5": "u",  # greek small letter upsilon
    "\u03c7": "x",  # greek small letter chi
    "\u0585": "o",  # armenian small letter oh
    "\u057d": "u",  # armenian small letter seh
    "\u0570": "h",  # armenian small letter ho
    "\u0566": "q",  # armenian small letter za
    "\u0578": "n",  # armenian small letter vo
    "\u0581": "g",  # armenian small letter co
    "\u0131": "i",  # latin small letter dotless i
    "\u0237": "j",  # latin small letter dotless j
    "0": "o",  # digit zero
    "1": "l",  # digit one
    "m": "rn",  # latin small letter m
    "w": "vv",  # latin small letter w
}
# Scripts that TR39's highly restrictive profile lets one name combine.
_SCRIPT_COMBINATIONS = (
    {"LATIN", "CJK", "HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA"},
    {"LATIN", "CJK", "BOPOMOFO"},
    {"LATIN", "CJK", "HANGUL"},
)


def has_bidi_control(text: str) -> bool:
    return any(character in BIDI_CONTROLS for character in text)


def no_bidi_controls(form: Any, field: Any) -> None:
    """A WTForms validator: refuse direction controls (the field keeps what was typed)."""
    if has_bidi_control(field.data or ""):
        raise ValidationError(BIDI_MESSAGE)


def normalise_username(value: str) -> str:
    """How a username is stored and looked up: trimmed, lower case, NFC."""
    return unicodedata.normalize("NFC", value.strip().lower())


def skeleton(username: str) -> str:
    """The form two look-alike names share (TR39's skeleton, with the table above)."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username).casefold())
    mapped = "".join(_CONFUSABLES.get(character, character) for character in folded)
    return unicodedata.normalize("NFD", mapped)


def _script(character: str) -> str | None:
    """The script a letter belongs to, from its Unicode name (LATIN, CYRILLIC, CJK, ...);
    None for digits and the underscore, which go with any script."""
    if not unicodedata.category(character).startswith("L"):
        return None
    return unicodedata.name(character, "UNKNOWN").split(" ", 1)[0]


def _allowed_character(character: str) -> bool:
    if character == "_" or "0" <= character <= "9":
        return True
    # Letters of every alphabet, but not the modifier letters that pass for punctuation
    # (U+02BC, U+02C8, U+02D0). Combining marks are left out: @mentions match word characters only.
    return unicodedata.category(character).startswith("L") and not unicodedata.name(
        character, ""
    ).startswith("MODIFIER LETTER")


def username_problem(username: str) -> str | None:
    """Why a (normalised) username cannot be used, or None when it can.

    Length and whether it is taken are checked elsewhere; this is about its characters.
    """
    if has_bidi_control(username):
        return str(BIDI_MESSAGE)
    if not all(_allowed_character(character) for character in username):
        return str(USERNAME_CHARACTERS_MESSAGE)
    if unicodedata.normalize("NFKC", username) != username:
        return str(USERNAME_COMPATIBILITY_MESSAGE)
    scripts = {script for script in map(_script, username) if script is not None}
    if len(scripts) > 1 and not any(scripts <= allowed for allowed in _SCRIPT_COMBINATIONS):
        return str(USERNAME_MIXED_SCRIPTS_MESSAGE)
    return None


def username_characters(form: Any, field: Any) -> None:
    """A WTForms validator for a (normalised) username's characters; the text is kept."""
    problem = username_problem(field.data or "")
    if problem is not None:
        raise ValidationError(problem)
