"""The bench data generator: counts, consistent counters, determinism, refusal, pages."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum071.extensions import db
from forum071.generate import MARKER_WORDS, RARE_WORD, content_digest, marker_count
from forum071.models import (
    PitchUpdate,
    Post,
    Project,
    Support,
    Theme,
    Thread,
    ThreadFollow,
    User,
    thread_projects,
)
from forum071.rendering import render_markdown
from tests.conftest import empty_all_tables
from tests.factories import seed

SMALL = ["generate", "--users", "20", "--threads", "40", "--posts", "400", "--seed", "7"]
SECTOR_OF = {"entrepreneur": "has_entrepreneurs", "student": "has_education",
             "official": "has_government"}  # fmt: skip


def run(runner, *extra: str):
    result = runner.invoke(args=[*SMALL, *extra])
    assert result.exit_code == 0, result.output
    return result


def digest() -> str:
    titles = db.session.scalars(select(Thread.title).order_by(Thread.id))
    bodies = db.session.scalars(select(Post.body).order_by(Post.id))
    return content_digest(list(titles), list(bodies))


def test_generate_fills_the_database_with_consistent_counters(app, runner):
    result = run(runner)

    assert f"Marker word {RARE_WORD!r}: in 1 posts" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 20
        assert db.session.scalar(select(func.count()).select_from(Thread)) == 40
        assert db.session.scalar(select(func.count()).select_from(Post)) == 400
        roles = dict(db.session.execute(select(User.id, User.role)).all())
        assert set(roles.values()) <= {"entrepreneur", "student", "official"}
        assert all(
            name.startswith("gebruiker_") for name in db.session.scalars(select(User.username))
        )

        posts_by_thread: dict[int, list[Post]] = {}
        for post in db.session.scalars(select(Post).order_by(Post.thread_id, Post.number)):
            posts_by_thread.setdefault(post.thread_id, []).append(post)
        kinds = set()
        for thread in db.session.scalars(select(Thread)):
            kinds.add(thread.kind)
            posts = posts_by_thread[thread.id]
            assert thread.post_count == len(posts)
            assert [p.number for p in posts] == list(range(1, len(posts) + 1))
            assert posts[0].author_id == thread.author_id
            assert posts[0].created_at == thread.created_at
            assert [p.created_at for p in posts] == sorted(p.created_at for p in posts)
            assert thread.last_post_at == max(p.created_at for p in posts)
            assert thread.last_poster_id == posts[-1].author_id
            for role, column in SECTOR_OF.items():
                took_part = any(roles[p.author_id] == role for p in posts)
                assert getattr(thread, column) == took_part, (thread.id, column)
            if thread.accepted_post_id is not None:
                assert thread.kind == "question"
                accepted = db.session.get(Post, thread.accepted_post_id)
                assert accepted.thread_id == thread.id and accepted.number != 1
            assert (thread.stage is not None) == (thread.kind == "pitch")
            assert all(p.version == 1 and p.state == "published" for p in posts)
        assert kinds == {"discussion", "question", "pitch"}

        for theme in db.session.scalars(select(Theme)):
            counted = db.session.scalar(
                select(func.count()).select_from(Thread).where(Thread.theme_id == theme.id)
            )
            assert theme.thread_count == counted
        for project in db.session.scalars(select(Project)):
            counted = db.session.scalar(
                select(func.count())
                .select_from(thread_projects)
                .where(thread_projects.c.project_id == project.id)
            )
            assert project.thread_count == counted
        per_thread_links = db.session.execute(
            select(thread_projects.c.thread_id, func.count()).group_by(thread_projects.c.thread_id)
        ).all()
        assert all(count <= 2 for _, count in per_thread_links)

        supports = dict(
            db.session.execute(
                select(Support.post_id, func.count()).group_by(Support.post_id)
            ).all()
        )
        for post_id, support_count in db.session.execute(select(Post.id, Post.support_count)):
            assert support_count == supports.get(post_id, 0)
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Support)
                .join(Post, Post.id == Support.post_id)
                .where(Post.author_id == Support.user_id)
            )
            == 0
        )

        published = dict(
            db.session.execute(select(Post.author_id, func.count()).group_by(Post.author_id)).all()
        )
        for user in db.session.scalars(select(User)):
            assert user.published_post_count == published.get(user.id, 0)
        # Everyone who posted in a thread follows it.
        follows = db.session.scalar(select(func.count()).select_from(ThreadFollow))
        posters = db.session.scalar(
            select(func.count()).select_from(
                select(Post.thread_id, Post.author_id).distinct().subquery()
            )
        )
        assert follows == posters
        for update in db.session.scalars(select(PitchUpdate)):
            assert db.session.get(Thread, update.thread_id).kind == "pitch"

        # Stored HTML is what the renderer makes of the stored Markdown.
        for post in db.session.scalars(select(Post).order_by(Post.id).limit(60)):
            assert post.body_html == str(render_markdown(post.body))
        for word in MARKER_WORDS:
            found = db.session.scalar(
                select(func.count()).select_from(Post).where(Post.body.contains(word))
            )
            assert found == marker_count(word, 400)


def test_same_seed_gives_the_same_data_and_another_seed_does_not(app, runner):
    run(runner)
    with app.app_context():
        first = digest()
        empty_all_tables()
        seed()
    run(runner)
    with app.app_context():
        assert digest() == first
        empty_all_tables()
        seed()
    result = runner.invoke(args=[*SMALL[:-1], "8"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert digest() != first


def test_refuses_a_database_with_users(app, runner):
    run(runner)
    result = runner.invoke(args=SMALL)
    assert result.exit_code == 1
    assert "already has 20 user account(s)" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 20


def test_refuses_fewer_posts_than_threads(runner):
    result = runner.invoke(args=["generate", "--threads", "10", "--posts", "5"])
    assert result.exit_code != 0
    assert "--posts must be >= --threads" in result.output


@pytest.mark.parametrize("page", ["front", "theme", "project", "thread"])
def test_pages_answer_after_generating(app, runner, client, page):
    run(runner)
    with app.app_context():
        theme = db.session.scalar(select(Theme).order_by(Theme.thread_count.desc()))
        project = db.session.scalar(select(Project).order_by(Project.thread_count.desc()))
        thread = db.session.scalar(select(Thread).order_by(Thread.post_count.desc()))
        urls = {
            "front": "/",
            "theme": f"/themes/{theme.slug}",
            "project": f"/projects/{project.slug}",
            "thread": f"/threads/{thread.id}-{thread.slug}",
        }
    response = client.get(urls[page])
    assert response.status_code == 200
    if page == "thread":
        assert response.get_data(as_text=True).count('id="post-') >= min(thread.post_count, 20)


def test_generates_next_to_the_demo_content(app, runner, make):
    assert runner.invoke(args=["seed", "--demo"]).exit_code == 0
    with app.app_context():
        demo_posts = db.session.scalar(select(func.count()).select_from(Post))
    run(runner)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Post)) == demo_posts + 400
        for theme in db.session.scalars(select(Theme)):
            counted = db.session.scalar(
                select(func.count()).select_from(Thread).where(Thread.theme_id == theme.id)
            )
            assert theme.thread_count == counted
        # Generated ids continue right after the demo rows.
        latest = db.session.scalar(select(func.max(Post.id)))
        assert latest == db.session.scalar(select(func.count()).select_from(Post))
    # And the app's own inserts continue after them (PostgreSQL: sequences moved on).
    user_id = make.user("na_de_generator")
    thread_id = make.thread(user_id, replies=1)
    assert make.first_post_id(thread_id) > latest
