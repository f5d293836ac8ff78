"""Accepting answers and closing threads with an outcome: one action each, never committed here.

Each change is one conditional UPDATE (``... WHERE accepted_post_id IS DISTINCT FROM ...``,
``... WHERE closed_at IS NULL``): two people clicking at once cannot both "win", and the one
whose UPDATE changed nothing sees False instead of an error.
"""

from __future__ import annotations

from sqlalchemy import exists, select, update
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models import (
    Notification,
    NotificationKind,
    Outcome,
    PitchStage,
    Post,
    Thread,
    ThreadKind,
    User,
    utcnow,
)
from ..notifications.services import notify_users


def _update_thread(thread: Thread, *conditions, **values) -> bool:
    """One conditional UPDATE of the thread; True when it changed the row.

    The loaded object is kept in step by hand (no extra SELECT to synchronise it).
    """
    changed = db.session.execute(
        update(Thread)
        .where(Thread.id == thread.id, *conditions)
        .values(values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed:
        for name, value in values.items():
            set_committed_value(thread, name, value)
    return bool(changed)


def accept_answer(actor: User, thread: Thread, post: Post) -> bool:
    """Make a reply the question's accepted answer (replacing any other); tell its author.

    Returns False when it already was the accepted answer. The author hears of it once per
    reply, also when an answer is accepted, undone and accepted again.
    """
    if post.thread_id != thread.id or post.is_opening_post:
        raise ValueError("only a reply in the thread can be its accepted answer")
    if not _update_thread(
        thread, Thread.accepted_post_id.is_distinct_from(post.id), accepted_post_id=post.id
    ):
        return False
    already_told = db.session.scalar(
        select(
            exists().where(
                Notification.user_id == post.author_id,
                Notification.kind == NotificationKind.ACCEPTED.value,
                Notification.post_id == post.id,
            )
        )
    )
    if not already_told:
        notify_users([post.author_id], NotificationKind.ACCEPTED, actor, thread, post)
    return True


def unaccept_answer(actor: User, thread: Thread) -> bool:
    """Undo the accepted answer; False when there was none (any more)."""
    return _update_thread(thread, Thread.accepted_post_id.is_not(None), accepted_post_id=None)


def close_thread(
    actor: User,
    thread: Thread,
    outcome: Outcome | PitchStage | str,
    summary: str = "",
    duplicate_of: Thread | None = None,
) -> bool:
    """Close a thread with an outcome; a pitch's outcome is its final stage, which it takes.

    Returns False when the thread was closed already (for instance a moment ago, by someone
    else). The caller checks that the outcome fits the kind (models.OUTCOMES_BY_KIND).
    """
    values: dict[str, object] = {
        "closed_at": utcnow(),
        "closed_by_id": actor.id,
        "outcome": str(outcome),
        "summary": summary or "",
        "duplicate_of_id": (
            duplicate_of.id
            if duplicate_of is not None and outcome == Outcome.DUPLICATE
            else None
        ),
    }
    if thread.kind == ThreadKind.PITCH:
        values["stage"] = PitchStage(outcome).value
    return _update_thread(thread, Thread.closed_at.is_(None), **values)


def reopen_thread(actor: User, thread: Thread) -> bool:
    """Reopen a closed thread: the outcome, summary and duplicate link go; a pitch keeps its
    stage. Returns False when it was open already."""
    values = {
        "closed_at": None,
        "closed_by_id": None,
        "outcome": None,
        "summary": "",
        "duplicate_of_id": None,
    }
    return _update_thread(thread, Thread.closed_at.is_not(None), **values)
