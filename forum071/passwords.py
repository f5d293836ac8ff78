"""Password hashing (Argon2id) and the password policy.

Hashing
    ``hash_password``, ``verify_password``, ``needs_rehash`` and ``verify_dummy`` use one
    module-level ``argon2.PasswordHasher``. It starts with argon2-cffi's defaults (the RFC 9106
    low-memory profile); the app calls ``configure_hasher`` from its config, and tests call it
    with cheap parameters.

Policy
    ``password_problems`` returns a list of ``Problem`` objects. A ``Problem`` holds an English
    message template (one of the module constants such as ``TOO_SHORT``) and the params to
    format it with, so the app can translate it first::

        from flask_babel import gettext
        errors = [problem.render(gettext) for problem in password_problems(pw, username=name)]

    ``render`` calls ``translate(message, **params)``, the signature of flask_babel's
    ``gettext``, which only applies ``%`` formatting when there are params. The constants are
    wrapped in the no-op marker ``N_``, one of ``pybabel extract``'s default keywords.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = [
    "CONTAINS_EMAIL",
    "CONTAINS_USERNAME",
    "MAX_LENGTH",
    "MIN_LENGTH",
    "REPEATED_CHARACTER",
    "TOO_COMMON",
    "TOO_LONG",
    "TOO_SHORT",
    "Problem",
    "common_passwords",
    "configure_hasher",
    "hash_password",
    "is_common_password",
    "needs_rehash",
    "password_problems",
    "verify_dummy",
    "verify_password",
]


# --------------------------------------------------------------------------------------------
# Hashing
# --------------------------------------------------------------------------------------------

_hasher: argon2.PasswordHasher = argon2.PasswordHasher()
# Made by configure_hasher, or lazily if the app never calls it: not at import time.
_dummy_hash: str | None = None


def configure_hasher(
    time_cost: int | None = None,
    memory_cost: int | None = None,
    parallelism: int | None = None,
) -> None:
    """Replace the module hasher; ``memory_cost`` is in KiB.

    None (the config's default) keeps argon2-cffi's value, the RFC 9106 low-memory profile.
    """
    global _hasher, _dummy_hash
    _hasher = argon2.PasswordHasher(
        time_cost=argon2.DEFAULT_TIME_COST if time_cost is None else time_cost,
        memory_cost=argon2.DEFAULT_MEMORY_COST if memory_cost is None else memory_cost,
        parallelism=argon2.DEFAULT_PARALLELISM if parallelism is None else parallelism,
        type=argon2.Type.ID,
    )
    # The dummy must cost what a real verification costs, so it follows the new parameters;
    # made now so the first unknown-user login is not slower than later ones.
    _dummy_hash = None
    _get_dummy_hash()


def hash_password(password: str) -> str:
    """Return an Argon2id hash (``$argon2id$...``) of the full UTF-8 password."""
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True if ``password`` matches ``stored_hash``; False for a mismatch or a bad hash."""
    if not stored_hash or not isinstance(stored_hash, str):
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        # VerifyMismatchError is a VerificationError; a corrupt hash must not become a 500.
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True if the hash was made with other parameters than the current hasher's.

    A hash that cannot be parsed also needs replacing, so it returns True rather than raising.
    """
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except (InvalidHashError, ValueError, TypeError):
        return True


def _get_dummy_hash() -> str:
    global _dummy_hash
    if _dummy_hash is None:
        # A benign race: two threads may both compute it, and either result is fine.
        _dummy_hash = _hasher.hash("forum071 dummy password for timing")
    return _dummy_hash


def verify_dummy(password: str) -> None:
    """Spend the time of one real verification, for logins with an unknown username.

    Without it the unknown-user path answers faster and leaks which usernames exist.
    """
    verify_password(_get_dummy_hash(), password)


# --------------------------------------------------------------------------------------------
# Policy
# --------------------------------------------------------------------------------------------


def N_(message: str) -> str:
    """Mark a string for translation extraction without translating it here."""
    return message


# Counted in characters (code points), not bytes: argon2 hashes all UTF-8 bytes untruncated.
MIN_LENGTH = 10
MAX_LENGTH = 128

TOO_SHORT = N_("Use at least %(min)d characters.")
TOO_LONG = N_("Use at most %(max)d characters.")
TOO_COMMON = N_("This password is too common. Choose something less predictable.")
CONTAINS_USERNAME = N_("Your password must not contain your username.")
CONTAINS_EMAIL = N_("Your password must not contain your email address.")
REPEATED_CHARACTER = N_("Don't use a single repeated character.")

# Below this length a username or email part would match too many good passwords.
_MIN_IDENTITY_LENGTH = 3

_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
# "1" stands for "l" about as often as for "i" (he11o), so both readings are checked.
_LEET_L = str.maketrans({"1": "l"})
# Trailing digits, punctuation, symbols and spaces: "Welkom01!" is still "welkom".
_TRAILING_JUNK = re.compile(r"[\W\d_]+\Z")


@dataclass(frozen=True, slots=True)
class Problem:
    """One policy violation: an English message template and its ``%`` params."""

    message: str
    params: Mapping[str, int | str] = field(default_factory=dict)

    def render(self, translate: Callable[..., str] | None = None) -> str:
        """Format the message, translated first when ``translate`` (e.g. gettext) is given."""
        if translate is not None:
            return translate(self.message, **self.params)
        return self.message % self.params if self.params else self.message

    def __str__(self) -> str:
        return self.render()


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list, read once; via importlib.resources so it works when installed."""
    text = (files("forum071") / "data" / "common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        word
        for line in text.splitlines()
        if len(word := line.strip().casefold()) >= 4 and not word.startswith("#")
    )


def _common_candidates(password: str) -> set[str]:
    """The forms of ``password`` that are looked up in the common list."""
    value = password.strip().casefold()
    forms = {value, value.translate(_LEET), value.translate(_LEET_L).translate(_LEET)}
    # Strip junk before undoing leetspeak too, or "wachtwoord123" would become "wachtwoordi2e".
    stripped = _TRAILING_JUNK.sub("", value)
    forms |= {stripped, stripped.translate(_LEET), stripped.translate(_LEET_L).translate(_LEET)}
    forms |= {_TRAILING_JUNK.sub("", form) for form in list(forms)}
    return {form for form in forms if form}


def is_common_password(password: str) -> bool:
    """True if the password, or its base without trailing digits/punctuation, is common."""
    return not common_passwords().isdisjoint(_common_candidates(password))


def _email_local_part(email: str) -> str:
    return email.strip().rpartition("@")[0] if "@" in email else email.strip()


def password_problems(password: str, *, username: str = "", email: str = "") -> list[Problem]:
    """Return every policy problem with ``password``; an empty list means it is acceptable."""
    problems: list[Problem] = []
    if len(password) < MIN_LENGTH:
        problems.append(Problem(TOO_SHORT, {"min": MIN_LENGTH}))
    if len(password) > MAX_LENGTH:
        problems.append(Problem(TOO_LONG, {"max": MAX_LENGTH}))
    if password and len(set(password)) == 1:
        problems.append(Problem(REPEATED_CHARACTER))
    elif password.strip() and is_common_password(password):
        problems.append(Problem(TOO_COMMON))

    folded = password.casefold()
    name = username.strip().casefold()
    if len(name) >= _MIN_IDENTITY_LENGTH and name in folded:
        problems.append(Problem(CONTAINS_USERNAME))
    local = _email_local_part(email).casefold()
    # Skip it when it is the username, so one mistake does not give two messages.
    if len(local) >= _MIN_IDENTITY_LENGTH and local != name and local in folded:
        problems.append(Problem(CONTAINS_EMAIL))
    return problems
