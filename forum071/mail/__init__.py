"""Outgoing mail: an outbox table written in the request's transaction, sent by a worker.

A service calls ``outbox.queue_mail`` (never commits); the view's commit stores the mail with
the rest of the action, and only then is the worker nudged through the job queue (Huey,
worker.py). The worker's delivery (delivery.py) takes due rows with a conditional UPDATE, so
a nudge that is lost loses no mail and two workers never send the same mail. No web request
ever talks to the mail server.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import outbox, worker

    outbox.init_app(app)
    worker.init_app(app)
