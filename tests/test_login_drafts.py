"""Logging in: failed attempts counted so that nobody can lock another out, and the draft kept
through a login, which only its writer can send (issue 10)."""

from __future__ import annotations

from tests.factories import PASSWORD
from tests.test_ratelimits import WRONG_PASSWORD, assert_refused, client_from, limited_app


def login(client, name: str, password: str = WRONG_PASSWORD):
    return client.post("/auth/login", data={"login": name, "password": password})


# Failed-login limits ------------------------------------------------------------------------


def test_someone_guessing_from_one_address_does_not_lock_the_owner_out(app_factory, make):
    app = limited_app(app_factory, RATELIMIT_LOGIN_ACCOUNT="3 per minute")
    make.user("ondernemer")
    attacker = client_from(app, "203.0.113.66")
    for _ in range(3):
        assert login(attacker, "ondernemer").status_code == 422
    assert_refused(login(attacker, "ondernemer"))
    assert_refused(login(attacker, "Ondernemer ", PASSWORD))  # this pair waits

    owner = client_from(app, "198.51.100.7")
    assert login(owner, "ondernemer", PASSWORD).status_code == 302


def test_the_owner_may_still_mistype_after_someone_else_guessed(app_factory, make):
    app = limited_app(app_factory, RATELIMIT_LOGIN_ACCOUNT="3 per minute")
    make.user("ondernemer")
    attacker = client_from(app, "203.0.113.66")
    for _ in range(4):
        login(attacker, "ondernemer")

    owner = client_from(app, "198.51.100.7")
    assert login(owner, "ondernemer").status_code == 422
    assert login(owner, "ondernemer", PASSWORD).status_code == 302


def test_a_guess_from_many_addresses_is_stopped_by_the_accounts_total(app_factory, make):
    app = limited_app(
        app_factory,
        RATELIMIT_LOGIN_ACCOUNT="3 per minute",
        RATELIMIT_LOGIN_ACCOUNT_TOTAL="5 per minute",
    )
    make.user("ondernemer")
    for number in range(5):
        guesser = client_from(app, f"203.0.113.{number + 1}")
        assert login(guesser, "  Ondernemer ").status_code == 422

    assert_refused(login(client_from(app, "203.0.113.99"), "ondernemer"))
    assert_refused(login(client_from(app, "198.51.100.7"), "ondernemer", PASSWORD))
    # Other accounts are not affected.
    assert login(client_from(app, "203.0.113.1"), "iemand_anders").status_code == 422


# The demo accounts ---------------------------------------------------------------------------


def test_the_readme_names_every_demo_user_with_their_role():
    from pathlib import Path

    from forum071.seed_data import DEMO_USERS

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(" `"): line.split("|")[2] for line in readme.splitlines()
            if line.startswith("| `")}
    for user in DEMO_USERS:
        assert user["role"] in rows.get(user["username"], ""), user["username"]
