"""The mail worker: a Huey consumer, and ``flask worker [--burst]`` to run it.

The job queue is chosen by JOB_QUEUE_URL: unset, a SQLite file in the instance folder (no
server needed in development); ``redis://...`` in production; ``memory://`` for tests. A job
carries nothing but "there is mail": the outbox is the truth, and the consumer also sweeps it
every minute, so a job lost with a Redis restart only delays a mail until the next sweep.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import click
import redis
from flask import Flask, current_app
from flask.cli import with_appcontext
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab

from .delivery import deliver_due

logger = logging.getLogger("forum071.mail")
EXTENSION_KEY = "forum071_huey"
_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def make_huey(app: Flask) -> Huey:
    """The job queue JOB_QUEUE_URL names, with the delivery task and the periodic sweep."""
    url = app.config.get("JOB_QUEUE_URL")
    options: dict[str, Any] = {"results": False, "utc": True}
    if not url:
        huey: Huey = SqliteHuey(
            "forum071", filename=str(Path(app.instance_path) / "jobs.sqlite"), **options
        )
    elif url == "memory://":
        huey = MemoryHuey("forum071", **options)
    elif url.startswith(_REDIS_SCHEMES):
        # A Redis that hangs must not hold a request: the nudge gives up quickly.
        pool = redis.ConnectionPool.from_url(url, socket_connect_timeout=2, socket_timeout=10)
        huey = RedisHuey("forum071", connection_pool=pool, **options)
    else:
        raise RuntimeError(f"JOB_QUEUE_URL must be unset, redis://... or memory://, not {url!r}")

    @huey.task(name="deliver_mail")
    def deliver() -> None:
        with app.app_context():
            deliver_due()

    @huey.periodic_task(crontab(minute="*"), name="sweep_mail")
    def sweep() -> None:
        with app.app_context():
            deliver_due()

    app.extensions["forum071_mail_deliver"] = deliver
    return huey


_making = threading.Lock()


def job_queue(app: Flask) -> Huey:
    """This app's job queue, made on first use (a read-only install that never sends mail
    needs no queue file)."""
    with _making:
        if app.extensions.get(EXTENSION_KEY) is None:
            app.extensions[EXTENSION_KEY] = make_huey(app)
        return app.extensions[EXTENSION_KEY]


def nudge() -> None:
    """Tell the worker there is mail (after a commit); a queue that is down only delays it."""
    try:
        job_queue(current_app._get_current_object())  # type: ignore[attr-defined]
        current_app.extensions["forum071_mail_deliver"]()
    except Exception as error:
        logger.warning(
            "job queue unreachable (%s): the worker's next sweep sends the mail",
            type(error).__name__,
        )


@click.command("worker")
@click.option("--burst", is_flag=True, help="Send every mail that is due, then exit.")
@click.option("--threads", default=1, show_default=True, help="Worker threads.")
@with_appcontext
def worker_command(burst: bool, threads: int) -> None:
    """Send the outbox's mail: keep running (a Huey consumer), or once with --burst."""
    huey = job_queue(current_app._get_current_object())  # type: ignore[attr-defined]
    if burst:
        sent = deliver_due()
        # What is due went out above; the nudges queued for it have nothing left to do (and
        # without a consumer they would pile up in the queue).
        huey.flush()
        click.echo(f"{sent} mail(s) sent.")
        return
    click.echo(f"Mail worker running ({type(huey).__name__}); Ctrl+C stops it.")
    consumer = huey.create_consumer(workers=threads, worker_type="thread", periodic=True)
    consumer.run()


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = None
    app.cli.add_command(worker_command)
