"""Following and notifications: who hears about what, written in the cause's transaction.

Notifications are inserted with INSERT ... SELECT over the follow tables, so telling a
thousand followers costs one statement, not a thousand.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, delete, exists, func, insert, literal, select, union, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import (
    Notification,
    NotificationKind,
    Post,
    Project,
    ProjectFollow,
    Theme,
    ThemeFollow,
    Thread,
    ThreadFollow,
    User,
    thread_projects,
    utcnow,
)


def _insert(model):
    """An INSERT that can skip or update a row that is already there, on either database."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def follow_thread(user: User, thread: Thread, *, automatic: bool = False) -> None:
    """Follow a thread. An automatic follow (starting or replying) respects an earlier stop."""
    statement = _insert(ThreadFollow).values(
        user_id=user.id, thread_id=thread.id, active=True, created_at=utcnow()
    )
    if automatic:
        statement = statement.on_conflict_do_nothing(index_elements=["user_id", "thread_id"])
    else:
        statement = statement.on_conflict_do_update(
            index_elements=["user_id", "thread_id"], set_={"active": True}
        )
    db.session.execute(statement)


def unfollow_thread(user: User, thread: Thread) -> None:
    """Stop following a thread, and stay stopped when replying to it later."""
    db.session.execute(
        _insert(ThreadFollow)
        .values(user_id=user.id, thread_id=thread.id, active=False, created_at=utcnow())
        .on_conflict_do_update(index_elements=["user_id", "thread_id"], set_={"active": False})
    )


def follow_theme(user: User, theme: Theme) -> None:
    db.session.execute(
        _insert(ThemeFollow)
        .values(user_id=user.id, theme_id=theme.id, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id", "theme_id"])
    )


def unfollow_theme(user: User, theme: Theme) -> None:
    db.session.execute(
        delete(ThemeFollow).where(ThemeFollow.user_id == user.id, ThemeFollow.theme_id == theme.id)
    )


def follow_project(user: User, project: Project) -> None:
    db.session.execute(
        _insert(ProjectFollow)
        .values(user_id=user.id, project_id=project.id, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id", "project_id"])
    )


def unfollow_project(user: User, project: Project) -> None:
    db.session.execute(
        delete(ProjectFollow).where(
            ProjectFollow.user_id == user.id, ProjectFollow.project_id == project.id
        )
    )


def follows_theme(user: User, theme: Theme) -> bool:
    """Whether the user follows the theme (one primary-key lookup)."""
    return bool(
        db.session.scalar(
            select(exists().where(ThemeFollow.user_id == user.id, ThemeFollow.theme_id == theme.id))
        )
    )


def follows_project(user: User, project: Project) -> bool:
    """Whether the user follows the project (one primary-key lookup)."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    ProjectFollow.user_id == user.id, ProjectFollow.project_id == project.id
                )
            )
        )
    )


def following_theme_column(user_id: int):
    """Whether this user follows the theme of the row, to load along with the theme."""
    return (
        exists()
        .where(ThemeFollow.user_id == user_id, ThemeFollow.theme_id == Theme.id)
        .correlate(Theme)
    )


def following_project_column(user_id: int):
    """Whether this user follows the project of the row, to load along with the project."""
    return (
        exists()
        .where(ProjectFollow.user_id == user_id, ProjectFollow.project_id == Project.id)
        .correlate(Project)
    )


def following_thread_column(user_id: int):
    """Whether this user follows the thread of the row, to load along with the thread."""
    return (
        select(ThreadFollow.active)
        .where(ThreadFollow.user_id == user_id, ThreadFollow.thread_id == Thread.id)
        .correlate(Thread)
        .scalar_subquery()
    )


def _notify_from(
    recipients,
    kind: NotificationKind,
    actor: User,
    thread: Thread,
    post,
    exclude: Iterable[int] = (),
) -> None:
    """Insert one notification per user id selected by ``recipients`` (a one-column select),
    leaving out the actor and the users in ``exclude``."""
    now = utcnow()
    excluded = sorted(set(exclude))
    rows = select(
        recipients.c.user_id,
        literal(kind.value),
        literal(actor.id),
        literal(thread.id),
        literal(post.id if post is not None else None),
        literal(now, type_=Notification.created_at.type),
    ).where(recipients.c.user_id != actor.id)
    if excluded:
        rows = rows.where(recipients.c.user_id.not_in(excluded))
    db.session.execute(
        insert(Notification).from_select(
            ["user_id", "kind", "actor_id", "thread_id", "post_id", "created_at"], rows
        )
    )


def notify_users(
    user_ids: Iterable[int],
    kind: NotificationKind,
    actor: User,
    thread: Thread,
    post: Post | None = None,
) -> None:
    """Notify the given users (never the actor themself)."""
    now = utcnow()
    rows = [
        {
            "user_id": user_id,
            "kind": kind.value,
            "actor_id": actor.id,
            "thread_id": thread.id,
            "post_id": post.id if post is not None else None,
            "created_at": now,
        }
        for user_id in sorted(set(user_ids))
        if user_id != actor.id
    ]
    if rows:
        db.session.execute(insert(Notification), rows)


def notify_thread_followers(
    kind: NotificationKind,
    actor: User,
    thread: Thread,
    post: Post | None = None,
    *,
    exclude: Iterable[int] = (),
) -> None:
    """Tell everyone who follows the thread (a reply, a pitch update), except ``exclude``
    (for instance those the post mentions, who hear of it as a mention instead)."""
    followers = (
        select(ThreadFollow.user_id)
        .where(ThreadFollow.thread_id == thread.id, ThreadFollow.active.is_(True))
        .subquery()
    )
    _notify_from(followers, kind, actor, thread, post, exclude)


def notify_new_thread(
    actor: User, thread: Thread, post: Post, *, exclude: Iterable[int] = ()
) -> None:
    """Tell the followers of the thread's theme and of each of its projects, once each,
    except ``exclude`` (those the opening post mentions)."""
    followers = union(
        select(ThemeFollow.user_id).where(ThemeFollow.theme_id == thread.theme_id),
        select(ProjectFollow.user_id)
        .join(thread_projects, thread_projects.c.project_id == ProjectFollow.project_id)
        .where(thread_projects.c.thread_id == thread.id),
    ).subquery()
    _notify_from(followers, NotificationKind.NEW_THREAD, actor, thread, post, exclude)


class MentionLookup:
    """The ``mentionable`` callback for rendering.render_markdown.

    Answers which @names belong to members in one query and remembers their ids, so that the
    service that stores the post can notify them.
    """

    def __init__(self) -> None:
        self.user_ids: dict[str, int] = {}

    def __call__(self, names: set[str]) -> set[str]:
        # No autoflush: rendering happens in the middle of a service (an edit has changed the
        # post already), and flushing here would raise the edit's version conflict too early.
        with db.session.no_autoflush:
            rows = db.session.execute(
                select(User.username, User.id).where(User.username.in_(sorted(names)))
            ).all()
        self.user_ids = {username: user_id for username, user_id in rows}
        return set(self.user_ids)


def notify_mentions(actor: User, thread: Thread, post: Post, mentions: MentionLookup) -> set[int]:
    """Tell the members a new post mentions (never its author); return who was told.

    A mentioned member hears of the post as a mention only: the caller leaves them out of the
    reply or new-thread notification for the same post.
    """
    user_ids = set(mentions.user_ids.values()) - {actor.id}
    notify_users(user_ids, NotificationKind.MENTION, actor, thread, post)
    return user_ids


def notify_new_mentions(editor: User, post: Post, mentions: MentionLookup) -> set[int]:
    """After an edit, tell only the members mentioned for the first time in this post."""
    user_ids = set(mentions.user_ids.values()) - {editor.id}
    if not user_ids:
        return set()
    already = set(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.post_id == post.id,
                Notification.kind == NotificationKind.MENTION.value,
                Notification.user_id.in_(sorted(user_ids)),
            )
        )
    )
    told = user_ids - already
    notify_users(told, NotificationKind.MENTION, editor, post.thread, post)
    return told


def unread_count_column():
    """A correlated count of a user's unread notifications, to load with the user."""
    return (
        select(func.count(Notification.id))
        .where(Notification.user_id == User.id, Notification.read_at.is_(None))
        .correlate(User)
        .scalar_subquery()
    )


def notifications_of(user: User) -> Select[tuple[Notification]]:
    """A user's notifications, unread first, then read, newest first, with what a row shows."""
    return (
        select(Notification)
        .options(
            joinedload(Notification.actor),
            joinedload(Notification.thread),
            joinedload(Notification.post),
        )
        .where(Notification.user_id == user.id)
        .order_by(Notification.read_at.is_(None).desc(), Notification.id.desc())
    )


def notification_total(user: User) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.user_id == user.id)
    ) or 0


def mark_read(user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark some (or, with None, all) of a user's notifications read; return how many."""
    statement = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_ids is not None:
        statement = statement.where(Notification.id.in_(list(notification_ids)))
    return db.session.execute(statement.values(read_at=utcnow())).rowcount
