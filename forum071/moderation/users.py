"""Moderation: users."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("moderation_users", __name__, url_prefix="/moderation")
