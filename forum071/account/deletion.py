"""Deleting one's account (AVG/GDPR): everything personal goes, the posts stay or go.

The users row itself stays, emptied of everything personal (name, address, organisation, bio,
password hash, sessions, language, suspension), as the placeholder author of what the member
chose to keep: every foreign key and join keeps working, and templates show such an author as
"former member" without a link (User.is_former_member, labels.member_name). Their own
supports, follows and notifications are deleted, the notes of their flags emptied, the
moderation log no longer names them, and other members' posts that mentioned them are
rendered again, so that the mention is plain text instead of a link to a profile that is gone.

Nothing here commits: the view commits the whole deletion at once. Each write goes through
the session, so the page cache's generation moves with it (page_cache) and every rendered
fragment that showed the member is keyed by their (now changed) name (fragments.py).
"""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy import and_, delete, exists, select, update
from sqlalchemy.orm import aliased

from ..extensions import db
from ..forms import members_named
from ..models import (
    ContentState,
    Flag,
    ModerationAction,
    Notification,
    PitchUpdate,
    Post,
    PostRevision,
    ProjectFollow,
    Support,
    ThemeFollow,
    Thread,
    ThreadFollow,
    User,
    utcnow,
)
from ..moderation.user_services import delete_threads
from ..released_names import release_username
from ..rendering import MENTION_URL, RenderError, render_markdown


def placeholder_username(user: User) -> str:
    """A name no one can register or mention ("~" is no username character)."""
    return f"~former{user.id}"


def delete_account(user: User, *, remove_posts: bool) -> None:
    """Delete the member's account; with ``remove_posts`` their posts are deleted as a
    moderator deletes them, otherwise they stay under "former member"."""
    old_name = user.username
    release_username(old_name)
    if remove_posts:
        _remove_posts(user)
    _drop_personal_rows(user)
    _forget_in_log(user)
    _scrub(user)
    db.session.flush()  # the mention lookups below must no longer find the old name
    _unlink_mentions(old_name)


def _remove_posts(user: User) -> None:
    """Delete the member's posts as a moderator delete does (each keeps its place with a
    notice), and their threads that nobody else replied to. Unlike a moderator's delete the
    text goes too: the member asked for it to be gone."""
    now = utcnow()
    other_post = aliased(Post)
    others_replied = exists().where(
        other_post.thread_id == Thread.id,
        other_post.author_id != user.id,
        other_post.state != ContentState.DELETED.value,
    )
    alone = list(
        db.session.execute(
            select(Thread.id, Thread.theme_id, Thread.state).where(
                Thread.author_id == user.id,
                Thread.state != ContentState.DELETED.value,
                ~others_replied,
            )
        )
    )
    delete_threads(alone)
    own_posts = select(Post.id).where(Post.author_id == user.id).scalar_subquery()
    db.session.execute(
        update(Flag)
        .where(Flag.post_id.in_(own_posts), Flag.resolved_at.is_(None))
        .values(resolved_at=now, resolution="deleted")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Post)
        .where(Post.author_id == user.id, Post.state != ContentState.DELETED.value)
        .values(state=ContentState.DELETED.value, moderated_by_id=None, moderated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Post)
        .where(Post.author_id == user.id)
        .values(body="", body_html="", moderation_reason="", flag_count=0)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(PostRevision)
        .where(PostRevision.post_id.in_(own_posts))
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(PitchUpdate)
        .where(PitchUpdate.author_id == user.id)
        .execution_options(synchronize_session=False)
    )


def _drop_personal_rows(user: User) -> None:
    """Their supports (off the posts' counters), follows and notifications; the notes of their
    flags (the flags stay: they are part of how a post was moderated)."""
    supported = select(Support.post_id).where(Support.user_id == user.id).scalar_subquery()
    db.session.execute(
        update(Post)
        .where(Post.id.in_(supported))
        .values(support_count=Post.support_count - 1)
        .execution_options(synchronize_session=False)
    )
    for model in (Support, ThreadFollow, ThemeFollow, ProjectFollow, Notification):
        db.session.execute(
            delete(model)
            .where(model.user_id == user.id)
            .execution_options(synchronize_session=False)
        )
    db.session.execute(
        update(Notification)
        .where(Notification.actor_id == user.id)
        .values(actor_id=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Flag)
        .where(Flag.user_id == user.id)
        .values(note="")
        .execution_options(synchronize_session=False)
    )


def _forget_in_log(user: User) -> None:
    """The log keeps its decisions about the member, but no longer their name."""
    db.session.execute(
        update(ModerationAction)
        .where(
            and_(ModerationAction.target_type == "user", ModerationAction.target_id == user.id)
        )
        .values(target_label="")
        .execution_options(synchronize_session=False)
    )


def _scrub(user: User) -> None:
    user.username = placeholder_username(user)
    user.username_skeleton = None  # frees look-alikes once the name's reservation ends
    user.email = f"{user.id}@former-member.invalid"
    user.password_hash = ""
    user.organisation = ""
    user.bio = ""
    user.official_verified = False
    user.language = None
    user.suspended_at = None
    user.suspended_until = None
    user.suspension_reason = ""
    user.last_posted_at = None
    user.deleted_at = utcnow()
    user.rotate_session_token()


def _unlink_mentions(old_name: str) -> None:
    """Render again the posts and pitch updates that link the old name, which then stays as
    plain text. Not an edit: no version, no history."""
    link = f'href="{MENTION_URL.format(quote(old_name))}"'
    for model in (Post, PitchUpdate):
        rows = db.session.execute(
            select(model.id, model.body).where(model.body_html.contains(link, autoescape=True))
        ).all()
        for row_id, body in rows:
            try:
                cooked = str(render_markdown(body, mentionable=members_named))
            except RenderError:
                continue  # it rendered when it was saved; keep that HTML rather than fail
            db.session.execute(
                update(model)
                .where(model.id == row_id)
                .values(body_html=cooked)
                .execution_options(synchronize_session=False)
            )
