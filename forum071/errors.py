"""Error pages in the site's layout: nothing leaks, nothing a user typed is lost."""

from __future__ import annotations

from flask import Flask, Response, current_app, g, jsonify, make_response, render_template, request
from flask_login import AnonymousUserMixin
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy.exc import DataError, InternalError, OperationalError
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    SecurityError,
)
from wtforms import ValidationError

from . import database
from .extensions import db
from .i18n import current_language
from .i18n import lazy_gettext as _l
from .logs import request_id

TITLES = {
    400: _l("Bad request"),
    403: _l("Not allowed"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Too much data"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
    503: _l("Temporarily unavailable"),
}

MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("You do not have permission to do this."),
    404: _l("We could not find this page. It may have moved or never existed."),
    405: _l("This address does not accept this kind of request."),
    409: _l("Someone else changed this in the meantime."),
    413: _l("What you sent is larger than the forum accepts. Shorten it and try again."),
    429: _l("You are doing that too often. Wait a moment and try again."),
    500: _l("An unexpected error occurred. It has been logged; please try again later."),
    503: _l("The forum cannot reach its database right now. Please try again in a minute."),
}

# A database that answers but cannot store: reading works, writing does not.
STORAGE_MESSAGES = {
    database.FULL: _l(
        "The forum cannot save anything right now: its storage is full. Reading still works. "
        "Please try again later."
    ),
    database.READ_ONLY: _l(
        "The forum is read-only right now: you can read, but nothing new can be saved. "
        "Please try again later."
    ),
}

# Form fields that are not what a person wrote: secrets, tokens, choices and bookkeeping.
UNSHOWN_FIELDS = frozenset(
    {
        "csrf_token",
        "password",
        "confirm",
        "current_password",
        "new_password",
        "remember",
        "submission_id",
        "base_version",
        "next",
        "draft",  # a signed copy of a refused form (auth/drafts.py), not typed text
        "kind",
        "theme",
        "projects",
        "stage",
        "ask_categories",
        "role",
        "outcome",
        "scope",
        "post_id",
        "post_ids",
    }
)

# Shown when there is no form to re-show (a button, or a view that redirects): nothing was
# kept, so it must not say so; forms that are re-shown say it in templates/_macros/forms.html.
CSRF_EXPIRED_MESSAGE = _l(
    "This form had expired, so it was not sent. Go back, reload the page and try again."
)
RETRY_AFTER_SECONDS = 30
RATE_LIMITED_MESSAGE = _l(
    "You are doing that too often. Wait %(seconds)s seconds and try again. If you were "
    "sending a form, go back: your browser usually still has what you typed."
)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def typed_text() -> list[str]:
    """What the person typed into the form this request sent, to show again on an error page.

    Only for a form that carries this session's CSRF token: a page must not show text that
    another site posted in the visitor's name.
    """
    if request.method != "POST" or g.get("csrf_failed"):
        return []
    try:
        form = request.form
        validate_csrf(form.get("csrf_token"))
    except (HTTPException, ValidationError):
        return []
    return [
        value
        for name in form
        if name not in UNSHOWN_FIELDS and "password" not in name
        for value in form.getlist(name)
        if value.strip()
    ]


def error_response(
    status: int, message: str | None = None, incident_id: str | None = None
) -> Response:
    """An error page (or JSON body under /api/) with the given status.

    A refused form keeps what was typed: the page shows it to copy and send again.
    """
    text = str(message or MESSAGES.get(status, MESSAGES[500]))
    if _wants_json():
        payload: dict = {"status": status, "message": text}
        if incident_id:
            payload["incident"] = incident_id
        return make_response(jsonify(error=payload), status)
    page = render_template(
        "errors/error.html",
        status=status,
        title=TITLES.get(status, TITLES[500]),
        message=text,
        incident_id=incident_id,
        typed=typed_text(),
    )
    return make_response(page, status)


def handle_http_exception(error: HTTPException) -> Response | HTTPException:
    if error.code is None or error.code < 400:
        return error
    response = error_response(error.code)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return response


def handle_unknown_host(error: SecurityError) -> Response:
    """A Host header outside TRUSTED_HOSTS: refused before routing, so the usual error page,
    whose links are built from the request's host, cannot be shown."""
    text = _l("This forum does not answer to this host name.")
    if _wants_json():
        return error_response(400, text)
    page = render_template(
        "errors/unknown_host.html",
        language=current_language(),
        title=TITLES[400],
        message=text,
    )
    return make_response(page, 400)


def handle_csrf_error(error: CSRFError) -> Response:
    """Re-show the form with what was typed when its view supports that, else explain.

    Views marked with ``rerender_on_csrf_failure`` validate their form again, which fails on
    the same token, and so render the form with the user's input and a message.
    """
    database.end_session(db.session)
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and getattr(view, "rerender_on_csrf_failure", False):
        g.csrf_failed = True
        try:
            response = make_response(view(**(request.view_args or {})))
        except HTTPException:
            # An error handler's own exceptions are not handled again (they become a 500), so
            # a view that aborts (no such post, not allowed) gets the plain CSRF answer.
            return error_response(400, CSRF_EXPIRED_MESSAGE)
        except OperationalError as database_error:
            return handle_database_unavailable(database_error)
        # A view that redirects instead (already logged in) has no form to show; a redirect
        # turned into a 400 would leave the visitor on a bare page.
        if 300 <= response.status_code < 400:
            return error_response(400, CSRF_EXPIRED_MESSAGE)
        response.status_code = 400
        return response
    return error_response(400, CSRF_EXPIRED_MESSAGE)


def handle_too_many_requests(error: HTTPException) -> Response:
    """429 with ``Retry-After``; a form whose view supports it comes back with what was typed.

    Views marked ``rerender_on_rate_limit`` (their forms are ratelimits.RateLimitAware) are
    called again with ``g.rate_limited`` set: the form then refuses to validate and says how
    long to wait, so the view shows it with the input, as after any validation error.
    """
    from .ratelimits import retry_after_seconds

    database.end_session(db.session)
    seconds = retry_after_seconds()
    view = current_app.view_functions.get(request.endpoint or "")
    response: Response | None = None
    if (
        request.method == "POST"
        and not _wants_json()
        and view is not None
        and getattr(view, "rerender_on_rate_limit", False)
    ):
        g.rate_limited = True
        try:
            response = make_response(view(**(request.view_args or {})))
        except HTTPException:
            response = None
        except OperationalError as database_error:
            return handle_database_unavailable(database_error)
        if response is not None and not 400 <= response.status_code < 500:
            response = None
    if response is None:
        response = error_response(429, RATE_LIMITED_MESSAGE % {"seconds": seconds})
    response.status_code = 429
    response.headers["Retry-After"] = str(seconds)
    return response


def handle_database_unavailable(error: OperationalError | InternalError) -> Response:
    """503: the database does not answer, or answers but cannot store (a full disk)."""
    database.end_session(db.session)
    incident_id = request_id()
    kind = database.note_failure(error)
    if kind == database.DOWN:
        current_app.logger.error("database unavailable [incident %s]", incident_id, exc_info=error)
    else:
        current_app.logger.error(
            "database cannot store (%s) [incident %s]", kind, incident_id, exc_info=error
        )
    if kind == database.DOWN:
        # The layout asks who is logged in; without a database that would raise again.
        g._login_user = AnonymousUserMixin()
    response = error_response(503, STORAGE_MESSAGES.get(kind), incident_id=incident_id)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def handle_database_internal_error(error: InternalError) -> Response:
    """PostgreSQL reports a read-only server (a standby after a failover) as an internal
    error: that is a database that cannot store, like a full disk; anything else is a 500."""
    if database.failure_kind(error) == database.READ_ONLY:
        return handle_database_unavailable(error)  # type: ignore[arg-type]
    return handle_unexpected_error(InternalServerError(original_exception=error))


def handle_unusable_data(error: DataError) -> Response:
    """Input the database refuses as data (PostgreSQL: a NUL character in a text, a number out
    of range) is a bad request, not a failure of the site."""
    database.end_session(db.session)
    current_app.logger.info("input refused by the database: %s", error.orig)
    return error_response(400)


def handle_unexpected_error(error: InternalServerError) -> Response:
    database.end_session(db.session)
    incident_id = request_id()
    original = getattr(error, "original_exception", None) or error
    current_app.logger.error(
        "unhandled error on %s %r [incident %s]",
        request.method,
        request.path,
        incident_id,
        exc_info=original,
    )
    return error_response(500, incident_id=incident_id)


def _leave_logging_to_the_handler(exc_info) -> None:
    """Replace Flask's own "Exception on <path>" log line.

    handle_unexpected_error logs each unhandled exception once, with its incident id and the
    path escaped; Flask's line would log it twice, the second time with the raw path, where
    a newline or terminal escape in the URL could forge or hide log lines.
    """


def init_app(app: Flask) -> None:
    app.log_exception = _leave_logging_to_the_handler  # type: ignore[method-assign]
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(SecurityError, handle_unknown_host)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(InternalError, handle_database_internal_error)
    app.register_error_handler(DataError, handle_unusable_data)
    app.register_error_handler(InternalServerError, handle_unexpected_error)
    app.register_error_handler(429, handle_too_many_requests)
    app.register_error_handler(HTTPException, handle_http_exception)
