"""Command-line tasks: seed data, user management, re-rendering stored HTML (backups: backup.py)."""

from __future__ import annotations

import re
import sys

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from . import seed_data
from .auth.services import create_user
from .extensions import db
from .models import PitchUpdate, Post, Project, Role, Theme, Thread, User
from .notifications.services import MentionLookup
from .rendering import render_markdown
from .threads import services as thread_services

users_cli = AppGroup("users", help="Manage user accounts.")

# Demo accounts share one password so a newcomer can try every role; never seed them in
# production.
DEMO_PASSWORD = "forum071-demo-only"  # noqa: S105


def seed_themes_and_projects() -> tuple[int, int]:
    """Insert or update the themes and projects from seed_data; return how many of each."""
    themes = {theme.slug: theme for theme in db.session.scalars(select(Theme))}
    for position, data in enumerate(seed_data.THEMES):
        theme = themes.get(data["slug"]) or Theme(slug=data["slug"])
        for field in ("name", "name_en", "description", "description_en"):
            setattr(theme, field, data[field])
        theme.position = position
        db.session.add(theme)
        themes[theme.slug] = theme
    projects = {project.slug: project for project in db.session.scalars(select(Project))}
    for position, data in enumerate(seed_data.PROJECTS):
        project = projects.get(data["slug"]) or Project(slug=data["slug"])
        for field in ("name", "phase", "partners", "goal", "goal_en", "summary", "summary_en"):
            setattr(project, field, data[field])
        project.position = position
        project.themes = [themes[slug] for slug in data["themes"]]
        db.session.add(project)
    db.session.flush()
    return len(seed_data.THEMES), len(seed_data.PROJECTS)


def seed_demo_content() -> tuple[int, int]:
    """Add the fictional demo users and threads that are not there yet; return counts added."""
    users = {user.username: user for user in db.session.scalars(select(User))}
    added_users = 0
    for data in seed_data.DEMO_USERS:
        if data["username"] in users:
            continue
        user = create_user(
            data["username"], data["email"], DEMO_PASSWORD, data["role"], data["organisation"]
        )
        user.official_verified = data["role"] == Role.OFFICIAL
        users[user.username] = user
        added_users += 1
    db.session.flush()
    themes = {theme.slug: theme for theme in db.session.scalars(select(Theme))}
    projects = {project.slug: project for project in db.session.scalars(select(Project))}
    existing_titles = set(db.session.scalars(select(Thread.title)))
    added_threads = 0
    for data in seed_data.DEMO_THREADS:
        if data["title"] in existing_titles:
            continue
        thread = thread_services.start_thread(
            users[data["author"]],
            data["kind"],
            themes[data["theme"]],
            [projects[slug] for slug in data["projects"]],
            data["title"],
            data["body"],
            stage=data.get("stage"),
            ask=data.get("ask", ""),
            ask_categories=data.get("ask_categories", ()),
        )
        for reply in data["replies"]:
            thread_services.post_reply(users[reply["author"]], thread, reply["body"])
        added_threads += 1
    return added_users, added_threads


@click.command("seed")
@with_appcontext
@click.option("--demo", is_flag=True, help="Also add fictional demo users and threads.")
def seed_command(demo: bool) -> None:
    """Load the Economie071 themes and projects (safe to run again)."""
    theme_count, project_count = seed_themes_and_projects()
    message = f"Seeded {theme_count} themes and {project_count} projects."
    if demo:
        added_users, added_threads = seed_demo_content()
        message += (
            f" Demo: {added_users} users and {added_threads} threads added"
            f" (password for every demo user: {DEMO_PASSWORD})."
        )
    db.session.commit()
    click.echo(message)


@users_cli.command("create")
@click.argument("username")
@click.argument("email")
@click.option(
    "--role", type=click.Choice([role.value for role in Role]), default=Role.ENTREPRENEUR.value
)
@click.option("--organisation", default="", help="The organisation shown with the user's posts.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(
    username: str, email: str, role: str, organisation: str, password_stdin: bool
) -> None:
    """Create an account and print its id."""
    from .names import (
        USERNAME_MAX_LENGTH,
        USERNAME_MIN_LENGTH,
        has_bidi_control,
        normalise_username,
        skeleton,
        username_problem,
    )
    from .passwords import password_problems

    username, email = normalise_username(username), email.strip().lower()
    if not USERNAME_MIN_LENGTH <= len(username) <= USERNAME_MAX_LENGTH:
        raise click.ClickException("A username is 3 to 30 letters, digits or underscores.")
    problem = username_problem(username)
    if problem is not None:
        raise click.ClickException(problem)
    if has_bidi_control(organisation):
        raise click.ClickException("The organisation contains text-direction characters.")
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise click.ClickException("That is not an email address.")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problems = password_problems(password, username=username, email=email)
    if problems:
        raise click.ClickException(" ".join(str(problem) for problem in problems))
    clash = db.session.scalar(
        select(User).where(
            (User.username == username)
            | (User.username_skeleton == skeleton(username))
            | (User.email == email)
        )
    )
    if clash is not None:
        raise click.ClickException(
            "A user with this username (or one that looks like it) or email address already "
            "exists."
        )
    user = create_user(username, email, password, role, organisation)
    user.official_verified = role == Role.OFFICIAL
    db.session.commit()
    click.echo(user.id)


@users_cli.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice([role.value for role in Role]))
def set_role_command(username: str, role: str) -> None:
    """Give an account another role (recorded in the moderation log) and print it."""
    from .moderation.user_services import set_role
    from .names import normalise_username

    user = db.session.scalar(select(User).where(User.username == normalise_username(username)))
    if user is None:
        raise click.ClickException(f"There is no user {username!r}.")
    set_role(None, user, role, reason="command line")
    db.session.commit()
    click.echo(f"{user.username}: {user.role}")


@click.command("rerender")
@with_appcontext
def rerender_command() -> None:
    """Render every post's Markdown again, e.g. after the sanitiser's allow-list changed.

    Pitch updates are rendered again too. Mentions stay links; nobody is notified again.
    """
    count = 0
    for post in db.session.scalars(select(Post)):
        post.body_html = str(render_markdown(post.body, mentionable=MentionLookup()))
        count += 1
    updates = 0
    for update in db.session.scalars(select(PitchUpdate)):
        update.body_html = str(render_markdown(update.body, mentionable=MentionLookup()))
        updates += 1
    db.session.commit()
    click.echo(f"Re-rendered {count} posts and {updates} pitch updates.")


@click.command("generate")
@with_appcontext
@click.option("--users", type=click.IntRange(min=1), default=500, show_default=True)
@click.option("--threads", type=click.IntRange(min=1), default=2000, show_default=True)
@click.option(
    "--posts",
    type=click.IntRange(min=1),
    default=50_000,
    show_default=True,
    help="All posts, opening posts included (at least one per thread).",
)
@click.option("--seed", type=int, default=71, show_default=True, help="Same seed, same data.")
@click.option(
    "--now",
    "now_text",
    default=None,
    help="The reference date the data ends at (YYYY-MM-DD or ISO time, UTC). "
    "Default: a fixed date, so runs are reproducible.",
)
@click.option("--batch-size", type=click.IntRange(min=1), default=5000, show_default=True)
def generate_command(
    users: int, threads: int, posts: int, seed: int, now_text: str | None, batch_size: int
) -> None:
    """Fill a seeded, otherwise empty database with deterministic fictional bench data.

    Refuses to run when accounts other than the demo users exist, so nobody fills a real
    forum with test content by accident.
    """
    from . import generate as generator

    if posts < threads:
        raise click.ClickException(
            "Every thread has an opening post: --posts must be >= --threads."
        )
    try:
        now = generator.parse_now(now_text)
    except ValueError as error:
        raise click.ClickException(f"--now: {error}") from None
    demo_names = [data["username"] for data in seed_data.DEMO_USERS]
    with db.engine.connect() as connection:
        existing = generator.existing_users(connection, demo_names)
        if existing:
            raise click.ClickException(
                f"This database already has {existing} user account(s) besides the demo users. "
                "generate only fills a fresh database (flask db upgrade && flask seed): "
                "it refuses to mix test data into a real forum."
            )
        if not connection.scalar(select(db.func.count()).select_from(Theme)):
            raise click.ClickException("There are no themes yet: run `flask seed` first.")
        connection.commit()
        spec = generator.GenerateSpec(
            users=users, threads=threads, posts=posts, seed=seed, now=now
        )
        click.echo(
            f"Generating {users:,} users, {threads:,} threads and {posts:,} posts "
            f"(seed {seed}, up to {now:%Y-%m-%d %H:%M} UTC) on {connection.dialect.name}"
        )
        result = generator.generate(
            connection, spec, batch_size=batch_size, progress=click.echo
        )
    theme = db.session.get(Theme, result.busiest_theme_id)
    click.echo("Rows inserted:")
    for table, count in result.rows.items():
        click.echo(f"  {table:<16} {count:>10,}")
    for word, count in result.marker_counts.items():
        click.echo(f"Marker word {word!r}: in {count:,} posts")
    click.echo(f"Busiest theme: {theme.slug if theme else result.busiest_theme_id}")
    click.echo(f"Busiest thread: {result.busiest_thread_id}")
    click.echo(f"Done in {result.seconds:.1f} s")


def init_app(app: Flask) -> None:
    from .backup import backup_command, restore_command

    app.cli.add_command(seed_command)
    app.cli.add_command(generate_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(rerender_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
