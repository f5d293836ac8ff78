"""Tests for forum071.passwords: Argon2id hashing and the password policy."""

from __future__ import annotations

from collections.abc import Iterator

import argon2
import pytest

from forum071 import passwords
from forum071.passwords import (
    CONTAINS_EMAIL,
    CONTAINS_USERNAME,
    MAX_LENGTH,
    MIN_LENGTH,
    REPEATED_CHARACTER,
    TOO_COMMON,
    TOO_LONG,
    TOO_SHORT,
    Problem,
    configure_hasher,
    hash_password,
    needs_rehash,
    password_problems,
    verify_dummy,
    verify_password,
)

FAST = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


@pytest.fixture(autouse=True)
def fast_hasher() -> Iterator[None]:
    # Cheap parameters keep the suite fast; reset after each test in case one changed them.
    configure_hasher(**FAST)
    yield
    configure_hasher(**FAST)


def messages(password: str, **identity: str) -> list[str]:
    return [problem.message for problem in password_problems(password, **identity)]


# --- hashing ---------------------------------------------------------------------------------


def test_hash_is_argon2id_and_salted() -> None:
    first = hash_password("correct horse battery")
    second = hash_password("correct horse battery")
    assert first.startswith("$argon2id$")
    assert first != second


def test_verify_right_and_wrong_password() -> None:
    stored = hash_password("correct horse battery")
    assert verify_password(stored, "correct horse battery") is True
    assert verify_password(stored, "correct horse batterY") is False
    assert verify_password(stored, "") is False


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "not a hash",
        "$argon2id$",
        "$argon2id$v=19$m=1024,t=1,p=1$garbage",
        "$2b$12$abcdefghijklmnopqrstuuJ0X9R0mFzS7Lq1Q6Cw6qX7YQZ1pQZ1a",
        "pbkdf2:sha256:600000$salt$abcdef",
    ],
)
def test_malformed_hash_is_false_not_an_error(stored: str) -> None:
    assert verify_password(stored, "correct horse battery") is False


def test_truncated_hash_is_false() -> None:
    stored = hash_password("correct horse battery")
    assert verify_password(stored[:-5], "correct horse battery") is False


@pytest.mark.parametrize(
    "password",
    [
        "x" * 64,
        "a1B2c3D4" * 8,
        "🐧🐍🌊🔥✨" * 3,
        "Ĳsselmeer🌊stormwind",
        "ä" * 100,
        "abcdefghij" * 10,
    ],
)
def test_long_and_non_ascii_passwords_are_not_truncated(password: str) -> None:
    stored = hash_password(password)
    assert verify_password(stored, password)
    assert not verify_password(stored, password + "x")
    assert not verify_password(stored, password[:-1] + ("y" if password[-1] != "y" else "z"))
    assert not verify_password(stored, password[:-1])


def test_hundred_char_password_last_char_matters() -> None:
    password = "q" * 99 + "a"
    assert len(password) == 100
    stored = hash_password(password)
    assert verify_password(stored, password)
    assert not verify_password(stored, "q" * 99 + "b")


def test_unicode_normalisation_forms_differ() -> None:
    # The bytes are hashed as given; the app must not expect NFC and NFD to match.
    composed, decomposed = "café-terras-zomer", "cafe\u0301-terras-zomer"
    stored = hash_password(composed)
    assert verify_password(stored, composed)
    assert not verify_password(stored, decomposed)


def test_needs_rehash() -> None:
    current = hash_password("correct horse battery")
    assert needs_rehash(current) is False

    configure_hasher(time_cost=2, memory_cost=2048, parallelism=1)
    assert needs_rehash(current) is True
    # An old hash still verifies after the parameters change.
    assert verify_password(current, "correct horse battery")
    assert needs_rehash(hash_password("correct horse battery")) is False


def test_needs_rehash_on_malformed_hash() -> None:
    assert needs_rehash("not a hash") is True


def test_configure_hasher_parameters_end_up_in_hash() -> None:
    configure_hasher(time_cost=2, memory_cost=2048, parallelism=1)
    assert "$m=2048,t=2,p=1$" in hash_password("correct horse battery")


def test_verify_dummy_follows_hasher_parameters() -> None:
    verify_dummy("whatever the user typed")
    assert "$m=1024,t=1,p=1$" in passwords._get_dummy_hash()

    configure_hasher(time_cost=2, memory_cost=2048, parallelism=1)
    verify_dummy("whatever the user typed")
    assert "$m=2048,t=2,p=1$" in passwords._get_dummy_hash()


def test_configure_hasher_none_keeps_argon2_defaults() -> None:
    # The app passes its config values, which are None unless production overrides them.
    configure_hasher(time_cost=None, memory_cost=None, parallelism=None)
    stored = hash_password("correct horse battery")
    assert f"$m={argon2.DEFAULT_MEMORY_COST},t={argon2.DEFAULT_TIME_COST}," in stored
    assert f",p={argon2.DEFAULT_PARALLELISM}$" in stored


def test_verify_dummy_returns_none() -> None:
    assert verify_dummy("") is None
    assert verify_dummy("🌊" * 200) is None


# --- policy ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "paars-fiets-onder-de-brug",
        "Ĳsselmeer🌊stormwind",
        "correct horse battery staple",
        "grachten vol fietsen",
        "de molen draait 's nachts",
        "x" * 9 + "y",
        "z" * (MAX_LENGTH - 1) + "q",
    ],
)
def test_good_passwords_are_accepted(password: str) -> None:
    assert password_problems(password, username="jansen", email="piet@example.nl") == []


def test_too_short() -> None:
    problems = password_problems("k7#Lp2qZ")
    assert problems == [Problem(TOO_SHORT, {"min": MIN_LENGTH})]
    assert problems[0].render() == "Use at least 10 characters."
    assert messages("") == [TOO_SHORT]


def test_length_boundaries_count_characters_not_bytes() -> None:
    assert TOO_SHORT in messages("🌊🐧🔥✨🐍🌊🐧🔥✨")  # 9 characters, 36 bytes
    assert messages("🌊🐧🔥✨🐍🌊🐧🔥✨🐍") == []  # 10 characters
    assert TOO_LONG not in messages("ab" * 64)  # exactly 128


def test_too_long() -> None:
    password = "a1B2c3D4e5" * 12 + "f6G7h8I9j"  # 129 characters
    assert len(password) == MAX_LENGTH + 1
    problems = password_problems(password)
    assert problems == [Problem(TOO_LONG, {"max": MAX_LENGTH})]
    assert str(problems[0]) == "Use at most 128 characters."


@pytest.mark.parametrize(
    "password",
    [
        "1234567890",
        "qwertyuiop",
        "iloveyou12",
        "Password123",
        "  sunshine1234  ",
        "football!!",
        "wachtwoord",
        "wachtwoord123",
        "Welkom01!",
        "Welkom2024!!",
        "voetbal1234",
        "Feyenoord1908",
        "ajax12345678",
        "Oegstgeest71",
        "Leiderdorp2024",
        "forum071!!!",
        "economie071",
        "qwertyuiop1",
        "1qaz2wsx3edc",
        "asdfghjkl;",
    ],
)
def test_common_passwords_are_rejected(password: str) -> None:
    assert TOO_COMMON in messages(password)


@pytest.mark.parametrize(
    "password",
    [
        "P@ssw0rd2024",
        "W4chtw00rd!",
        "$un$h1ne123",
        "Dr4g0n12345",
        "pr1nc3ss2000",
        "he11o12345",
        "K1tty-2024!",
    ],
)
def test_leetspeak_common_passwords_are_rejected(password: str) -> None:
    assert TOO_COMMON in messages(password)


def test_common_list_is_loaded_once_and_large() -> None:
    words = passwords.common_passwords()
    assert words is passwords.common_passwords()
    assert len(words) >= 1500
    assert all(len(word) >= 4 and word == word.casefold() for word in words)
    for word in ("123456", "password", "wachtwoord", "welkom", "katwijk", "forum071", "1qaz2wsx"):
        assert word in words


@pytest.mark.parametrize(
    ("password", "identity"),
    [
        ("MarieJansen-rocks", {"username": "mariejansen"}),
        ("mariejansen", {"username": "MarieJansen"}),
        ("ik-ben-Bob-de-bouwer", {"username": "bob"}),
    ],
)
def test_password_containing_username_is_rejected(password: str, identity: dict[str, str]) -> None:
    assert CONTAINS_USERNAME in messages(password, **identity)


def test_password_containing_email_local_part_is_rejected() -> None:
    problems = messages("zonnebloem.pieter-2024", email="Zonnebloem.Pieter@example.nl")
    assert CONTAINS_EMAIL in problems


def test_short_identity_parts_are_ignored() -> None:
    assert messages("zolder-op-de-fiets", username="op", email="de@example.nl") == []


def test_email_equal_to_username_gives_one_message() -> None:
    problems = messages("ikbenjansen-hier", username="jansen", email="jansen@example.nl")
    assert problems == [CONTAINS_USERNAME]


@pytest.mark.parametrize("password", ["aaaaaaaaaaaa", "............", "🌊" * 12])
def test_single_repeated_character_is_rejected(password: str) -> None:
    assert messages(password) == [REPEATED_CHARACTER]


def test_problems_render_through_a_translator() -> None:
    def fake_gettext(message: str, **params: int | str) -> str:
        return "NL: " + (message % params if params else message)

    problems = password_problems("kort", username="kort")
    rendered = [problem.render(fake_gettext) for problem in problems]
    assert rendered == [
        "NL: Use at least 10 characters.",
        "NL: Your password must not contain your username.",
    ]
