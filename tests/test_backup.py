"""Backups and restoring (issue 10): `flask backup FILE` and `flask restore FILE` give back
every row of every table, the search index with them, and no stale page; on SQLite and
PostgreSQL alike."""

from __future__ import annotations

import os
import re
import stat
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import inspect, select, table, text

from forum071.extensions import db
from forum071.models import User, cache_generation
from forum071.page_cache import bump_generation
from tests.conftest import CSRFClient
from tests.factories import PASSWORD

# A made-up word that only the restored pitch contains.
WORD = "zonnedakcooperatie"
AFTER_BACKUP = "Geschreven na de backup"


def snapshot(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table in the database (the search index's tables too)."""
    with app.app_context():
        names = inspect(db.engine).get_table_names()
        with db.engine.connect() as connection:
            return {
                name: sorted(
                    (
                        tuple(row)
                        for row in connection.execute(select(text("*")).select_from(table(name)))
                    ),
                    key=repr,
                )
                for name in names
            }


def generation(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(cache_generation.c.value))


def bump(app: Flask) -> None:
    """A later write by another worker: the generation moves on by one."""
    with app.app_context(), db.engine.begin() as connection:
        bump_generation(connection)


def logged_in(app: Flask, username: str) -> CSRFClient:
    client = app.test_client()
    response = client.post("/auth/login", data={"login": username, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return client


def refused(result) -> bool:
    """The command stopped with its own message (a ClickException), not a traceback."""
    return (
        result.exit_code == 1
        and isinstance(result.exception, SystemExit)
        and ("Error: " in result.output)
    )


def populate(app: Flask, make, runner) -> int:
    """Fill every table: generated users, threads, posts, supports and follows, and a pitch
    with an edit, an update, a mention, a reply, a support, a flag, follows and a lock;
    return the pitch's id."""
    result = runner.invoke(
        args=["generate", "--users", "12", "--threads", "8", "--posts", "40", "--batch-size", "7"]
    )
    assert result.exit_code == 0, result.output
    if generation(app) is None:  # the fixtures empty every table, this counter's row too
        with app.app_context():
            db.session.execute(cache_generation.insert().values(id=1, value=1))
            db.session.commit()
    make.user("pitcher_backup")
    make.user("lid_backup", role="student")
    make.user("mod_backup", role="moderator")
    make.user("vertrekker_backup")
    pitcher, member, moderator, leaver = (
        logged_in(app, name)
        for name in ("pitcher_backup", "lid_backup", "mod_backup", "vertrekker_backup")
    )
    page = pitcher.get("/threads/new?kind=pitch").get_data(as_text=True)
    assert 'name="submission_id"' in page
    response = pitcher.post(
        "/threads/new",
        data={
            "kind": "pitch",
            "theme": "circulaire-economie",
            "projects": ["masterclass-circulaire-economie"],
            "title": "Een coöperatie voor zonnedaken",
            "body": f"Wie doet mee aan de {WORD}? @lid_backup, jij toch?",
            "stage": "pilot",
            "ask": "Een locatie",
            "ask_categories": ["location"],
        },
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)
    thread_id = int(response.headers["Location"].split("/threads/")[1].split("-")[0])
    post_id = make.first_post_id(thread_id)
    edit_form = pitcher.get(f"/posts/{post_id}/edit").get_data(as_text=True)
    version = re.search(r'name="base_version" type="hidden" value="(\d+)"', edit_form)
    assert version, "no base_version on the edit form"
    steps = [
        (
            pitcher,
            f"/posts/{post_id}/edit",
            {"body": f"Wie doet mee aan de {WORD}? @lid_backup!", "base_version": version[1]},
        ),
        (pitcher, f"/threads/{thread_id}/updates/new", {"body": "De eerste daken liggen er."}),
        (member, f"/threads/{thread_id}/reply", {"body": "Ik help mee met de aanvraag."}),
        (member, f"/posts/{post_id}/support", {}),
        (member, f"/posts/{post_id}/flag", {"reason": "other", "note": "Reclame?"}),
        (member, "/themes/circulaire-economie/follow", {}),
        (member, "/projects/masterclass-circulaire-economie/follow", {}),
        (moderator, f"/moderation/threads/{thread_id}/lock", {"reason": "Even pauze"}),
        (member, "/auth/reset", {"login": "lid_backup"}),  # a mail in the outbox
        # A deleted account leaves its name reserved (released_usernames).
        (leaver, "/account/delete", {"password": PASSWORD, "posts": "keep"}),
    ]
    for client, url, data in steps:
        response = client.post(url, data=data)
        assert response.status_code in (302, 303), (url, response.status_code)
    return thread_id


def test_a_restored_backup_has_every_row_of_every_table_and_is_found(
    app, app_factory, make, runner, tmp_path
):
    thread_id = populate(app, make, runner)
    before = snapshot(app)
    assert [name for name, rows in before.items() if not rows] == []
    backup = tmp_path / "forum.backup"

    result = runner.invoke(args=["backup", str(backup)])

    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600  # password hashes and email addresses
    assert not list(tmp_path.glob(".*partial"))

    # Life goes on: a reply and an account after the backup, and a visitor's page that shows
    # the reply in a worker's page cache.
    make.reply(make.user("nieuwkomer"), thread_id, AFTER_BACKUP)
    bump(app)
    cached = app_factory(ANONYMOUS_PAGE_CACHE_ENTRIES=50)
    visitor = cached.test_client()
    url = visitor.get(f"/threads/{thread_id}", follow_redirects=True).request.path
    assert AFTER_BACKUP in visitor.get(url).get_data(as_text=True)
    seen_generation = generation(app)

    refusal = runner.invoke(args=["restore", str(backup)])

    assert refused(refusal)
    assert "--yes" in refusal.output
    assert snapshot(app) != before  # nothing was touched

    result = cached.test_cli_runner().invoke(args=["restore", "--yes", str(backup)])

    assert result.exit_code == 0, result.output
    after = snapshot(app)
    assert after.keys() == before.keys()
    for name in before:
        if name != "cache_generation":
            assert after[name] == before[name], f"table {name} differs after the restore"
    assert generation(app) > seen_generation
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "nieuwkomer")) is None
    # Whatever the next writes count up to, no page from before the restore comes back.
    for _ in range(3):
        bump(app)
        assert AFTER_BACKUP not in visitor.get(url).get_data(as_text=True)
    found = app.test_client().get("/api/v1/search", query_string={"q": WORD}).get_json()
    assert [item["thread_id"] for item in found["items"]] == [thread_id]
    # The restored sequences go on where the backup left off.
    assert make.reply(make.user("na_herstel"), thread_id, "Weer open?")


def test_restore_refuses_a_file_that_is_no_backup_and_changes_nothing(app, make, runner, tmp_path):
    make.user("blijft_bestaan")
    before = snapshot(app)
    garbage = tmp_path / "notes.txt"
    garbage.write_text("Dit is geen backup.\n" * 100)

    result = runner.invoke(args=["restore", "--yes", str(garbage)])

    assert refused(result)
    assert "not a forum071 backup" in result.output
    assert snapshot(app) == before


def test_a_truncated_backup_is_refused_and_changes_nothing(app, make, runner, tmp_path):
    make.user("voor_de_backup")
    backup = tmp_path / "forum.backup"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    make.user("na_de_backup")
    before = snapshot(app)
    whole = backup.read_bytes()
    backup.write_bytes(whole[: len(whole) * 9 // 10])

    result = runner.invoke(args=["restore", "--yes", str(backup)])

    assert refused(result)
    assert snapshot(app) == before


def test_backup_replaces_an_older_file_whole(app, make, runner, tmp_path):
    make.user("eerste_lid")
    backup = tmp_path / "forum.backup"
    backup.write_bytes(b"an older backup" * 10_000)

    result = runner.invoke(args=["backup", str(backup)])

    assert result.exit_code == 0, result.output
    assert b"an older backup" not in backup.read_bytes()


@pytest.mark.skipif(
    bool(os.environ.get("FORUM071_TEST_DATABASE_URL")),
    reason="SQLite: a new file; a PostgreSQL backup goes back into the schema it came from",
)
def test_restore_into_a_new_database_needs_no_confirmation(
    app, app_factory, make, runner, tmp_path
):
    thread_id = populate(app, make, runner)
    backup = tmp_path / "forum.backup"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    fresh = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'new.sqlite'}")

    result = fresh.test_cli_runner().invoke(args=["restore", str(backup)])

    assert result.exit_code == 0, result.output
    assert snapshot(fresh).keys() == snapshot(app).keys()
    found = fresh.test_client().get("/api/v1/search", query_string={"q": WORD}).get_json()
    assert [item["thread_id"] for item in found["items"]] == [thread_id]
