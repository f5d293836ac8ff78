"""Project pages: a project card (phase, partners, goal) and its threads."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Project, Thread, latest_threads, projects_in_order, thread_projects
from ..pagination import paginate

bp = Blueprint("projects", __name__, url_prefix="/projects")


@bp.get("/")
def index():
    """List all projects with their phase and themes."""
    projects = db.session.scalars(projects_in_order()).all()
    return render_template("projects/index.html", projects=projects)


@bp.get("/<slug>")
def show(slug: str):
    """Show a project card and the threads linked to it."""
    project = db.session.scalar(
        select(Project).options(selectinload(Project.themes)).where(Project.slug == slug)
    )
    if project is None:
        abort(404)
    threads = latest_threads().join(
        thread_projects, thread_projects.c.thread_id == Thread.id
    ).where(thread_projects.c.project_id == project.id)
    page = paginate(threads, project.thread_count, current_app.config["THREADS_PER_PAGE"])
    return render_template("projects/show.html", project=project, page=page)
