"""Moderation: posts."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("moderation_posts", __name__, url_prefix="/moderation")
