"""gunicorn settings for forum071: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Every value can be set from the environment; the defaults suit one machine behind a reverse
proxy (nginx) on the same host. The forum's own log lines (and its libraries' warnings) go to
gunicorn's error log, one line each with the request id (forum071/logs.py).
"""

import os


def _number(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# Where to listen: the proxy in front connects here. "0.0.0.0:8000" listens on every address.
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]

# Worker processes: two per core (each has its own page cache and database connections),
# at most 8. WEB_CONCURRENCY is the name gunicorn and hosting platforms already use.
workers = _number("WEB_CONCURRENCY", min(2 * (os.cpu_count() or 1), 8))
# Threads per worker; more than 1 switches to the threaded worker (gthread).
threads = _number("GUNICORN_THREADS", 1)

# A request taking longer than this is stuck (every page answers well within a second):
# the worker is restarted. Graceful: how long a restart or deploy waits for requests running.
timeout = _number("GUNICORN_TIMEOUT", 30)
graceful_timeout = _number("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _number("GUNICORN_KEEPALIVE", 5)
# Restart each worker after this many requests (spread by up to the jitter), 0: never. Bounds
# what a slow leak in a library can grow to.
max_requests = _number("GUNICORN_MAX_REQUESTS", 10_000)
max_requests_jitter = _number("GUNICORN_MAX_REQUESTS_JITTER", 1_000)

# Logging: the error log (gunicorn's and the forum's lines) on stderr unless a file is named;
# the access log is off by default (the proxy in front logs every request), "-" is stdout.
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

# The heartbeat file lives in memory where there is a memory file system (Docker's /tmp may be
# an overlay that stalls the heartbeat and gets healthy workers killed).
if os.path.isdir("/dev/shm"):  # noqa: S108
    worker_tmp_dir = "/dev/shm"  # noqa: S108
