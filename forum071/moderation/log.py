"""Moderation: log."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("moderation_log", __name__, url_prefix="/moderation")
