"""Command-line tasks: seed data, user management, re-rendering stored HTML."""

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
    from .auth.forms import USERNAME_PATTERN
    from .passwords import password_problems

    username, email = username.strip().lower(), email.strip().lower()
    if not (3 <= len(username) <= 30 and re.fullmatch(USERNAME_PATTERN, username)):
        raise click.ClickException("A username is 3 to 30 letters, digits or underscores.")
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
        select(User).where((User.username == username) | (User.email == email))
    )
    if clash is not None:
        raise click.ClickException("A user with this username or email address already exists.")
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

    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
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


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(rerender_command)
