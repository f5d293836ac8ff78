"""Everything the forum holds about a member, as one JSON document (AVG/GDPR, access).

Their profile, threads, posts with every version, pitch updates, supports, follows,
notifications, the flags they made, and the moderation decisions about them or their content.
Other members appear only by their public username (who caused a notification); moderators
are not named, and nothing moderators noted about others is included.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import (
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
)
from ..models import Project as ProjectModel
from ..models import Theme as ThemeModel

FORMAT_VERSION = 1


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _profile(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "email": user.email,
        "role": user.role,
        "official_verified": user.official_verified,
        "organisation": user.organisation,
        "bio": user.bio,
        "language": user.language,
        "created_at": _when(user.created_at),
        "published_post_count": user.published_post_count,
        "last_posted_at": _when(user.last_posted_at),
        "suspended_at": _when(user.suspended_at),
        "suspended_until": _when(user.suspended_until),
        "suspension_reason": user.suspension_reason,
    }


def _threads(user: User) -> list[dict[str, Any]]:
    threads = db.session.scalars(
        select(Thread)
        .options(joinedload(Thread.theme), selectinload(Thread.projects))
        .where(Thread.author_id == user.id)
        .order_by(Thread.id)
    )
    return [
        {
            "id": thread.id,
            "title": thread.title,
            "kind": thread.kind,
            "theme": thread.theme.slug,
            "projects": [project.slug for project in thread.projects],
            "state": thread.state,
            "created_at": _when(thread.created_at),
            "stage": thread.stage,
            "ask": thread.ask,
            "ask_categories": list(thread.ask_categories or []),
            "closed_at": _when(thread.closed_at),
            "outcome": thread.outcome,
            "summary": thread.summary,
        }
        for thread in threads
    ]


def _posts(user: User) -> list[dict[str, Any]]:
    posts = db.session.scalars(
        select(Post).where(Post.author_id == user.id).order_by(Post.id)
    ).all()
    revisions: dict[int, list[dict[str, Any]]] = {}
    rows = db.session.scalars(
        select(PostRevision)
        .where(PostRevision.post_id.in_([post.id for post in posts]))
        .order_by(PostRevision.post_id, PostRevision.number)
    )
    for revision in rows:
        revisions.setdefault(revision.post_id, []).append(
            {
                "number": revision.number,
                "title": revision.title,
                "body": revision.body,
                "created_at": _when(revision.created_at),
                # Who made a version: the member, or a moderator (not named).
                "by": "you" if revision.editor_id == user.id else "moderator",
                "reason": revision.reason,
                "redaction": revision.redaction,
            }
        )
    return [
        {
            "id": post.id,
            "thread_id": post.thread_id,
            "number": post.number,
            "body": post.body,
            "state": post.state,
            "created_at": _when(post.created_at),
            "edited_at": _when(post.edited_at),
            "moderation_reason": post.moderation_reason,
            "support_count": post.support_count,
            "revisions": revisions.get(post.id, []),
        }
        for post in posts
    ]


def _pitch_updates(user: User) -> list[dict[str, Any]]:
    updates = db.session.scalars(
        select(PitchUpdate).where(PitchUpdate.author_id == user.id).order_by(PitchUpdate.id)
    )
    return [
        {
            "id": update.id,
            "thread_id": update.thread_id,
            "body": update.body,
            "stage": update.stage,
            "ask": update.ask,
            "ask_categories": list(update.ask_categories or []),
            "created_at": _when(update.created_at),
        }
        for update in updates
    ]


def _supports(user: User) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(Support.post_id, Post.thread_id, Support.created_at)
        .join(Post, Post.id == Support.post_id)
        .where(Support.user_id == user.id)
        .order_by(Support.created_at)
    )
    return [
        {"post_id": post_id, "thread_id": thread_id, "created_at": _when(created_at)}
        for post_id, thread_id, created_at in rows
    ]


def _follows(user: User) -> dict[str, list[dict[str, Any]]]:
    threads = db.session.execute(
        select(ThreadFollow.thread_id, ThreadFollow.active, ThreadFollow.created_at)
        .where(ThreadFollow.user_id == user.id)
        .order_by(ThreadFollow.created_at)
    )
    themes = db.session.execute(
        select(ThemeModel.slug, ThemeFollow.created_at)
        .join(ThemeModel, ThemeModel.id == ThemeFollow.theme_id)
        .where(ThemeFollow.user_id == user.id)
    )
    projects = db.session.execute(
        select(ProjectModel.slug, ProjectFollow.created_at)
        .join(ProjectModel, ProjectModel.id == ProjectFollow.project_id)
        .where(ProjectFollow.user_id == user.id)
    )
    return {
        "threads": [
            {"thread_id": thread_id, "active": active, "created_at": _when(created_at)}
            for thread_id, active, created_at in threads
        ],
        "themes": [{"theme": slug, "created_at": _when(at)} for slug, at in themes],
        "projects": [{"project": slug, "created_at": _when(at)} for slug, at in projects],
    }


def _notifications(user: User) -> list[dict[str, Any]]:
    notifications = db.session.scalars(
        select(Notification)
        .options(joinedload(Notification.actor))
        .where(Notification.user_id == user.id)
        .order_by(Notification.id)
    )
    return [
        {
            "kind": notification.kind,
            "actor": (
                notification.actor.username
                if notification.actor is not None and not notification.actor.is_former_member
                else None
            ),
            "thread_id": notification.thread_id,
            "post_id": notification.post_id,
            "created_at": _when(notification.created_at),
            "read_at": _when(notification.read_at),
        }
        for notification in notifications
    ]


def _flags(user: User) -> list[dict[str, Any]]:
    flags = db.session.scalars(select(Flag).where(Flag.user_id == user.id).order_by(Flag.id))
    return [
        {
            "post_id": flag.post_id,
            "reason": flag.reason,
            "note": flag.note,
            "created_at": _when(flag.created_at),
            "resolved_at": _when(flag.resolved_at),
            "resolution": flag.resolution,
        }
        for flag in flags
    ]


def _moderation(user: User) -> list[dict[str, Any]]:
    """Decisions about the member, their posts or their threads; without the moderator."""
    own_posts = select(Post.id).where(Post.author_id == user.id)
    own_threads = select(Thread.id).where(Thread.author_id == user.id)
    entries = db.session.scalars(
        select(ModerationAction)
        .where(
            or_(
                and_(
                    ModerationAction.target_type == "user",
                    ModerationAction.target_id == user.id,
                ),
                and_(
                    ModerationAction.target_type == "post",
                    ModerationAction.target_id.in_(own_posts),
                ),
                and_(
                    ModerationAction.target_type == "thread",
                    ModerationAction.target_id.in_(own_threads),
                ),
            )
        )
        .order_by(ModerationAction.created_at, ModerationAction.id)
    )
    return [
        {
            "action": entry.action,
            "target_type": entry.target_type,
            "target_id": entry.target_id,
            "reason": entry.reason,
            "created_at": _when(entry.created_at),
        }
        for entry in entries
    ]


def export_data(user: User) -> dict[str, Any]:
    """The member's data, ready for json.dumps."""
    return {
        "format": "forum071-account-export",
        "version": FORMAT_VERSION,
        "profile": _profile(user),
        "threads": _threads(user),
        "posts": _posts(user),
        "pitch_updates": _pitch_updates(user),
        "supports": _supports(user),
        "follows": _follows(user),
        "notifications": _notifications(user),
        "flags": _flags(user),
        "moderation": _moderation(user),
    }
