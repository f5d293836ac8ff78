"""Migrations are the only source of the schema: they build it, undo it, match the models."""

from __future__ import annotations

import os

import pytest
from flask_migrate import check, downgrade, upgrade
from sqlalchemy import inspect

from forum071 import create_app
from forum071.extensions import db
from tests.conftest import config_for_tests, postgres_available, postgres_url, reset_postgres_schema

MIGRATION_SCHEMA = "forum071_migrations"


def _postgres_or_skip() -> str:
    if not postgres_available():
        if os.environ.get("FORUM071_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL is required (FORUM071_REQUIRE_POSTGRES) but not reachable")
        pytest.skip("PostgreSQL is not reachable")
    reset_postgres_schema(MIGRATION_SCHEMA)
    return postgres_url(MIGRATION_SCHEMA)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrations.sqlite'}"
    return _postgres_or_skip()


def test_upgrade_matches_models_and_downgrades_cleanly(empty_database_url: str) -> None:
    app = create_app(config_for_tests(empty_database_url))
    with app.app_context():
        upgrade()
        # Raises when autogenerate finds a difference between the models and the migrations.
        check()
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "themes", "projects", "threads", "posts", "thread_projects"} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        check()
        db.engine.dispose()


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(app) -> None:
    with app.app_context():
        connection = db.session.connection()
        if connection.dialect.name != "sqlite":
            pytest.skip("SQLite only")
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_upgrading_a_database_with_content_keeps_every_row(empty_database_url: str) -> None:
    """Table rebuilds (SQLite batch mode) must not cascade into the rows that refer to them."""
    app = create_app(config_for_tests(empty_database_url))
    with app.app_context():
        upgrade(revision="0001")
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO users (id, username, email, password_hash, role, organisation, "
                "official_verified, session_token, created_at) VALUES "
                "(1, 'anna', 'anna@example.org', 'x', 'entrepreneur', '', false, 't1', "
                "'2026-01-01 10:00:00+00:00'), "
                "(2, 'bas', 'bas@example.org', 'x', 'official', '', true, 't2', "
                "'2026-01-01 10:00:00+00:00')"
            )
            connection.exec_driver_sql(
                "INSERT INTO themes (id, slug, name, name_en, description, description_en, "
                "position, thread_count) VALUES (1, 'retail', 'Retail', 'Retail', '', '', 0, 1)"
            )
            connection.exec_driver_sql(
                "INSERT INTO threads (id, kind, title, slug, theme_id, author_id, created_at, "
                "last_post_at, last_poster_id, post_count) VALUES (1, 'pitch', 'Idee', 'idee', "
                "1, 1, '2026-01-01 10:00:00+00:00', '2026-01-01 11:00:00+00:00', 2, 2)"
            )
            connection.exec_driver_sql(
                "INSERT INTO posts (id, thread_id, number, author_id, body, body_html, "
                "created_at, version) VALUES "
                "(1, 1, 1, 1, 'Plan', '<p>Plan</p>', '2026-01-01 10:00:00+00:00', 1), "
                "(2, 1, 2, 2, 'Mooi', '<p>Mooi</p>', '2026-01-01 11:00:00+00:00', 1)"
            )
        upgrade()
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT COUNT(*) FROM posts").scalar() == 2
            row = connection.exec_driver_sql(
                "SELECT stage, has_entrepreneurs, has_education, has_government FROM threads"
            ).one()
        assert row[0] == "idea"
        assert (bool(row[1]), bool(row[2]), bool(row[3])) == (True, False, True)
        downgrade(revision="0001")
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT COUNT(*) FROM posts").scalar() == 2
        db.engine.dispose()


def test_upgrading_to_search_makes_existing_posts_searchable(empty_database_url: str) -> None:
    """Migration 0004 indexes the posts that were there before it (the opening post with its
    thread's title), and the triggers keep later writes in step."""
    app = create_app(config_for_tests(empty_database_url))
    with app.app_context():
        upgrade(revision="0003")
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO users (id, username, email, password_hash, role, organisation, bio, "
                "official_verified, session_token, created_at, published_post_count, "
                "suspension_reason) VALUES (1, 'anna', 'anna@example.org', 'x', 'entrepreneur', "
                "'', '', false, 't1', '2026-01-01 10:00:00+00:00', 2, '')"
            )
            connection.exec_driver_sql(
                "INSERT INTO themes (id, slug, name, name_en, description, description_en, "
                "position, thread_count) VALUES (1, 'retail', 'Retail', 'Retail', '', '', 0, 1)"
            )
            connection.exec_driver_sql(
                "INSERT INTO threads (id, kind, title, slug, theme_id, author_id, created_at, "
                "last_post_at, post_count, stage, ask, ask_categories, summary, "
                "has_entrepreneurs, has_education, has_government, state, locked, pinned, "
                "pinned_globally) VALUES (1, 'discussion', 'Het café', 'het-cafe', 1, 1, "
                "'2026-01-01 10:00:00+00:00', '2026-01-01 11:00:00+00:00', 2, NULL, '', '[]', "
                "'', true, false, false, 'published', false, false, false)"
            )
            connection.exec_driver_sql(
                "INSERT INTO posts (id, thread_id, number, author_id, body, body_html, "
                "created_at, version, support_count, edit_count, state, flag_count, "
                "moderation_reason) VALUES "
                "(1, 1, 1, 1, 'Plan', '<p>Plan</p>', '2026-01-01 10:00:00+00:00', 1, 0, 0, "
                "'published', 0, ''), "
                "(2, 1, 2, 1, 'Nieuwe ideeën', '<p>Nieuwe ideeën</p>', "
                "'2026-01-01 11:00:00+00:00', 1, 0, 0, 'published', 0, '')"
            )
        upgrade()
        from werkzeug.datastructures import MultiDict

        from forum071.search.query import read_request
        from forum071.search.services import search

        with app.test_request_context("/search"):
            def hits(text: str) -> list[int]:
                return [hit.post_id for hit in search(read_request(MultiDict({"q": text}))).hits]

            assert hits("cafe") == [1]
            assert hits("ideeen") == [2]
            with db.engine.begin() as connection:
                connection.exec_driver_sql("UPDATE threads SET title = 'De fietsenmaker'")
            assert hits("fietsenmaker") == [1]
            assert hits("cafe") == []
        db.session.remove()
        db.engine.dispose()
