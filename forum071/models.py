"""Tables, the rules that belong to one row, and the reusable queries over them.

Nothing here commits or reads request state: views commit once per request, services
(per area) combine several models into one action.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ColumnElement,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.orm import (
    Mapped,
    aliased,
    joinedload,
    mapped_column,
    relationship,
    selectinload,
    validates,
)

from .extensions import db
from .names import skeleton


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every database.

    SQLite stores datetimes without an offset and hands back naive values; this puts UTC back
    so that comparisons and formatting never mix naive and aware datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use forum071.models.utcnow()")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def _check_in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


def slugify(text: str, max_length: int = 80) -> str:
    """Lower-case ASCII words joined by hyphens: 'Circulaire ideeën!' -> 'circulaire-ideeen'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


class Role(StrEnum):
    ENTREPRENEUR = "entrepreneur"
    STUDENT = "student"
    OFFICIAL = "official"
    MODERATOR = "moderator"
    ADMIN = "admin"


# The roles a visitor may pick at registration; the others are granted by an admin.
SELF_SERVICE_ROLES = (Role.ENTREPRENEUR, Role.STUDENT, Role.OFFICIAL)


class ThreadKind(StrEnum):
    DISCUSSION = "discussion"
    PITCH = "pitch"
    QUESTION = "question"


class PitchStage(StrEnum):
    IDEA = "idea"
    IN_DEVELOPMENT = "in_development"
    PILOT = "pilot"
    REALISED = "realised"
    STOPPED = "stopped"


class AskCategory(StrEnum):
    LAUNCHING_CUSTOMER = "launching_customer"
    STUDENT_TEAM = "student_team"
    LOCATION = "location"
    FUNDING = "funding"
    MUNICIPAL_CONTACT = "municipal_contact"
    EXPERTISE = "expertise"


class Outcome(StrEnum):
    """How a thread was closed. A pitch closes with its final stage (a PitchStage value)."""

    ANSWERED = "answered"
    NO_LONGER_RELEVANT = "no_longer_relevant"
    DUPLICATE = "duplicate"
    SUMMARISED = "summarised"


# Which outcomes fit which kind of thread.
OUTCOMES_BY_KIND = {
    "question": (Outcome.ANSWERED, Outcome.NO_LONGER_RELEVANT, Outcome.DUPLICATE),
    "pitch": tuple(PitchStage),
    "discussion": (Outcome.SUMMARISED,),
}


class ContentState(StrEnum):
    """Where a post or thread stands in moderation."""

    PUBLISHED = "published"
    PENDING = "pending"  # waits in the review queue (a new account's first posts)
    HIDDEN = "hidden"  # hidden by a moderator or by enough flags; placeholder for others
    DELETED = "deleted"


class FlagReason(StrEnum):
    SPAM = "spam"
    OFFENSIVE = "offensive"
    OFF_TOPIC = "off_topic"
    OTHER = "other"


class NotificationKind(StrEnum):
    REPLY = "reply"
    NEW_THREAD = "new_thread"
    ACCEPTED = "accepted"
    PITCH_UPDATE = "pitch_update"
    MENTION = "mention"


# The three O's of the partnership: which part of the region each role speaks for.
class Sector(StrEnum):
    ENTREPRENEURS = "entrepreneurs"
    EDUCATION = "education"
    GOVERNMENT = "government"


SECTOR_OF_ROLE = {
    "entrepreneur": Sector.ENTREPRENEURS,
    "student": Sector.EDUCATION,
    "official": Sector.GOVERNMENT,
}


class ProjectPhase(StrEnum):
    AANJAAGFASE = "aanjaagfase"
    LOPEND = "lopend"
    DOORSTART = "doorstart"
    AFGEROND = "afgerond"


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def _username_skeleton(context: Any) -> str | None:
    username = context.get_current_parameters().get("username")
    return skeleton(username) if username is not None else None


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_check_in("role", Role), name="role"),
        # Two usernames that look alike (names.skeleton) cannot both exist.
        Index("ix_users_username_skeleton", "username_skeleton", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(30), unique=True)
    # Follows the username (set with it, or by the default on a Core insert); NULL only for
    # old accounts whose look-alike was there first (migration 0008).
    username_skeleton: Mapped[str | None] = mapped_column(String(200), default=_username_skeleton)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.ENTREPRENEUR)
    organisation: Mapped[str] = mapped_column(String(120), default="")
    # Plain text, shown escaped with its line breaks; never Markdown or HTML.
    bio: Mapped[str] = mapped_column(Text, default="")
    official_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    # Flask-Login stores this token, not the id, in the session and remember cookie, so
    # rotating it (logout, password change) makes every copied cookie worthless.
    session_token: Mapped[str] = mapped_column(
        String(64), unique=True, default=new_session_token
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Posts (threads and replies) that were published: a new account's first
    # PREMODERATION_POSTS wait in the review queue.
    published_post_count: Mapped[int] = mapped_column(Integer, default=0)
    # Suspended when suspended_at is set: until suspended_until, or for good when that is None.
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspended_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspension_reason: Mapped[str] = mapped_column(String(500), default="")
    # When the member last sent a new thread or reply. Writing it first also serialises that
    # member's own posting (a row lock on PostgreSQL, the write lock on SQLite), so a double
    # click cannot slip a copy past the duplicate check (threads.services.find_duplicate_*).
    last_posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The member's language for pages and mails ("nl" or "en"); None: the site's default.
    language: Mapped[str | None] = mapped_column(String(2))
    # Set when the mail server refused the address for good (a 5xx for the recipient); mail
    # to it is not tried again until the address changes.
    email_bouncing_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the member opened the confirmation link mailed at registration; until then they
    # read and set up their profile but post nothing. Demo, CLI and older accounts count as
    # confirmed (auth.services.create_user, migration 0013_confirm).
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the member deleted their account (account.services.delete_account): the row
    # stays, emptied of everything personal, so that the posts they chose to keep have an
    # author ("former member") and every foreign key and query stays as it is.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @validates("username")
    def _keep_skeleton(self, key: str, username: str) -> str:
        self.username_skeleton = skeleton(username)
        return username

    def get_id(self) -> str:
        return self.session_token

    def rotate_session_token(self) -> None:
        self.session_token = new_session_token()

    # Filled in by the login loader in the same query as the user (see auth._load_user).
    unread_notifications: int = 0
    # For moderators: how many items wait in the review queue (0 for everyone else).
    review_queue_count: int = 0

    @property
    def is_former_member(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_suspended(self) -> bool:
        if self.suspended_at is None:
            return False
        return self.suspended_until is None or self.suspended_until > utcnow()

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def sector(self) -> Sector | None:
        return SECTOR_OF_ROLE.get(self.role)

    @property
    def is_official(self) -> bool:
        return self.role == Role.OFFICIAL

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.MODERATOR, Role.ADMIN)

    @property
    def is_unverified_official(self) -> bool:
        return self.is_official and not self.official_verified

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class ReleasedUsername(db.Model):
    """A username freed by a deleted account, not to be registered again for a while (so
    nobody passes for the member who left). Only a keyed hash of the name's skeleton is kept:
    the name itself is gone with the account, and look-alikes are refused too."""

    __tablename__ = "released_usernames"

    name_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    released_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def member_name_column(user: Any) -> ColumnElement[str]:
    """A member's username for lists that print plain rows; "" for a former member (the
    presenter shows the translated label)."""
    return case((user.deleted_at.is_not(None), literal("")), else_=user.username)


# One row: how many times content was written. Each writing transaction adds one (see
# page_cache), so a page rendered for visitors is reused only until the next write.
cache_generation = Table(
    "cache_generation",
    db.metadata,
    Column("id", Integer, primary_key=True),
    Column("value", Integer, nullable=False, default=0),
)

project_themes = Table(
    "project_themes",
    db.metadata,
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_project_themes_theme_id", "theme_id"),
)

thread_projects = Table(
    "thread_projects",
    db.metadata,
    Column("thread_id", ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    # A copy of the thread's last_post_at, kept by database triggers (migration 0006), so a
    # project page reads its threads in activity order from one index instead of sorting all.
    Column("last_post_at", UTCDateTime, nullable=True),
    Index("ix_thread_projects_project_id", "project_id", "thread_id"),
    Index("ix_thread_projects_project_id_last_post_at", "project_id", "last_post_at", "thread_id"),
)


class Theme(db.Model):
    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Kept in the same transaction as each new thread, so lists never count rows.
    thread_count: Mapped[int] = mapped_column(Integer, default=0)

    projects: Mapped[list[Project]] = relationship(
        secondary=project_themes, back_populates="themes", order_by="Project.position"
    )

    def __repr__(self) -> str:
        return f"<Theme {self.slug}>"


class Project(db.Model):
    __tablename__ = "projects"
    __table_args__ = (CheckConstraint(_check_in("phase", ProjectPhase), name="phase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    phase: Mapped[str] = mapped_column(String(20), default=ProjectPhase.AANJAAGFASE)
    partners: Mapped[list[str]] = mapped_column(JSON, default=list)
    goal: Mapped[str] = mapped_column(Text, default="")
    goal_en: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    thread_count: Mapped[int] = mapped_column(Integer, default=0)

    themes: Mapped[list[Theme]] = relationship(
        secondary=project_themes, back_populates="projects", order_by="Theme.position"
    )

    def __repr__(self) -> str:
        return f"<Project {self.slug}>"


# Conditions of partial indexes; queries that should use one repeat its condition exactly,
# literals included (SQLite matches the text, and a bound parameter never matches).
OPEN_QUESTION = "kind = 'question' AND accepted_post_id IS NULL AND closed_at IS NULL"
LISTED_THREAD = "threads.state = 'published'"


class Thread(db.Model):
    __tablename__ = "threads"
    __table_args__ = (
        CheckConstraint(_check_in("kind", ThreadKind), name="kind"),
        # One index per list ordering: front page, theme page, a user's threads.
        Index("ix_threads_last_post_at", "last_post_at", "id"),
        Index("ix_threads_theme_id_last_post_at", "theme_id", "last_post_at", "id"),
        Index("ix_threads_author_id_created_at", "author_id", "created_at"),
        Index("ix_threads_kind_last_post_at", "kind", "last_post_at", "id"),
        # The few pinned threads above the front page and a theme's list, found without
        # scanning every thread. SQLite uses a partial index only for the same comparison.
        Index(
            "ix_threads_pinned_globally",
            "last_post_at",
            sqlite_where=text("pinned_globally = 1"),
            postgresql_where=text("pinned_globally"),
        ),
        # The listed threads in activity order, all and per theme: the pages of the front and
        # theme lists are ranges of these (covering) index entries.
        Index(
            "ix_threads_listed_last_post_at",
            "last_post_at",
            "id",
            sqlite_where=text("state = 'published'"),
            postgresql_where=text("state = 'published'"),
        ),
        Index(
            "ix_threads_listed_theme_id_last_post_at",
            "theme_id",
            "last_post_at",
            "id",
            sqlite_where=text("state = 'published'"),
            postgresql_where=text("state = 'published'"),
        ),
        # A theme's open questions, newest activity first, without passing answered ones.
        Index(
            "ix_threads_open_questions",
            "theme_id",
            "last_post_at",
            "id",
            sqlite_where=text(OPEN_QUESTION),
            postgresql_where=text(OPEN_QUESTION),
        ),
        Index(
            "ix_threads_pinned_theme_id",
            "theme_id",
            "last_post_at",
            sqlite_where=text("pinned = 1"),
            postgresql_where=text("pinned"),
        ),
        CheckConstraint(
            "stage IS NULL OR " + _check_in("stage", PitchStage), name="stage"
        ),
        CheckConstraint(_check_in("state", ContentState), name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80), default="")
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_post_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_poster_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Includes the opening post; bumped atomically by services.
    post_count: Mapped[int] = mapped_column(Integer, default=0)

    # Questions: the accepted answer (None while unanswered).
    accepted_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", use_alter=True, ondelete="SET NULL")
    )
    # Pitches: where the initiative stands and what input the pitcher asks for now.
    stage: Mapped[str | None] = mapped_column(String(20))
    ask: Mapped[str] = mapped_column(Text, default="")
    ask_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Closing with an outcome; a closed thread takes no replies until it is reopened.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(30))
    summary: Mapped[str] = mapped_column(Text, default="")
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id"))
    # Which of the three O's have posted, kept up to date with each post.
    has_entrepreneurs: Mapped[bool] = mapped_column(Boolean, default=False)
    has_education: Mapped[bool] = mapped_column(Boolean, default=False)
    has_government: Mapped[bool] = mapped_column(Boolean, default=False)
    # Moderation: a pending thread is seen only by its author and moderators.
    state: Mapped[str] = mapped_column(String(20), default=ContentState.PUBLISHED)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    # Why a moderator locked the thread, shown on it; empty while it is not locked.
    lock_reason: Mapped[str] = mapped_column(String(500), default="")
    # A merged thread: the post that opened it, now in the thread it was merged into, so that
    # its old address leads to that post. A plain id like the moderation log's target_id.
    merged_post_id: Mapped[int | None] = mapped_column(Integer)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)  # on top of its theme
    pinned_globally: Mapped[bool] = mapped_column(Boolean, default=False)  # on the front page

    theme: Mapped[Theme] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    last_poster: Mapped[User | None] = relationship(foreign_keys=[last_poster_id])
    projects: Mapped[list[Project]] = relationship(
        secondary=thread_projects, order_by="Project.position"
    )
    accepted_post: Mapped[Post | None] = relationship(foreign_keys=[accepted_post_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    duplicate_of: Mapped[Thread | None] = relationship(remote_side=[id])

    @property
    def reply_count(self) -> int:
        return max(self.post_count - 1, 0)

    @property
    def is_question(self) -> bool:
        return self.kind == ThreadKind.QUESTION

    @property
    def is_pitch(self) -> bool:
        return self.kind == ThreadKind.PITCH

    @property
    def answered(self) -> bool:
        return self.accepted_post_id is not None

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    @property
    def is_published(self) -> bool:
        return self.state == ContentState.PUBLISHED

    @property
    def mix(self) -> dict[str, bool]:
        return {
            Sector.ENTREPRENEURS.value: self.has_entrepreneurs,
            Sector.EDUCATION.value: self.has_education,
            Sector.GOVERNMENT.value: self.has_government,
        }

    def __repr__(self) -> str:
        return f"<Thread {self.id} {self.kind}>"


class Post(db.Model):
    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("thread_id", "number"),
        # A form carries a one-time token so a double click or a resubmit makes one post.
        UniqueConstraint("author_id", "client_token"),
        Index("ix_posts_author_id_created_at", "author_id", "created_at"),
        # The review queue: what waits, oldest first.
        Index("ix_posts_state_created_at", "state", "created_at"),
        CheckConstraint(_check_in("state", ContentState), name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    # Position in the thread, 1 for the opening post: pages are ranges of numbers, not OFFSETs.
    # A reply waiting in the review queue has no number until it is approved.
    number: Mapped[int | None] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    # The sanitised HTML of body, made once when the post is written (rendering.render_markdown).
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer)
    client_token: Mapped[str | None] = mapped_column(String(64))
    # Kept in the same transaction as each support, so pages never count rows.
    support_count: Mapped[int] = mapped_column(Integer, default=0)
    edit_count: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(20), default=ContentState.PUBLISHED)
    # Open flags from different members; at FLAG_HIDE_THRESHOLD the post is hidden.
    flag_count: Mapped[int] = mapped_column(Integer, default=0)
    moderation_reason: Mapped[str] = mapped_column(String(500), default="")
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    thread: Mapped[Thread] = relationship(foreign_keys=[thread_id])
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    moderated_by: Mapped[User | None] = relationship(foreign_keys=[moderated_by_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_opening_post(self) -> bool:
        return self.number == 1

    @property
    def is_published(self) -> bool:
        return self.state == ContentState.PUBLISHED

    def __repr__(self) -> str:
        return f"<Post {self.id} #{self.number} in {self.thread_id}>"


class PostRevision(db.Model):
    """An earlier version of a post, kept when the post is edited."""

    __tablename__ = "post_revisions"
    __table_args__ = (UniqueConstraint("post_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    # 1 is the text as first posted, 2 the text after the first edit, and so on.
    number: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    # Who wrote this version and when (the author at first, later the editor).
    editor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(String(300), default="")
    # The opening post's versions also keep their thread's title (None for replies).
    title: Mapped[str | None] = mapped_column(String(200))
    # A moderator's redaction: the versions before this one are for moderators' eyes only.
    redaction: Mapped[bool] = mapped_column(Boolean, default=False)

    editor: Mapped[User] = relationship()


class Support(db.Model):
    """A member supports (likes) a post; once per member, enforced by the primary key."""

    __tablename__ = "supports"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PitchUpdate(db.Model):
    """A dated progress entry on a pitch: what changed, the stage, and the new ask."""

    __tablename__ = "pitch_updates"
    __table_args__ = (
        Index("ix_pitch_updates_thread_id_created_at", "thread_id", "created_at"),
        CheckConstraint(_check_in("stage", PitchStage), name="stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    stage: Mapped[str] = mapped_column(String(20))
    ask: Mapped[str] = mapped_column(Text, default="")
    ask_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    client_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    author: Mapped[User] = relationship()


class ThreadFollow(db.Model):
    """A member follows a thread. ``active`` False means they chose to stop: replying again
    does not make them follow it once more."""

    __tablename__ = "thread_follows"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ThemeFollow(db.Model):
    __tablename__ = "theme_follows"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    theme_id: Mapped[int] = mapped_column(
        ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProjectFollow(db.Model):
    __tablename__ = "project_follows"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(db.Model):
    """Something a member should hear about, made in the transaction of its cause."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(_check_in("kind", NotificationKind), name="kind"),
        # The notifications page (newest first) and the unread count in the header.
        Index("ix_notifications_user_id_id", "user_id", "id"),
        Index("ix_notifications_user_id_read_at", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a mail about it was queued (outgoing_mails); None: not mailed (yet). Written in the
    # same transaction as the mail, so it is never mailed twice nor marked without a mail.
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    thread: Mapped[Thread | None] = relationship()
    post: Mapped[Post | None] = relationship()

    @property
    def unread(self) -> bool:
        return self.read_at is None


class OutgoingMail(db.Model):
    """A mail to send: the outbox, written in the transaction of its cause (forum071/mail/).

    The worker claims a due row (claimed_until in the future), sends it, and sets sent_at; a
    row that failed waits until next_attempt_at; failed_at ends it (the address bounces).
    """

    __tablename__ = "outgoing_mails"
    __table_args__ = (
        # The worker's sweep: unsent rows by when they are due.
        Index("ix_outgoing_mails_sent_at_next_attempt_at", "sent_at", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    recipient: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(30))
    language: Mapped[str] = mapped_column(String(2))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    # Extra headers by name (Message-ID, later List-Unsubscribe); the sender adds the rest.
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    # A worker's claim: who took the row and until when (after that another may take it).
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Flag(db.Model):
    """A member reports a post, once per post, with a reason; a moderator resolves it."""

    __tablename__ = "flags"
    __table_args__ = (
        UniqueConstraint("post_id", "user_id"),
        CheckConstraint(_check_in("reason", FlagReason), name="reason"),
        Index("ix_flags_resolved_at_created_at", "resolved_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution: Mapped[str] = mapped_column(String(20), default="")

    post: Mapped[Post] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class ModerationAction(db.Model):
    """The moderation log: who did what, to what, why and when."""

    __tablename__ = "moderation_actions"
    __table_args__ = (Index("ix_moderation_actions_created_at", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # e.g. approve, reject, hide, unhide, delete, edit, lock, pin, move, merge, split,
    # verify, set_role, suspend, unsuspend, remove_content, auto_hide
    action: Mapped[str] = mapped_column(String(30))
    target_type: Mapped[str] = mapped_column(String(20))  # post, thread or user
    target_id: Mapped[int] = mapped_column(Integer)
    # A short human description of the target (a title or username) as it was then.
    target_label: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(String(500), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    moderator: Mapped[User | None] = relationship()


# Reusable queries: each returns a select() for the view to paginate or fetch.


def thread_is_listed() -> ColumnElement[bool]:
    """Threads that lists, counts and the API show: published ones only (not pending, hidden
    or deleted)."""
    return Thread.state == ContentState.PUBLISHED.value


def post_is_published() -> ColumnElement[bool]:
    return Post.state == ContentState.PUBLISHED.value


def themes_in_order() -> Select[tuple[Theme]]:
    return select(Theme).order_by(Theme.position, Theme.id)


@cache
def theme_rows() -> Select[Any]:
    """The themes in order as plain rows (slug, names, thread_count) for lists to print."""
    themes = Theme.__table__
    return select(
        themes.c.id, themes.c.slug, themes.c.name, themes.c.name_en, themes.c.thread_count
    ).order_by(themes.c.position, themes.c.id)


def projects_in_order() -> Select[tuple[Project]]:
    return select(Project).options(selectinload(Project.themes)).order_by(
        Project.position, Project.id
    )


def latest_threads() -> Select[tuple[Thread]]:
    """Threads with the most recent activity first, with what a list row shows."""
    return (
        select(Thread)
        .options(
            joinedload(Thread.theme),
            joinedload(Thread.author),
            joinedload(Thread.last_poster),
            selectinload(Thread.projects),
        )
        .where(thread_is_listed())
        .order_by(Thread.last_post_at.desc(), Thread.id.desc())
    )


def thread_with_context(thread_id: int) -> Select[tuple[Thread]]:
    """One thread with what its header shows: theme, author and projects.

    The projects come in a second query: joined in, SQLite would first build the join of
    every thread's projects (it cannot push the thread's id into the parenthesised join of
    the link table), which grows with the forum.
    """
    return (
        select(Thread)
        .options(
            joinedload(Thread.theme), joinedload(Thread.author), selectinload(Thread.projects)
        )
        .where(Thread.id == thread_id)
    )


def pitch_updates_of(thread_id: int) -> Select[tuple[PitchUpdate]]:
    """A pitch's progress updates, newest first, with their authors."""
    return (
        select(PitchUpdate)
        .options(joinedload(PitchUpdate.author))
        .where(PitchUpdate.thread_id == thread_id)
        .order_by(PitchUpdate.created_at.desc(), PitchUpdate.id.desc())
    )


def posts_in_thread(
    thread_id: int,
    page_number: int,
    per_page: int,
    *,
    unnumbered: ColumnElement[bool] | None = None,
) -> Select[tuple[Post]]:
    """One page of a thread's posts with their authors.

    Posts are numbered from 1 without gaps, so a page is a range of numbers on the
    (thread_id, number) index: page 500 costs what page 1 costs. ``unnumbered`` also brings
    along, in the same query, the replies without a number (waiting for review, or rejected)
    that meet it; they come last.
    """
    first = (page_number - 1) * per_page + 1
    return posts_numbered(thread_id, first, first + per_page - 1, unnumbered=unnumbered)


def posts_numbered(
    thread_id: Any,
    first: Any,
    last: Any,
    *,
    unnumbered: ColumnElement[bool] | None = None,
) -> Select[tuple[Post]]:
    """The posts numbered first to last (values or bound parameters) with their authors, and
    the unnumbered ones that meet ``unnumbered`` (see posts_in_thread)."""
    on_page = Post.number.between(first, last)
    order = [Post.number]
    if unnumbered is not None:
        on_page = or_(on_page, and_(Post.number.is_(None), unnumbered))
        order = [Post.number.is_(None), Post.number, Post.created_at, Post.id]
    return (
        select(Post)
        .options(joinedload(Post.author))
        .where(Post.thread_id == thread_id, on_page)
        .order_by(*order)
    )


def unnumbered_posts_shown_to(user_id: int, all_pending: bool) -> ColumnElement[bool]:
    """Which unnumbered replies (waiting for review, or rejected) a member sees in a thread:
    their own, and with ``all_pending`` (moderators) every reply that waits."""
    own = Post.author_id == user_id
    if all_pending:
        return or_(own, Post.state == ContentState.PENDING.value)
    return own


# List filters: the same conditions narrow a list's select() and its COUNT.


def thread_filter_conditions(
    *,
    kind: str | None = None,
    answered: bool | None = None,
    stage: str | None = None,
    no_official: bool = False,
) -> list[ColumnElement[bool]]:
    """WHERE conditions for the list filters; answered and stage imply their kind."""
    conditions: list[ColumnElement[bool]] = []
    if kind:
        conditions.append(Thread.kind == kind)
    if answered is not None:
        conditions.append(Thread.kind == ThreadKind.QUESTION.value)
        accepted = Thread.accepted_post_id
        conditions.append(accepted.is_not(None) if answered else accepted.is_(None))
    if stage:
        conditions.append(Thread.kind == ThreadKind.PITCH.value)
        conditions.append(Thread.stage == stage)
    if no_official:
        conditions.append(Thread.has_government.is_(False))
    return conditions


def in_project(project_id: int) -> ColumnElement[bool]:
    """Threads linked to a project, as a condition (usable in a list and in its COUNT)."""
    return Thread.id.in_(
        select(thread_projects.c.thread_id).where(thread_projects.c.project_id == project_id)
    )


def count_threads(*conditions: ColumnElement[bool]) -> Select[tuple[int]]:
    """How many threads meet the conditions: for filtered lists, where no counter fits."""
    return select(func.count()).select_from(Thread).where(thread_is_listed(), *conditions)


@cache
def open_questions(in_project: bool = False, limit: int = 5) -> Select[Any]:
    """Unanswered questions that are still open, most recently active first: rows of id,
    slug, title, post_count and the asker's name (author_name).

    Of a theme (bound parameter theme_id), or with ``in_project`` of a project (project_id),
    read in order from the link table's own activity index. Built once per variant, since
    building a statement costs more than running this one.
    """
    query = (
        select(
            Thread.id,
            Thread.slug,
            Thread.title,
            Thread.post_count,
            member_name_column(User).label("author_name"),
        )
        .join(User, User.id == Thread.author_id)
        # Written as in the partial index ix_threads_open_questions, literals included: SQLite
        # uses a partial index only when the query repeats its condition.
        .where(text(_OPEN_QUESTION_QUALIFIED), thread_is_listed())
        .limit(limit)
    )
    if not in_project:
        return query.where(Thread.theme_id == bindparam("theme_id")).order_by(
            Thread.last_post_at.desc(), Thread.id.desc()
        )
    links = thread_projects.c
    return (
        query.join(thread_projects, links.thread_id == Thread.id)
        .where(links.project_id == bindparam("project_id"))
        .order_by(links.last_post_at.desc(), links.thread_id.desc())
    )


_OPEN_QUESTION_QUALIFIED = (
    "threads.kind = 'question' AND threads.accepted_post_id IS NULL "
    "AND threads.closed_at IS NULL"
)


# The review queue: what waits for a moderator, oldest first.


def pending_posts() -> Select[tuple[Post]]:
    """Posts waiting for review (opening posts of new threads and replies), oldest first,
    with their thread (and its theme) and author."""
    return (
        select(Post)
        .options(
            joinedload(Post.thread).joinedload(Thread.theme),
            joinedload(Post.author),
        )
        .where(Post.state == ContentState.PENDING.value)
        .order_by(Post.created_at, Post.id)
    )


def _open_flags_per_post():
    return (
        select(
            Flag.post_id.label("post_id"),
            func.count().label("open_flags"),
            func.min(Flag.id).label("first_flag_id"),
        )
        .where(Flag.resolved_at.is_(None))
        .group_by(Flag.post_id)
        .subquery()
    )


def flagged_posts() -> Select[tuple[Post, int]]:
    """Posts with open (unresolved) flags and how many, the longest-flagged first, with their
    thread and author."""
    flags = _open_flags_per_post()
    return (
        select(Post, flags.c.open_flags)
        .join(flags, flags.c.post_id == Post.id)
        .options(
            joinedload(Post.thread).joinedload(Thread.theme),
            joinedload(Post.author),
        )
        .order_by(flags.c.first_flag_id)
    )


def open_flags_of(post_ids: list[int]) -> Select[tuple[Flag]]:
    """The open flags of these posts, oldest first, with who flagged."""
    return (
        select(Flag)
        .options(joinedload(Flag.user))
        .where(Flag.post_id.in_(post_ids), Flag.resolved_at.is_(None))
        .order_by(Flag.created_at, Flag.id)
    )


def officials_awaiting_verification() -> Select[tuple[User]]:
    """Officials whose work for a government body is not verified yet, longest waiting first."""
    return (
        select(User)
        .where(
            User.role == Role.OFFICIAL.value,
            User.official_verified.is_(False),
            User.deleted_at.is_(None),
        )
        .order_by(User.created_at, User.id)
    )


def count_of(query: Select) -> Select[tuple[int]]:
    """How many rows a select() returns (for a queue section's pagination)."""
    return select(func.count()).select_from(query.order_by(None).subquery())


def review_queue_count_column() -> ColumnElement[int]:
    """How many items wait in the review queue, loaded along with a staff member (0 for
    others, and then not counted at all)."""
    pending = (
        select(func.count())
        .select_from(Post)
        .where(Post.state == ContentState.PENDING.value)
        .scalar_subquery()
    )
    flagged = (
        select(func.count(func.distinct(Flag.post_id)))
        .where(Flag.resolved_at.is_(None))
        .scalar_subquery()
    )
    waiting_user = aliased(User)
    officials = (
        select(func.count())
        .select_from(waiting_user)
        .where(
            waiting_user.role == Role.OFFICIAL.value,
            waiting_user.official_verified.is_(False),
            waiting_user.deleted_at.is_(None),
        )
        .scalar_subquery()
    )
    return case(
        (User.role.in_([Role.MODERATOR.value, Role.ADMIN.value]), pending + flagged + officials),
        else_=0,
    )
