"""Test data made through the same services the views use, committed in short contexts."""

from __future__ import annotations

import itertools
from typing import Any

from flask import Flask
from sqlalchemy import select

from forum071.auth.services import create_user
from forum071.cli import seed_themes_and_projects
from forum071.extensions import db
from forum071.models import Post, Project, Role, Theme, Thread, User
from forum071.threads import services as thread_services

PASSWORD = "paars-fiets-onder-de-brug"
_sequence = itertools.count(1)


def seed() -> None:
    seed_themes_and_projects()
    db.session.commit()


class Factories:
    def __init__(self, app: Flask) -> None:
        self.app = app

    def user(
        self,
        username: str | None = None,
        role: Role | str = Role.ENTREPRENEUR,
        password: str = PASSWORD,
        **fields: Any,
    ) -> int:
        """Create a user and return its id."""
        username = username or f"user{next(_sequence)}"
        with self.app.app_context():
            user = create_user(
                username,
                fields.pop("email", f"{username}@example.org"),
                password,
                role,
                fields.pop("organisation", ""),
            )
            for name, value in fields.items():
                setattr(user, name, value)
            db.session.commit()
            return user.id

    def thread(
        self,
        author_id: int,
        *,
        theme: str = "circulaire-economie",
        projects: tuple[str, ...] = (),
        kind: str = "discussion",
        title: str | None = None,
        body: str = "Een eerste bericht over **circulair** ondernemen.",
        replies: int = 0,
        reply_author_id: int | None = None,
    ) -> int:
        """Create a thread (with optional replies) and return its id."""
        with self.app.app_context():
            author = db.session.get(User, author_id)
            theme_row = db.session.scalar(select(Theme).where(Theme.slug == theme))
            project_rows = list(
                db.session.scalars(select(Project).where(Project.slug.in_(projects)))
            )
            thread = thread_services.start_thread(
                author,
                kind,
                theme_row,
                project_rows,
                title or f"Onderwerp nummer {next(_sequence)}",
                body,
            )
            replier = db.session.get(User, reply_author_id or author_id)
            for number in range(replies):
                thread_services.post_reply(replier, thread, f"Reactie {number + 1} op dit idee.")
            db.session.commit()
            return thread.id

    def reply(self, author_id: int, thread_id: int, body: str = "Goed idee!") -> int:
        with self.app.app_context():
            post = thread_services.post_reply(
                db.session.get(User, author_id), db.session.get(Thread, thread_id), body
            )
            db.session.commit()
            return post.id

    def get(self, model: type, ident: Any) -> Any:
        """Load a row in a fresh context and detach it, for assertions."""
        with self.app.app_context():
            row = db.session.get(model, ident)
            if row is not None:
                db.session.expunge(row)
            return row

    def first_post_id(self, thread_id: int) -> int:
        with self.app.app_context():
            return db.session.scalar(
                select(Post.id).where(Post.thread_id == thread_id, Post.number == 1)
            )
