"""Project pages: a project card (phase, partners, goal) and its threads."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Project, open_questions, projects_in_order
from ..notifications.services import following_project_column
from ..questions.filters import ThreadFilters, filtered_thread_page
from ..threads.listing import Scope

bp = Blueprint("projects", __name__, url_prefix="/projects")


@bp.get("/")
def index():
    """List all projects with their phase and themes."""
    projects = db.session.scalars(projects_in_order()).all()
    return render_template("projects/index.html", projects=projects)


@bp.get("/<slug>")
def show(slug: str):
    """Show a project card, its open questions and the (filtered) threads linked to it."""
    # One query: the project, its few themes and (for members) whether they follow it.
    query = select(Project).options(joinedload(Project.themes)).where(Project.slug == slug)
    if current_user.is_authenticated:
        query = query.add_columns(following_project_column(current_user.id))
    row = db.session.execute(query).unique().first()
    if row is None:
        abort(404)
    project = row[0]
    following = bool(row[1]) if current_user.is_authenticated else False
    filters = ThreadFilters.from_args(request.args)
    page = filtered_thread_page(filters, Scope.PROJECT, project.id, project.thread_count)
    # A tuple of plain rows: the open questions box is remembered by them (fragments.py).
    questions = tuple(
        db.session.connection().execute(
            open_questions(in_project=True), {"project_id": project.id}
        )
    )
    return render_template(
        "projects/show.html",
        project=project,
        project_following=following,
        page=page,
        filters=filters,
        open_questions=questions,
    )
