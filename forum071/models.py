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

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
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
    select,
)
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship, selectinload

from .extensions import db


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


class ProjectPhase(StrEnum):
    AANJAAGFASE = "aanjaagfase"
    LOPEND = "lopend"
    DOORSTART = "doorstart"
    AFGEROND = "afgerond"


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_check_in("role", Role), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(30), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.ENTREPRENEUR)
    organisation: Mapped[str] = mapped_column(String(120), default="")
    official_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    # Flask-Login stores this token, not the id, in the session and remember cookie, so
    # rotating it (logout, password change) makes every copied cookie worthless.
    session_token: Mapped[str] = mapped_column(
        String(64), unique=True, default=new_session_token
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def get_id(self) -> str:
        return self.session_token

    def rotate_session_token(self) -> None:
        self.session_token = new_session_token()

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
    Index("ix_thread_projects_project_id", "project_id", "thread_id"),
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


class Thread(db.Model):
    __tablename__ = "threads"
    __table_args__ = (
        CheckConstraint(_check_in("kind", ThreadKind), name="kind"),
        # One index per list ordering: front page, theme page, a user's threads.
        Index("ix_threads_last_post_at", "last_post_at", "id"),
        Index("ix_threads_theme_id_last_post_at", "theme_id", "last_post_at", "id"),
        Index("ix_threads_author_id_created_at", "author_id", "created_at"),
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

    theme: Mapped[Theme] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    last_poster: Mapped[User | None] = relationship(foreign_keys=[last_poster_id])
    projects: Mapped[list[Project]] = relationship(
        secondary=thread_projects, order_by="Project.position"
    )

    @property
    def reply_count(self) -> int:
        return max(self.post_count - 1, 0)

    def __repr__(self) -> str:
        return f"<Thread {self.id} {self.kind}>"


class Post(db.Model):
    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("thread_id", "number"),
        # A form carries a one-time token so a double click or a resubmit makes one post.
        UniqueConstraint("author_id", "client_token"),
        Index("ix_posts_author_id_created_at", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    # Position in the thread, 1 for the opening post: pages are ranges of numbers, not OFFSETs.
    number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    # The sanitised HTML of body, made once when the post is written (rendering.render_markdown).
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer)
    client_token: Mapped[str | None] = mapped_column(String(64))

    thread: Mapped[Thread] = relationship()
    author: Mapped[User] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_opening_post(self) -> bool:
        return self.number == 1

    def __repr__(self) -> str:
        return f"<Post {self.id} #{self.number} in {self.thread_id}>"


# Reusable queries: each returns a select() for the view to paginate or fetch.


def themes_in_order() -> Select[tuple[Theme]]:
    return select(Theme).order_by(Theme.position, Theme.id)


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
        .order_by(Thread.last_post_at.desc(), Thread.id.desc())
    )


def thread_with_context(thread_id: int) -> Select[tuple[Thread]]:
    """One thread with what its header shows: theme, author and projects."""
    return (
        select(Thread)
        .options(
            joinedload(Thread.theme), joinedload(Thread.author), selectinload(Thread.projects)
        )
        .where(Thread.id == thread_id)
    )


def posts_in_thread(thread_id: int, page_number: int, per_page: int) -> Select[tuple[Post]]:
    """One page of a thread's posts with their authors.

    Posts are numbered from 1 without gaps, so a page is a range of numbers on the
    (thread_id, number) index: page 500 costs what page 1 costs.
    """
    first = (page_number - 1) * per_page + 1
    return (
        select(Post)
        .options(joinedload(Post.author))
        .where(Post.thread_id == thread_id, Post.number.between(first, first + per_page - 1))
        .order_by(Post.number)
    )
