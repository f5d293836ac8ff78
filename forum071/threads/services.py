"""Starting threads, replying and editing: each one action across several tables.

Services never commit: the view commits once, so an action is all or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..models import Post, Project, Theme, Thread, ThreadKind, User, slugify, utcnow
from ..rendering import render_markdown


class EditConflict(Exception):
    """The post changed since the editor opened it."""

    def __init__(self, post: Post) -> None:
        super().__init__(f"post {post.id} changed")
        self.post = post


def find_submission(author: User, client_token: str | None) -> Post | None:
    """The post this author already made with this one-time form token, if any."""
    if not client_token:
        return None
    return db.session.scalar(
        select(Post).where(Post.author_id == author.id, Post.client_token == client_token)
    )


def _add_post(author: User, thread: Thread, body: str, client_token: str | None) -> Post:
    now = utcnow()
    # One UPDATE both reserves the post's number and bumps the thread, so two replies at
    # the same moment get different numbers instead of colliding.
    number = db.session.execute(
        update(Thread)
        .where(Thread.id == thread.id)
        .values(
            post_count=Thread.post_count + 1, last_post_at=now, last_poster_id=author.id
        )
        .returning(Thread.post_count)
    ).scalar_one()
    post = Post(
        thread_id=thread.id,
        number=number,
        author_id=author.id,
        body=body,
        body_html=str(render_markdown(body)),
        created_at=now,
        client_token=client_token,
    )
    db.session.add(post)
    return post


def start_thread(
    author: User,
    kind: ThreadKind | str,
    theme: Theme,
    projects: Sequence[Project],
    title: str,
    body: str,
    client_token: str | None = None,
) -> Thread:
    """Open a thread with its first post under a theme and zero or more projects."""
    now = utcnow()
    thread = Thread(
        kind=ThreadKind(kind),
        title=title.strip(),
        slug=slugify(title),
        theme_id=theme.id,
        author_id=author.id,
        created_at=now,
        last_post_at=now,
        last_poster_id=author.id,
        post_count=0,
        projects=list(projects),
    )
    db.session.add(thread)
    db.session.flush()
    _add_post(author, thread, body, client_token)
    db.session.execute(
        update(Theme).where(Theme.id == theme.id).values(thread_count=Theme.thread_count + 1)
    )
    if projects:
        db.session.execute(
            update(Project)
            .where(Project.id.in_([project.id for project in projects]))
            .values(thread_count=Project.thread_count + 1)
        )
    return thread


def post_reply(
    author: User, thread: Thread, body: str, client_token: str | None = None
) -> Post:
    """Add a reply at the end of the thread."""
    return _add_post(author, thread, body, client_token)


def edit_post(editor: User, post: Post, body: str, base_version: int | None = None) -> Post:
    """Replace a post's text; refuse when it changed since the editor loaded it."""
    if base_version is not None and base_version != post.version:
        raise EditConflict(post)
    post.body = body
    post.body_html = str(render_markdown(body))
    post.edited_at = utcnow()
    try:
        db.session.flush()
    except StaleDataError as error:
        raise EditConflict(post) from error
    return post
