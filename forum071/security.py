"""Response headers and redirect-target checks applied to the whole site."""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, abort, request
from werkzeug.routing import IntegerConverter, Map

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)


def set_security_headers(response: Response) -> Response:
    from flask import current_app

    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    hsts_seconds = current_app.config.get("HSTS_SECONDS") or 0
    if hsts_seconds:
        headers.setdefault("Strict-Transport-Security", f"max-age={int(hsts_seconds)}")
    if response.mimetype.startswith("text/") and "charset" not in (response.content_type or ""):
        response.content_type = f"{response.mimetype}; charset=utf-8"
    return response


# Control and format characters, spaces and line separators: browsers skip or strip them in
# URLs, and a CR or LF cannot go into a Location header at all (Werkzeug raises, a 500).
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


def is_safe_redirect_target(target: str | None) -> bool:
    """True only for a path on this site, such as '/threads/3'.

    A target with characters a browser would skip is refused rather than cleaned, and
    backslashes count as the slashes browsers read them as ('/\\evil.example' is another host).
    """
    if not target or any(unicodedata.category(ch) in _INVISIBLE_CATEGORIES for ch in target):
        return False
    as_browsers_read_it = target.replace("\\", "/")
    if not as_browsers_read_it.startswith("/") or as_browsers_read_it.startswith("//"):
        return False
    parts = urlsplit(as_browsers_read_it)
    return not parts.scheme and not parts.netloc


def safe_next_url(default: str) -> str:
    """The request's ?next= (or form field next) when it stays on this site, else default."""
    target = request.values.get("next")
    return target if target and is_safe_redirect_target(target) else default


class DatabaseIntConverter(IntegerConverter):
    """``<int:...>`` in routes, up to the largest id the database's integer columns hold.

    A larger number cannot name a row; passed to PostgreSQL it is an error (a 500), so such
    an address is simply not found.
    """

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def no_nul_characters_in_paths() -> None:
    """No page's address contains a NUL character (and PostgreSQL refuses one in any text):
    such an address is not found. In forms and queries the database's refusal is a 400
    (errors.handle_unusable_data)."""
    if "\x00" in request.path:
        abort(404)


def init_url_converters(app: Flask) -> None:
    """Before any blueprint is registered: the rules compile their converters then."""
    app.url_map.converters["int"] = DatabaseIntConverter


def init_app(app: Flask) -> None:
    app.before_request(no_nul_characters_in_paths)
    app.after_request(set_security_headers)
