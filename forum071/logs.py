"""Where the forum's log lines go, and how an outage is kept from flooding them.

Every warning of the app and of its libraries (Flask-Limiter's "storage unreachable", the
SQLAlchemy pool's, ...) goes to one handler on the root logger: under gunicorn it hands the
line to gunicorn's error log (its file or stderr, as configured), under ``flask run`` it
writes to stderr. Each line names its logger and ends with the request's id, the same id an
error page shows as its incident number.

During an outage every request fails the same way; ``OutageThrottle`` lets one traceback per
cause (exception type and the first line of its message) through per minute and then says
how many more there were, instead of a traceback per request.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
import uuid
from collections.abc import Callable

from flask import Flask, g, has_request_context
from flask.logging import default_handler

# gunicorn's error log; a server that set it up gave it its handlers before loading the app.
GUNICORN_ERROR_LOGGER = "gunicorn.error"
# Libraries log at WARNING and above; the app itself also says what it did at INFO.
LIBRARY_LEVEL = logging.WARNING
APP_LEVEL = logging.INFO
FORMAT = "%(name)s: %(message)s%(request_suffix)s"
# Without gunicorn the line carries what gunicorn's own format would have added.
STANDALONE_FORMAT = "[%(asctime)s] [%(process)d] [%(levelname)s] " + FORMAT
THROTTLE_SECONDS = 60.0
NO_REQUEST = "-"


def request_id() -> str:
    """This request's id (made on first use), or ``-`` outside a request."""
    if not has_request_context():
        return NO_REQUEST
    if "request_id" not in g:
        g.request_id = uuid.uuid4().hex[:12]
    return g.request_id


class RequestIdFilter(logging.Filter):
    """Give every record the id of the request it was logged in."""

    def filter(self, record: logging.LogRecord) -> bool:
        _tag(record, request_id())
        return True


def _tag(record: logging.LogRecord, ident: str) -> None:
    record.request_id = ident
    # Lines from outside any request (start-up, the development server's own) carry no id.
    record.request_suffix = f" [request {ident}]" if ident != NO_REQUEST else ""


class OutageThrottle(logging.Filter):
    """One traceback per cause and window; the repeats are counted, not written.

    The count of a window that has ended comes out with the next record of any kind
    (``due_summaries``): an outage keeps producing records, and the first line after it
    says how it ended. The window is per process (per gunicorn worker).
    """

    def __init__(
        self, seconds: float = THROTTLE_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self.seconds = seconds
        self.clock = clock
        self._lock = threading.Lock()
        # cause -> [window start, repeats left out, (logger name, level)]
        self._windows: dict[str, list] = {}
        self._ended: list[logging.LogRecord] = []

    @staticmethod
    def cause(record: logging.LogRecord) -> str | None:
        if not record.exc_info or record.exc_info[1] is None:
            return None
        error = record.exc_info[1]
        first_line = (str(error).strip().splitlines() or [""])[0]
        return f"{type(error).__name__}: {first_line[:200]}"

    def filter(self, record: logging.LogRecord) -> bool:
        cause = self.cause(record)
        if cause is None:
            return True
        now = self.clock()
        with self._lock:
            window = self._windows.get(cause)
            if window is not None and now - window[0] < self.seconds:
                window[1] += 1
                return False
            if window is not None and window[1]:
                self._ended.append(self._summary(cause, *window))
            self._windows[cause] = [now, 0, (record.name, record.levelno)]
        return True

    def due_summaries(self) -> list[logging.LogRecord]:
        """A record per ended window that left repeats out, saying how many."""
        now = self.clock()
        with self._lock:
            summaries, self._ended = self._ended, []
            for cause, window in list(self._windows.items()):
                if now - window[0] >= self.seconds:
                    del self._windows[cause]
                    if window[1]:
                        summaries.append(self._summary(cause, *window))
        return summaries

    def _summary(
        self, cause: str, started: float, repeats: int, origin: tuple[str, int]
    ) -> logging.LogRecord:
        name, level = origin
        period = "minute" if self.seconds == 60 else f"{self.seconds:g} seconds"
        return logging.makeLogRecord(
            {
                "name": name,
                "levelno": level,
                "levelname": logging.getLevelName(level),
                "msg": "... %d more like this in the last %s, traceback not repeated: %s",
                "args": (repeats, period, cause),
            }
        )


class _StderrStream:
    """sys.stderr as it is when a line is written (tests and reloaders replace it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


class ForumLogHandler(logging.Handler):
    """Format a record the forum's way and write it to gunicorn's error log, else stderr."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.throttle = OutageThrottle()
        self.addFilter(RequestIdFilter())
        self.addFilter(self.throttle)
        self._stderr = logging.StreamHandler(_StderrStream())  # type: ignore[arg-type]
        self._stderr.setFormatter(logging.Formatter(STANDALONE_FORMAT))

    def handle(self, record: logging.LogRecord) -> bool:
        for summary in self.throttle.due_summaries():
            self._write(summary)
        return super().handle(record)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._write(record)
        except Exception:
            self.handleError(record)

    def _write(self, record: logging.LogRecord) -> None:
        if not hasattr(record, "request_suffix"):
            _tag(record, NO_REQUEST)
        gunicorn = logging.getLogger(GUNICORN_ERROR_LOGGER)
        if not gunicorn.handlers:
            self._stderr.handle(record)
            return
        if record.levelno < gunicorn.getEffectiveLevel():
            return  # gunicorn's --log-level holds for the app's lines too
        # gunicorn's handlers add time, process and level; the message carries the rest,
        # traceback included, so a reopened log file (USR1) is still the one written to.
        line = logging.makeLogRecord(
            {**record.__dict__, "msg": self._format_without_time(record), "args": None}
        )
        line.exc_info = line.exc_text = line.stack_info = None
        for handler in gunicorn.handlers:
            if line.levelno >= handler.level:
                handler.handle(line)

    def _format_without_time(self, record: logging.LogRecord) -> str:
        return logging.Formatter(FORMAT).format(record)


def init_app(app: Flask) -> None:
    """Send the app's and its libraries' log records to one handler on the root logger."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, ForumLogHandler)]:
        root.removeHandler(handler)  # an earlier app in this process (tests, reloader)
    root.addHandler(ForumLogHandler())
    if root.level == logging.NOTSET or root.level > LIBRARY_LEVEL:
        root.setLevel(LIBRARY_LEVEL)
    # Flask's own handler would write the app's records a second time.
    app.logger.removeHandler(default_handler)
    if not app.debug and not app.testing:
        app.logger.setLevel(APP_LEVEL)
