"""Moderator actions on threads: lock, pin, move, merge and split.

Each action is one function that changes what it must and records itself in the moderation
log; none commits (the view does, once). An action that finds the thread already as asked
returns False and changes nothing, so a double click or a second moderator does not act twice.

Posts are numbered 1..n per thread and pages are ranges of numbers, so merging and splitting
renumber. The (thread_id, number) pair is unique and PostgreSQL checks that row by row, so
renumbering goes through negative numbers (minus the post id, unique) before the final ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from functools import cache

from sqlalchemy import Row, Select, bindparam, case, select, true, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import (
    SECTOR_OF_ROLE,
    ContentState,
    Notification,
    Post,
    Project,
    Theme,
    Thread,
    ThreadFollow,
    ThreadKind,
    User,
    slugify,
    thread_projects,
    utcnow,
)
from ..notifications import services as follows
from ..threads.services import SECTOR_COLUMNS
from .services import log_action

# How many pinned threads a list shows at most.
PINNED_LIMIT = 10
# A merged thread's address leads through at most this many later merges.
MERGE_CHAIN_LIMIT = 20


class PinScope(StrEnum):
    THEME = "theme"  # on top of its theme page (Thread.pinned)
    GLOBAL = "global"  # on top of the front page (Thread.pinned_globally)


PIN_COLUMNS = {PinScope.THEME: "pinned", PinScope.GLOBAL: "pinned_globally"}


class MergeRefused(Exception):
    """The threads cannot be merged (the same thread, or one of them is gone)."""


def _log(moderator: User, action: str, thread: Thread, reason: str = "", **details) -> None:
    log_action(moderator, action, "thread", thread.id, thread.title, reason, **details)


def lock_thread(moderator: User, thread: Thread, reason: str = "") -> bool:
    """Stop members replying to a thread (moderators still may); the reason is shown on it."""
    if thread.locked:
        return False
    thread.locked = True
    thread.lock_reason = reason
    _log(moderator, "lock", thread, reason)
    return True


def unlock_thread(moderator: User, thread: Thread, reason: str = "") -> bool:
    if not thread.locked:
        return False
    thread.locked = False
    thread.lock_reason = ""
    _log(moderator, "unlock", thread, reason)
    return True


def pin_thread(moderator: User, thread: Thread, scope: PinScope, reason: str = "") -> bool:
    """Show a thread above the others: on its theme page, or on the front page."""
    column = PIN_COLUMNS[scope]
    if getattr(thread, column):
        return False
    setattr(thread, column, True)
    _log(moderator, "pin", thread, reason, scope=scope.value)
    return True


def unpin_thread(moderator: User, thread: Thread, scope: PinScope, reason: str = "") -> bool:
    column = PIN_COLUMNS[scope]
    if not getattr(thread, column):
        return False
    setattr(thread, column, False)
    _log(moderator, "unpin", thread, reason, scope=scope.value)
    return True


def pinned_threads(theme_id: int | None = None) -> list[Row]:
    """Pinned, published threads (id, slug, title, last_post_at), most recently active first:
    of a theme, or (no theme) those pinned on the front page.

    Partial indexes hold only pinned threads, and the query names nothing but the pinned flag
    (and the theme), so that SQLite, which plans without statistics here, has no other index
    to prefer: with an ORDER BY or a condition on the state it would walk an index of all
    threads instead. The few rows are filtered and sorted here.
    """
    statement = _pinned_statement(in_theme=theme_id is not None)
    rows = [
        row
        for row in db.session.connection().execute(statement, {"theme_id": theme_id})
        if row.state == ContentState.PUBLISHED.value
    ]
    rows.sort(key=lambda row: (row.last_post_at, row.id), reverse=True)
    return rows[:PINNED_LIMIT]


@cache
def _pinned_statement(in_theme: bool) -> Select[tuple[int, str, str, datetime, str]]:
    # Built once (see threads.listing.unfiltered_page_statement). "= true", not "IS true":
    # SQLite uses a partial index only for the same comparison.
    query = select(Thread.id, Thread.slug, Thread.title, Thread.last_post_at, Thread.state)
    if in_theme:
        return query.where(Thread.pinned == true(), Thread.theme_id == bindparam("theme_id"))
    return query.where(Thread.pinned_globally == true())


def _counts(thread: Thread) -> bool:
    """Whether the theme and project counters include this thread (it is published)."""
    return thread.state == ContentState.PUBLISHED.value


def _bump_counters(theme_id: int, project_ids: Sequence[int], delta: int) -> None:
    db.session.execute(
        update(Theme)
        .where(Theme.id == theme_id)
        .values(thread_count=Theme.thread_count + delta)
        .execution_options(synchronize_session=False)
    )
    if project_ids:
        db.session.execute(
            update(Project)
            .where(Project.id.in_(list(project_ids)))
            .values(thread_count=Project.thread_count + delta)
            .execution_options(synchronize_session=False)
        )


def move_thread(
    moderator: User, thread: Thread, theme: Theme, projects: Sequence[Project], reason: str = ""
) -> bool:
    """Put a thread under another theme and/or other projects, keeping the counters right."""
    old_projects = {project.id for project in thread.projects}
    new_projects = {project.id for project in projects}
    if thread.theme_id == theme.id and old_projects == new_projects:
        return False
    old_theme = thread.theme
    if _counts(thread):
        if thread.theme_id != theme.id:
            _bump_counters(thread.theme_id, (), -1)
            _bump_counters(theme.id, (), 1)
        if old_projects - new_projects:
            _bump_project_counters(old_projects - new_projects, -1)
        if new_projects - old_projects:
            _bump_project_counters(new_projects - old_projects, 1)
    thread.theme_id = theme.id
    thread.theme = theme
    thread.projects = list(projects)
    _log(
        moderator,
        "move",
        thread,
        reason,
        from_theme=old_theme.slug,
        to_theme=theme.slug,
        projects=sorted(project.slug for project in projects),
    )
    return True


def _bump_project_counters(project_ids: set[int], delta: int) -> None:
    db.session.execute(
        update(Project)
        .where(Project.id.in_(sorted(project_ids)))
        .values(thread_count=Project.thread_count + delta)
        .execution_options(synchronize_session=False)
    )


def _renumber(thread_id: int, post_ids_in_order: Sequence[int]) -> None:
    """Give these posts of a thread the numbers 1..n in the order given."""
    if not post_ids_in_order:
        return
    db.session.execute(
        update(Post)
        .where(Post.id.in_(list(post_ids_in_order)))
        .values(thread_id=thread_id, number=-Post.id)
        .execution_options(synchronize_session=False)
    )
    final = {post_id: number for number, post_id in enumerate(post_ids_in_order, start=1)}
    db.session.execute(
        update(Post)
        .where(Post.id.in_(list(post_ids_in_order)))
        .values(number=case(final, value=Post.id))
        .execution_options(synchronize_session=False)
    )


def _numbered_posts(*thread_ids: int) -> list[Row]:
    """(id, thread_id, created_at, author_id, number, state) of these threads' numbered posts."""
    return list(
        db.session.execute(
            select(
                Post.id, Post.thread_id, Post.created_at, Post.author_id, Post.number, Post.state
            ).where(Post.thread_id.in_(thread_ids), Post.number.is_not(None))
        )
    )


def _refresh_activity(thread: Thread, rows: Sequence[Row]) -> None:
    """Set a thread's post count and last activity from its numbered posts."""
    thread.post_count = len(rows)
    published = [row for row in rows if row.state == ContentState.PUBLISHED.value] or rows
    if published:
        last = max(published, key=lambda row: (row.created_at, row.id))
        thread.last_post_at = last.created_at
        thread.last_poster_id = last.author_id


def _record_sectors(thread: Thread, author_ids: set[int]) -> None:
    if not author_ids:
        return
    roles = db.session.scalars(select(User.role).where(User.id.in_(sorted(author_ids))))
    for role in set(roles):
        sector = SECTOR_OF_ROLE.get(role)
        if sector is not None:
            setattr(thread, SECTOR_COLUMNS[sector], True)


def _copy_follows(source_id: int, target_id: int, user_ids: Sequence[int] | None = None) -> None:
    """Members who followed the source (or wrote the moved posts) follow the target too."""
    query = select(ThreadFollow.user_id).where(
        ThreadFollow.thread_id == source_id, ThreadFollow.active.is_(True)
    )
    ids = set(db.session.scalars(query)) if user_ids is None else set(user_ids)
    for user_id in sorted(ids):
        statement = (
            follows._insert(ThreadFollow)
            .values(user_id=user_id, thread_id=target_id, active=True, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["user_id", "thread_id"])
        )
        db.session.execute(statement)


def merge_thread(moderator: User, source: Thread, target: Thread, reason: str = "") -> None:
    """Move every post of ``source`` into ``target``, ordered by time, and retire ``source``.

    The source thread is marked deleted and points at the target and at its opening post,
    so that its address leads there (see merge_destination).
    """
    if source.id == target.id:
        raise MergeRefused("same thread")
    if source.state == ContentState.DELETED.value or target.state == ContentState.DELETED.value:
        raise MergeRefused("deleted")
    rows = _numbered_posts(source.id, target.id)
    rows.sort(key=lambda row: (row.created_at, row.id))
    moved = sum(1 for row in rows if row.thread_id == source.id)
    opening = next(
        (row.id for row in rows if row.thread_id == source.id and row.number == 1), None
    )
    # Posts waiting for review (no number yet) move along without one.
    db.session.execute(
        update(Post)
        .where(Post.thread_id == source.id, Post.number.is_(None))
        .values(thread_id=target.id)
        .execution_options(synchronize_session=False)
    )
    _renumber(target.id, [row.id for row in rows])
    db.session.execute(
        update(Notification)
        .where(Notification.thread_id == source.id)
        .values(thread_id=target.id)
        .execution_options(synchronize_session=False)
    )
    _copy_follows(source.id, target.id)
    _refresh_activity(target, rows)
    _record_sectors(target, {row.author_id for row in rows})
    if _counts(source):
        source_projects = list(
            db.session.scalars(
                select(thread_projects.c.project_id).where(thread_projects.c.thread_id == source.id)
            )
        )
        _bump_counters(source.theme_id, source_projects, -1)
    source.state = ContentState.DELETED.value
    source.duplicate_of_id = target.id
    source.merged_post_id = opening
    source.post_count = 0
    source.accepted_post_id = None
    source.pinned = False
    source.pinned_globally = False
    _log(moderator, "merge", source, reason, into=target.id, into_title=target.title, posts=moved)


def merged_into(thread: Thread) -> int | None:
    """The thread a merged (deleted) thread now lives in, if any."""
    if thread.state == ContentState.DELETED.value and thread.duplicate_of_id:
        return thread.duplicate_of_id
    return None


def merge_destination(thread: Thread) -> tuple[Thread, Post | None] | None:
    """Where a merged thread's address leads: the thread its posts are in now (following
    later merges of that one) and its opening post there, when that is still in it.

    None when the thread was not merged, or the chain ends nowhere (a missing thread).
    """
    current, seen = thread, {thread.id}
    while (target_id := merged_into(current)) is not None:
        if target_id in seen or len(seen) > MERGE_CHAIN_LIMIT:
            return None
        seen.add(target_id)
        current = db.session.get(Thread, target_id)
        if current is None:
            return None
    if current is thread:
        return None
    post = db.session.get(Post, thread.merged_post_id) if thread.merged_post_id else None
    if post is None or post.thread_id != current.id or post.number is None:
        post = None
    return current, post


def split_thread(
    moderator: User, source: Thread, replies: Sequence[Post], title: str, reason: str = ""
) -> Thread:
    """Move some replies into a new discussion in the same theme; the first becomes its
    opening post. Both threads are numbered 1..n again in time order."""
    replies = sorted(replies, key=lambda post: (post.created_at, post.id))
    moved_ids = [post.id for post in replies]
    first, last = replies[0], replies[-1]
    new_thread = Thread(
        kind=ThreadKind.DISCUSSION.value,
        title=title.strip(),
        slug=slugify(title),
        theme_id=source.theme_id,
        author_id=first.author_id,
        created_at=first.created_at,
        last_post_at=last.created_at,
        last_poster_id=last.author_id,
        post_count=len(replies),
        state=ContentState.PUBLISHED.value,
    )
    db.session.add(new_thread)
    db.session.flush()
    if source.accepted_post_id in moved_ids:
        source.accepted_post_id = None
    _renumber(new_thread.id, moved_ids)
    db.session.execute(
        update(Notification)
        .where(Notification.post_id.in_(moved_ids))
        .values(thread_id=new_thread.id)
        .execution_options(synchronize_session=False)
    )
    remaining = _numbered_posts(source.id)
    remaining.sort(key=lambda row: row.number)
    _renumber(source.id, [row.id for row in remaining])
    _refresh_activity(source, remaining)
    authors = {post.author_id for post in replies}
    _record_sectors(new_thread, authors)
    _copy_follows(source.id, new_thread.id, sorted(authors))
    if _counts(new_thread):
        _bump_counters(new_thread.theme_id, (), 1)
    _log(
        moderator,
        "split",
        source,
        reason,
        new_thread=new_thread.id,
        new_title=new_thread.title,
        posts=len(replies),
    )
    return new_thread


def splittable_replies(thread: Thread) -> Select[tuple[Post]]:
    """The replies a moderator may split off: numbered, not the opening post, in order."""
    return (
        select(Post)
        .options(joinedload(Post.author))
        .where(Post.thread_id == thread.id, Post.number > 1)
        .order_by(Post.number)
    )
