"""The review queue's actions: approve or reject a post that waits (a new account's).

Each is one service that does not commit; the view commits the action and its log entry
together. Both claim the post with a conditional UPDATE (``... WHERE state = 'pending'``), so
when two moderators act on the same post at once, the second learns it was already handled
instead of doing it twice.
"""

from __future__ import annotations

from sqlalchemy import update

from ..extensions import db
from ..models import ContentState, Post, Thread, User, utcnow
from ..threads import services as thread_services
from .services import log_action


class AlreadyHandled(Exception):
    """Another moderator approved or rejected the post in the meantime."""


def _claim(moderator: User, post: Post, state: ContentState, reason: str) -> None:
    """Move the post out of the queue, or raise AlreadyHandled when it is no longer in it."""
    claimed = db.session.execute(
        update(Post)
        .where(Post.id == post.id, Post.state == ContentState.PENDING.value)
        .values(
            state=state.value,
            moderation_reason=reason[:500],
            moderated_by_id=moderator.id,
            moderated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise AlreadyHandled
    db.session.refresh(post)


def _label(post: Post) -> str:
    return post.thread.title


def approve_post(moderator: User, post: Post, reason: str = "") -> Post:
    """Publish a post that waited for review, with its original time.

    A reply gets the next number in its thread (the same atomic UPDATE as a direct reply);
    an opening post publishes its thread, which its theme and projects then count. The author
    has one more published post, and everyone hears of it as they would have at once.
    """
    _claim(moderator, post, ContentState.PUBLISHED, reason)
    thread = post.thread
    author = post.author
    mentions = thread_services.mentions_in(post.body)
    if post.number is None:
        post.number = thread_services.reserve_number(thread, author, post.created_at)
        thread_services.record_sector(author, thread)
        db.session.flush()
        thread_services.announce_reply(author, thread, post, mentions)
    else:
        db.session.execute(
            update(Thread)
            .where(Thread.id == thread.id)
            .values(state=ContentState.PUBLISHED.value)
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(thread)
        thread_services.announce_thread(author, thread, post, mentions)
    thread_services.count_published_post(author)
    log_action(moderator, "approve", "post", post.id, _label(post), reason)
    return post


def reject_post(moderator: User, post: Post, reason: str) -> Post:
    """Turn down a post that waited for review; its author sees why, nobody else sees it.

    Rejecting an opening post rejects its thread.
    """
    _claim(moderator, post, ContentState.DELETED, reason)
    if post.number is not None:
        db.session.execute(
            update(Thread)
            .where(Thread.id == post.thread_id)
            .values(state=ContentState.DELETED.value)
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(post.thread)
    log_action(moderator, "reject", "post", post.id, _label(post), reason)
    return post
