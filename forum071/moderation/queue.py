"""Moderation: queue."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("moderation_queue", __name__, url_prefix="/moderation")
