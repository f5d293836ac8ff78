"""Supporting (liking) posts: once per member and post, however many requests arrive at once.

The primary key (user_id, post_id) decides: an INSERT ... ON CONFLICT DO NOTHING either adds
the row or does nothing, and the post's counter moves only when a row was really added or
removed, in one atomic UPDATE. No read-then-write, so two concurrent requests can neither make
two supports nor leave ``support_count`` out of step with the rows.
"""

from __future__ import annotations

from sqlalchemy import delete, update

from ..extensions import db
from ..models import Post, Support, User, utcnow
from .services import _insert


def _bump(post: Post, step: int) -> None:
    db.session.execute(
        update(Post)
        .where(Post.id == post.id)
        .values(support_count=Post.support_count + step)
        # A plain UPDATE: a support is no edit, so the post's version stays as it is.
        .execution_options(synchronize_session=False)
    )


def support_post(user: User, post: Post) -> bool:
    """Support a post; False when this user already supported it."""
    # RETURNING answers a row only when one was inserted (an INSERT's rowcount is not
    # reported by every driver).
    added = db.session.execute(
        _insert(Support)
        .values(user_id=user.id, post_id=post.id, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id", "post_id"])
        .returning(Support.post_id)
    ).first() is not None
    if added:
        _bump(post, 1)
    return added


def unsupport_post(user: User, post: Post) -> bool:
    """Withdraw a support; False when there was none."""
    removed = db.session.execute(
        delete(Support)
        .where(Support.user_id == user.id, Support.post_id == post.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if removed:
        _bump(post, -1)
    return bool(removed)
