"""Starting threads, replying and editing: each one action across several tables.

Services never commit: the view commits once, so an action is all or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Select, case, inspect, literal, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..models import (
    ContentState,
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


def reserve_number(thread: Thread, poster: User, posted_at: datetime) -> int:
    """Reserve the next post number in the thread and bump its activity, in one UPDATE.

    Two posts at the same moment get different numbers instead of colliding. A post
    published later with an earlier time (approved from the review queue) does not move the
    thread's last activity back.
    """
    later = Thread.last_post_at <= posted_at
    posted = literal(posted_at, Thread.last_post_at.type)
    number = db.session.execute(
        update(Thread)
        .where(Thread.id == thread.id)
        .values(
            post_count=Thread.post_count + 1,
            last_post_at=case((later, posted), else_=Thread.last_post_at),
            last_poster_id=case((later, poster.id), else_=Thread.last_poster_id),
        )
        .returning(Thread.post_count)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    # Keep the loaded thread in step: its count is known, its last activity read when needed.
    set_committed_value(thread, "post_count", number)
    db.session.expire(thread, ["last_post_at", "last_poster_id", "last_poster"])
    return number


def count_published_post(author: User) -> None:
    """One more of the author's posts is out: after PREMODERATION_POSTS they post directly."""
    db.session.execute(
        update(User)
        .where(User.id == author.id)
        .values(published_post_count=User.published_post_count + 1)
    )


def _add_post(
    author: User,
    thread: Thread,
    body: str,
    client_token: str | None,
    mentions: follows.MentionLookup | None = None,
    *,
    pending: bool = False,
    opening: bool = False,
) -> Post:
    """Store a post. A pending reply waits for review without a number and leaves the thread
    as it is; a pending thread's opening post is number 1 of a thread nobody else sees."""
    now = utcnow()
    number = None
    if opening or not pending:
        number = reserve_number(thread, author, now)
    post = Post(
        thread_id=thread.id,
        number=number,
        author_id=author.id,
        body=body,
        body_html=str(render_markdown(body, mentionable=mentions)),
        created_at=now,
        client_token=client_token,
        state=ContentState.PENDING if pending else ContentState.PUBLISHED,
    )
    db.session.add(post)
    if opening or not pending:
        record_sector(author, thread)
    if not pending:
        count_published_post(author)
    db.session.flush()
    return post


SECTOR_COLUMNS = {
    Sector.ENTREPRENEURS: "has_entrepreneurs",
    Sector.EDUCATION: "has_education",
    Sector.GOVERNMENT: "has_government",
}


def record_sector(author: User, thread: Thread) -> None:
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
    pending: bool = False,
) -> Thread:
    """Open a thread with its first post under a theme and zero or more projects.

    The author follows it, and the followers of its theme and projects hear of it. A pitch
    starts at the stage given (an idea unless said otherwise) with what it asks for.

    A ``pending`` thread (a new account's) waits for review: only its author and the
    moderators see it, no list counts it and nobody hears of it until it is approved.
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
        state=ContentState.PENDING if pending else ContentState.PUBLISHED,
    )
    db.session.add(thread)
    db.session.flush()
    mentions = follows.MentionLookup()
    opening_post = _add_post(
        author, thread, body, client_token, mentions, pending=pending, opening=True
    )
    follows.follow_thread(author, thread, automatic=True)
    if not pending:
        announce_thread(author, thread, opening_post, mentions)
    return thread


def announce_thread(
    author: User, thread: Thread, opening_post: Post, mentions: follows.MentionLookup
) -> None:
    """What publishing a thread means beyond its rows: the theme and projects count it, the
    members it mentions and the followers of its theme and projects hear of it."""
    mentioned = follows.notify_mentions(author, thread, opening_post, mentions)
    follows.notify_new_thread(author, thread, opening_post, exclude=mentioned)
    db.session.execute(
        update(Theme)
        .where(Theme.id == thread.theme_id)
        .values(thread_count=Theme.thread_count + 1)
    )
    project_ids = [project.id for project in thread.projects]
    if project_ids:
        db.session.execute(
            update(Project)
            .where(Project.id.in_(project_ids))
            .values(thread_count=Project.thread_count + 1)
        )


def post_reply(
    author: User,
    thread: Thread,
    body: str,
    client_token: str | None = None,
    *,
    pending: bool = False,
) -> Post:
    """Add a reply at the end of the thread; the author follows it, its followers hear of it.

    Members the reply @mentions get a mention notification instead of the reply one. A
    ``pending`` reply (a new account's) gets no number and tells nobody until it is approved.
    """
    mentions = follows.MentionLookup()
    post = _add_post(author, thread, body, client_token, mentions, pending=pending)
    follows.follow_thread(author, thread, automatic=True)
    if not pending:
        announce_reply(author, thread, post, mentions)
    return post


def announce_reply(
    author: User, thread: Thread, post: Post, mentions: follows.MentionLookup
) -> None:
    """Tell the members a published reply mentions, and the thread's other followers."""
    mentioned = follows.notify_mentions(author, thread, post, mentions)
    follows.notify_thread_followers(
        NotificationKind.REPLY, author, thread, post, exclude=mentioned
    )


def mentions_in(body: str) -> follows.MentionLookup:
    """The members a stored text mentions (for a post published after review)."""
    mentions = follows.MentionLookup()
    render_markdown(body, mentionable=mentions)
    return mentions


def find_duplicate_reply(
    author: User, thread: Thread, body: str, window_seconds: float
) -> Post | None:
    """The reply this author sent to this thread with this text in the last seconds, if any.

    A double click without the form's one-time token is one reply: the author's posting is
    locked first (lock_posting), so of two copies sent at once the second waits for the first
    to commit and then finds it.
    """
    since = lock_posting(author)
    if window_seconds <= 0:
        return None
    return db.session.scalar(
        _recent_posts_of(author, since - timedelta(seconds=window_seconds)).where(
            Post.thread_id == thread.id, Post.body == body, Post.number.is_distinct_from(1)
        )
    )


def find_duplicate_thread(
    author: User, theme: Theme, title: str, body: str, window_seconds: float
) -> Post | None:
    """The opening post of the thread this author started with this theme, title and text in
    the last seconds, if any (the same lock as find_duplicate_reply)."""
    since = lock_posting(author)
    if window_seconds <= 0:
        return None
    return db.session.scalar(
        _recent_posts_of(author, since - timedelta(seconds=window_seconds))
        .join(Thread, Thread.id == Post.thread_id)
        .where(
            Post.number == 1,
            Post.body == body,
            Thread.theme_id == theme.id,
            Thread.title == title.strip(),
            Thread.state != ContentState.DELETED.value,
        )
    )


def lock_posting(author: User) -> datetime:
    """Note that the author posts now, as this transaction's first write.

    The UPDATE holds the author's row (PostgreSQL) or the database's write lock (SQLite) until
    the commit, so one member's posts are made one after the other, and whatever this
    transaction reads next includes the posts that member made just before.
    """
    now = utcnow()
    db.session.execute(
        update(User)
        .where(User.id == author.id)
        .values(last_posted_at=now)
        .execution_options(synchronize_session=False)
    )
    return now


def _recent_posts_of(author: User, since: datetime) -> Select[tuple[Post]]:
    return (
        select(Post)
        .where(
            Post.author_id == author.id,
            Post.created_at >= since,
            Post.state != ContentState.DELETED.value,
        )
        .order_by(Post.id)
        .limit(1)
    )


def edit_post(
    editor: User,
    post: Post,
    body: str,
    base_version: int | None = None,
    reason: str = "",
    *,
    title: str | None = None,
    redaction: bool = False,
) -> Post:
    """Replace a post's text (and an opening post's thread title), keeping the earlier version;
    refuse when it changed meanwhile.

    A ``redaction`` (a moderator taking personal data out) makes the versions before this one
    visible to moderators only.
    """
    if base_version is not None and base_version != post.version:
        raise EditConflict(post)
    thread = post.thread
    opening = post.is_opening_post
    old_title = thread.title if opening else None
    new_title = title.strip() if opening and title is not None else old_title
    # A redaction with the text as it is still counts: the author may have taken the personal
    # data out already, while the history still shows it.
    if body == post.body and new_title == old_title and not redaction:
        return post
    edits, old_body = post.edit_count, post.body
    post.edit_count = edits + 1
    post.body = body
    mentions = follows.MentionLookup()
    post.body_html = str(render_markdown(body, mentionable=mentions))
    post.edited_at = utcnow()
    # The post's UPDATE before any revision: it checks the version the edit started from. Of
    # two edits at once the second waits for the first's row lock (or SQLite's write lock) and
    # then matches no row, a conflict; its revisions, numbered from a stale count, are never
    # sent (sent first, they collided on their unique number: a 500, the text lost).
    try:
        db.session.flush()
    except StaleDataError as error:
        raise EditConflict(post) from error
    if new_title != old_title:
        rename_thread(thread, new_title)
    if edits == 0:
        # The first edit also keeps the text (and title) as first posted, as revision 1.
        db.session.add(
            PostRevision(
                post_id=post.id,
                number=1,
                body=old_body,
                title=old_title,
                editor_id=post.author_id,
                created_at=post.created_at,
            )
        )
    db.session.add(
        PostRevision(
            post_id=post.id,
            number=edits + 2,
            body=body,
            title=new_title,
            editor_id=editor.id,
            created_at=post.edited_at,
            reason=reason,
            redaction=redaction,
        )
    )
    db.session.flush()
    # Only members mentioned for the first time in this post hear of it.
    follows.notify_new_mentions(editor, post, mentions)
    return post


def rename_thread(thread: Thread, title: str) -> None:
    """Give the thread a corrected title; its address follows (old slugs redirect)."""
    thread.title = title
    thread.slug = slugify(title)
