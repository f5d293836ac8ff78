"""Moderation: threads."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("moderation_threads", __name__, url_prefix="/moderation")
