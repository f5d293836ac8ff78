"""Progress updates on a pitch: one action across the update, the thread and notifications.

Services never commit: the view commits once, so an update is all or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from ..extensions import db
from ..models import NotificationKind, PitchStage, PitchUpdate, Thread, User, utcnow
from ..notifications.services import MentionLookup, notify_thread_followers
from ..rendering import render_markdown


def find_update_submission(author: User, client_token: str | None) -> PitchUpdate | None:
    """The update this author already posted with this one-time form token, if any."""
    if not client_token:
        return None
    return db.session.scalar(
        select(PitchUpdate).where(
            PitchUpdate.author_id == author.id, PitchUpdate.client_token == client_token
        )
    )


def post_pitch_update(
    author: User,
    thread: Thread,
    body: str,
    stage: PitchStage | str,
    ask: str,
    ask_categories: Sequence[str] = (),
    client_token: str | None = None,
) -> PitchUpdate:
    """Record a dated update and make its stage and ask the pitch's current ones.

    The pitch rises in lists as if it had a new post, and everyone who follows it is told.
    """
    now = utcnow()
    stage = PitchStage(stage)
    ask = ask.strip()
    categories = list(dict.fromkeys(ask_categories))
    update = PitchUpdate(
        thread_id=thread.id,
        author_id=author.id,
        body=body,
        body_html=str(render_markdown(body, mentionable=MentionLookup())),
        stage=stage,
        ask=ask,
        ask_categories=categories,
        created_at=now,
        client_token=client_token,
    )
    db.session.add(update)
    thread.stage = stage
    thread.ask = ask
    # A new list, not the old one changed in place: JSON columns only notice assignment.
    thread.ask_categories = list(categories)
    thread.last_post_at = now
    thread.last_poster_id = author.id
    db.session.flush()
    notify_thread_followers(NotificationKind.PITCH_UPDATE, author, thread)
    return update
