"""Pitch progress updates."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pitches", __name__)
