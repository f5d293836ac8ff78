"""Accepted answers and closing threads with an outcome."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("questions", __name__)
