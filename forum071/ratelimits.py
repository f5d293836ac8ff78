"""Rate limits (Flask-Limiter): who may try how often, and what a refused attempt looks like.

Views are marked with the decorators below (``@limit_login``, ``@limit_posts``, ...); create_app
wraps the marked views in a limiter made for that app, so every app (and every test) has its
own counters and its own storage. The limits come from the configuration (``RATELIMIT_*``),
Flask-Limiter's syntax: ``"10 per minute; 50 per hour"``.

What is counted:

- login: failed attempts, per IP address; per account (the login name as typed, normalised)
  from one address; and, with a higher cap, per account from all addresses together. Someone
  guessing from their address thus stops only themselves: the owner, logging in from their
  own device, is refused only once guesses from many addresses reach the account's total.
  The account key does not depend on whether the account exists, so a refusal tells nothing
  about that.
- registration: accounts created (and honeypot hits) per IP address, so a class registering
  together behind one address is not stopped by its own typing errors.
- password reset requests: per IP address, and per login name as typed (from all addresses
  together, whether the account exists or not), so nobody can fill a member's inbox.
- confirmation links sent again, per member.
- the current password typed in the account settings (a new password, deleting the account):
  wrong ones, per member, as many as failed logins per account (RATELIMIT_LOGIN_ACCOUNT), so
  that someone who got hold of a session cannot guess the password there either.
- posts (threads and replies together) and flags: those accepted, per member.
- searches by visitors who are not logged in (the search page and the API together), per IP
  address: each search costs the database real work. Members are not counted.

A refused attempt raises ``RateLimitExceeded`` (a 429); errors.handle_too_many_requests
answers it with ``Retry-After`` and, for a form, the same form with what was typed.

Storage: ``memory://`` in development and tests, Redis in production
(``RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379"``) so that all gunicorn workers count
together. When Redis cannot be reached the limiter fails open to per-process in-memory
counters (``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED``) and logs a WARNING; it never answers 500.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, g, request
from flask.wrappers import Response
from flask_limiter import Limiter
from flask_login import current_user
from wtforms import Form

from .i18n import lazy_gettext as _l

EXTENSION_KEY = "forum071_limiter"
MARK = "_forum071_rate_limits"

# Flask-Limiter's logger: its "storage unreachable" WARNING is the fail-open signal.
LOGGER_NAME = "flask-limiter"

RATE_LIMITED_MESSAGE = _l(
    "You did this too often in a short time. Wait %(seconds)s seconds, then send it again: "
    "we kept what you typed."
)
LOGIN_RATE_LIMITED_MESSAGE = _l("Too many login attempts. Wait %(seconds)s seconds and try again.")
PASSWORD_RATE_LIMITED_MESSAGE = _l(
    "Too many wrong passwords. Wait %(seconds)s seconds and try again."
)
# Set by a view whose current-password check failed: that request counts.
PASSWORD_REFUSED = "password_refused"  # noqa: S105 - the name of a flag in g, no secret


def client_ip() -> str:
    return f"ip:{request.remote_addr or 'unknown'}"


def login_account() -> str:
    """The account a login attempt is for, as typed: the same key whether it exists or not."""
    name = (request.form.get("login") or "").strip().lower()
    if not name:
        return client_ip()
    return f"account:{name[:254]}"


def login_account_from_address() -> str:
    """The account a login attempt is for, from this address."""
    return f"{login_account()}|{client_ip()}"


def member() -> str:
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return client_ip()


def _login_failed(response: Response) -> bool:
    return response.status_code == 422


def _registered(response: Response) -> bool:
    return response.status_code < 400 or bool(g.get("honeypot_filled"))


def _reset_asked(response: Response) -> bool:
    # Every request answered "if the account exists, we sent a link" (the redirect to that
    # page), whether it exists or not; a form error (422) sends nothing and is not counted.
    return response.status_code in (302, 303)


def _password_refused(response: Response) -> bool:
    return bool(g.get(PASSWORD_REFUSED))


def _accepted(response: Response) -> bool:
    return current_user.is_authenticated and response.status_code in (302, 303)


def _is_member() -> bool:
    return current_user.is_authenticated


# name -> (config key, key function, shared scope or None, what counts as an attempt: None
# for every request, counted before the view runs)
Counts = Callable[[Response], bool] | None
RULES: dict[str, tuple[str, Callable[[], str], str | None, Counts]] = {
    "login_ip": ("RATELIMIT_LOGIN", client_ip, None, _login_failed),
    "login_account": (
        "RATELIMIT_LOGIN_ACCOUNT", login_account_from_address, None, _login_failed
    ),
    "login_account_total": ("RATELIMIT_LOGIN_ACCOUNT_TOTAL", login_account, None, _login_failed),
    "register": ("RATELIMIT_REGISTER", client_ip, None, _registered),
    "reset_ip": ("RATELIMIT_RESET", client_ip, None, _reset_asked),
    "reset_account": ("RATELIMIT_RESET_ACCOUNT", login_account, None, _reset_asked),
    "confirm_resend": ("RATELIMIT_CONFIRM_RESEND", member, None, _accepted),
    "password_check": (
        "RATELIMIT_LOGIN_ACCOUNT", member, "password_check", _password_refused
    ),
    "posts": ("RATELIMIT_POSTS", member, "posts", _accepted),
    "flags": ("RATELIMIT_FLAGS", member, "flags", _accepted),
    "search": ("RATELIMIT_SEARCH_ANONYMOUS", client_ip, "search", None),
}
# The rules that count reads (GET), and who they leave alone; all others count POSTs.
READ_RULES: dict[str, Callable[[], bool]] = {"search": _is_member}
READ_METHODS = ("GET", "HEAD")


def _mark(*rules: str, rerender: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a view for these rules; ``rerender``: its form is RateLimitAware, so a refused
    POST re-shows it with the input (otherwise the 429 is the plain error page)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        setattr(view, MARK, (*getattr(view, MARK, ()), *rules))
        if rerender:
            view.rerender_on_rate_limit = True  # type: ignore[attr-defined]
        return view

    return decorate


limit_login = _mark("login_ip", "login_account", "login_account_total", rerender=True)
limit_registrations = _mark("register", rerender=True)
limit_resets = _mark("reset_ip", "reset_account", rerender=True)
limit_password_checks = _mark("password_check", rerender=True)
limit_posts = _mark("posts", rerender=True)
limit_confirm_resends = _mark("confirm_resend", rerender=False)
limit_flags = _mark("flags", rerender=False)
# The 429 of a search is the error page, whose header keeps the query in the search box.
limit_anonymous_searches = _mark("search", rerender=False)


def current_limiter() -> Limiter | None:
    return current_app.extensions.get(EXTENSION_KEY)


def is_rate_limited() -> bool:
    """Whether this request is being answered as refused (the view re-shows its form)."""
    return bool(g.get("rate_limited"))


def retry_after_seconds() -> int:
    """Seconds until the limit this request broke lets it through again (at least 1)."""
    limiter = current_limiter()
    limit = limiter.current_limit if limiter is not None else None
    if limit is None:
        return 60
    return max(1, int(limit.reset_at - time.time()))


class RateLimitAware(Form):
    """A form that does not validate while its request is refused by a rate limit.

    The 429 handler calls the view again; the view then shows its form with the input and
    this message on ``rate_limit_field``, exactly as after any other validation error.
    """

    rate_limit_field = "body"
    rate_limit_message = RATE_LIMITED_MESSAGE

    def validate(self, extra_validators=None) -> bool:
        if not is_rate_limited():
            return super().validate(extra_validators=extra_validators)
        super().validate(extra_validators=extra_validators)
        field = self[self.rate_limit_field]
        field.errors = [
            *field.errors,
            self.rate_limit_message % {"seconds": retry_after_seconds()},
        ]
        return False


def _unlimited_read(endpoints: frozenset[str]) -> Callable[[], bool]:
    """A request filter: reads skip the limiter, except at the endpoints that limit reads."""

    def unlimited() -> bool:
        return request.method in ("GET", "HEAD", "OPTIONS") and request.endpoint not in endpoints

    return unlimited


def init_app(app: Flask) -> None:
    """Wrap the marked views in a limiter for this app (after the blueprints are registered)."""
    if not app.config.get("RATELIMIT_ENABLED", True):
        return
    uri = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    app.config["RATELIMIT_STORAGE_URI"] = uri
    if uri.startswith(("redis://", "rediss://", "redis+")):
        options = app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {})
        # A Redis that hangs (rather than refuses) must not hold a request for long.
        options.setdefault("socket_connect_timeout", 1)
        options.setdefault("socket_timeout", 1)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    limiter = Limiter(key_func=client_ip)
    limiter.init_app(app)
    # The 429 handler calls the view again to re-show its form; that call is not counted.
    limiter.request_filter(is_rate_limited)
    # Nearly every limit counts POSTs: reading other pages skips the limiter's bookkeeping.
    read_limited = frozenset(
        endpoint
        for endpoint, view in app.view_functions.items()
        if any(rule in READ_RULES for rule in getattr(view, MARK, ()))
    )
    limiter.request_filter(_unlimited_read(read_limited))
    app.extensions[EXTENSION_KEY] = limiter

    for endpoint, view in list(app.view_functions.items()):
        wrapped = view
        for rule in getattr(view, MARK, ()):
            config_key, key_func, scope, counts = RULES[rule]
            options: dict[str, Any] = {"key_func": key_func, "deduct_when": counts,
                                       "methods": ["POST"]}  # fmt: skip
            if rule in READ_RULES:
                options.update(methods=list(READ_METHODS), exempt_when=READ_RULES[rule])
            value = app.config[config_key]
            if scope is None:
                decorator = limiter.limit(value, **options)
            else:
                decorator = limiter.shared_limit(value, scope, **options)
            wrapped = decorator(wrapped)
        app.view_functions[endpoint] = wrapped
