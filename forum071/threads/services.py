"""Starting threads, replying and editing: each one action across several tables.

Services never commit: the view commits once, so an action is all or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import inspect, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..models import (
    NotificationKind,
    PitchStage,
    Post,
    PostRevision,
    Project,
    Sector,
    Theme,
    Thread,
    ThreadKind,
    User,
    slugify,
    utcnow,
)
from ..notifications import services as follows
from ..rendering import render_markdown


class EditConflict(Exception):
    """The post changed since the editor opened it."""

    def __init__(self, post: Post) -> None:
        # The identity, not post.id: after a failed flush the post is expired, and loading
        # it again before the rollback would raise instead.
        super().__init__(f"post {inspect(post).identity} changed")
        self.post = post


def find_submission(author: User, client_token: str | None) -> Post | None:
    """The post this author already made with this one-time form token, if any."""
    if not client_token:
        return None
    return db.session.scalar(
        select(Post).where(Post.author_id == author.id, Post.client_token == client_token)
    )


def _add_post(
    author: User,
    thread: Thread,
    body: str,
    client_token: str | None,
    mentions: follows.MentionLookup | None = None,
) -> Post:
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
        body_html=str(render_markdown(body, mentionable=mentions)),
        created_at=now,
        client_token=client_token,
    )
    db.session.add(post)
    _record_sector(author, thread)
    db.session.flush()
    return post


SECTOR_COLUMNS = {
    Sector.ENTREPRENEURS: "has_entrepreneurs",
    Sector.EDUCATION: "has_education",
    Sector.GOVERNMENT: "has_government",
}


def _record_sector(author: User, thread: Thread) -> None:
    """Mark that the author's part of the region (entrepreneurs, education, government) posted."""
    sector = author.sector
    if sector is None:
        return
    column = SECTOR_COLUMNS[sector]
    if not getattr(thread, column):
        db.session.execute(update(Thread).where(Thread.id == thread.id).values({column: True}))
        # Keep the loaded object in step without another SELECT.
        set_committed_value(thread, column, True)


def start_thread(
    author: User,
    kind: ThreadKind | str,
    theme: Theme,
    projects: Sequence[Project],
    title: str,
    body: str,
    client_token: str | None = None,
    *,
    stage: PitchStage | str | None = None,
    ask: str = "",
    ask_categories: Sequence[str] = (),
) -> Thread:
    """Open a thread with its first post under a theme and zero or more projects.

    The author follows it, and the followers of its theme and projects hear of it. A pitch
    starts at the stage given (an idea unless said otherwise) with what it asks for.
    """
    now = utcnow()
    kind = ThreadKind(kind)
    is_pitch = kind == ThreadKind.PITCH
    thread = Thread(
        kind=kind,
        stage=PitchStage(stage or PitchStage.IDEA) if is_pitch else None,
        ask=ask.strip() if is_pitch else "",
        ask_categories=list(ask_categories) if is_pitch else [],
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
    mentions = follows.MentionLookup()
    opening_post = _add_post(author, thread, body, client_token, mentions)
    follows.follow_thread(author, thread, automatic=True)
    mentioned = follows.notify_mentions(author, thread, opening_post, mentions)
    follows.notify_new_thread(author, thread, opening_post, exclude=mentioned)
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
    """Add a reply at the end of the thread; the author follows it, its followers hear of it.

    Members the reply @mentions get a mention notification instead of the reply one.
    """
    mentions = follows.MentionLookup()
    post = _add_post(author, thread, body, client_token, mentions)
    follows.follow_thread(author, thread, automatic=True)
    mentioned = follows.notify_mentions(author, thread, post, mentions)
    follows.notify_thread_followers(
        NotificationKind.REPLY, author, thread, post, exclude=mentioned
    )
    return post


def edit_post(
    editor: User, post: Post, body: str, base_version: int | None = None, reason: str = ""
) -> Post:
    """Replace a post's text, keeping the earlier version; refuse when it changed meanwhile."""
    if base_version is not None and base_version != post.version:
        raise EditConflict(post)
    if body == post.body:
        return post
    if post.edit_count == 0:
        # The first edit also keeps the text as first posted, as revision 1.
        db.session.add(
            PostRevision(
                post_id=post.id,
                number=1,
                body=post.body,
                editor_id=post.author_id,
                created_at=post.created_at,
            )
        )
    post.edit_count += 1
    db.session.add(
        PostRevision(
            post_id=post.id,
            number=post.edit_count + 1,
            body=body,
            editor_id=editor.id,
            created_at=utcnow(),
            reason=reason,
        )
    )
    post.body = body
    mentions = follows.MentionLookup()
    post.body_html = str(render_markdown(body, mentionable=mentions))
    post.edited_at = utcnow()
    try:
        db.session.flush()
    except StaleDataError as error:
        raise EditConflict(post) from error
    # Only members mentioned for the first time in this post hear of it.
    follows.notify_new_mentions(editor, post, mentions)
    return post
