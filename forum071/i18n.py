"""Dutch first, English second: locale choice and the translation catalogues.

Compiled catalogues (.mo) are build output and not committed. A wheel ships them compiled
(setup.py); a checkout compiles them from the .po files when the app starts and a catalogue
is missing or older than its source (see catalogue_directory).
"""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import DateTimePattern, parse_pattern
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations
from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from flask_babel import get_locale, get_translations
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context

from .extensions import babel
from .rendering import markup_from_catalogue

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
logger = logging.getLogger(__name__)
LANGUAGE_SESSION_KEY = "language"


def select_locale() -> str:
    """Use a member's stored language, else the visitor's choice for this session, else
    their browser's preference, else Dutch."""
    languages = current_app.config["LANGUAGES"]
    # The member is loaded for the request anyway (their language comes in the same query).
    stored = getattr(current_user, "language", None) if has_request_context() else None
    if stored in languages:
        return stored
    chosen = session.get(LANGUAGE_SESSION_KEY)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


def compile_catalogues(
    source_dir: Path = TRANSLATIONS_DIR, target_dir: Path | None = None
) -> list[Path]:
    """Compile each messages.po whose messages.mo (in TARGET_DIR, by default beside it) is
    missing or stale; return those written."""
    target_dir = target_dir or source_dir
    written = []
    for po_path in sorted(source_dir.glob("*/LC_MESSAGES/messages.po")):
        mo_path = target_dir / po_path.relative_to(source_dir).with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        _write_catalogue(po_path, mo_path)
        written.append(mo_path)
    return written


def _write_catalogue(po_path: Path, mo_path: Path) -> None:
    with po_path.open("rb") as po_file:
        catalogue = read_po(po_file, locale=po_path.parent.parent.name)
    mo_path.parent.mkdir(parents=True, exist_ok=True)
    # A file of our own, then an atomic replace: several workers may start at once.
    descriptor, tmp_name = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
    try:
        with os.fdopen(descriptor, "wb") as mo_file:
            write_mo(mo_file, catalogue)
        os.chmod(tmp_name, 0o644)  # public, like the .po (mkstemp makes it private)
        os.replace(tmp_name, mo_path)
    finally:
        Path(tmp_name).unlink(missing_ok=True)


def catalogue_directory(source_dir: Path, instance_dir: Path, *, installed: bool) -> Path:
    """The folder that Flask-Babel reads the compiled catalogues from.

    An installed wheel ships them compiled and is used as it is: its folder may be read-only,
    and pip does not keep file times, so they say nothing there. A checkout compiles a missing
    or outdated catalogue in place, or, where the package folder cannot be written, into the
    instance folder, else into a private temporary folder.
    """
    sources = source_dir.glob("*/LC_MESSAGES/messages.po")
    if installed and all(po_path.with_suffix(".mo").is_file() for po_path in sources):
        return source_dir
    for target in (source_dir, instance_dir / "translations"):
        try:
            compile_catalogues(source_dir, target)
            return target
        except OSError as error:
            logger.warning("Cannot write compiled catalogues into %s: %s", target, error)
    target = Path(tempfile.mkdtemp(prefix="forum071-translations-"))
    compile_catalogues(source_dir, target)
    return target


def init_app(app: Flask) -> None:
    from . import INSTALLED

    directory = catalogue_directory(
        TRANSLATIONS_DIR, Path(app.instance_path), installed=INSTALLED
    )
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(directory),
    )
    # Flask-Babel finds the catalogue through several context lookups on every call; a list
    # page translates a hundred strings, so templates use the per-request lookups below.
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: request_translations().ugettext(string),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
    )
    # Jinja's own wrappers go through three context calls per string; these do the same work
    # (translate, mark safe when autoescaping, fill in escaped variables) in one.
    app.jinja_env.globals.update(
        _=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext
    )
    app.jinja_env.filters["datetime"] = format_timestamp
    app.jinja_env.filters["isoformat"] = datetime.isoformat
    app.jinja_env.globals["current_language"] = current_language


class _RequestLanguage:
    """The language of the current request, resolved once: locale, catalogue, time zone."""

    __slots__ = ("locale", "timezone", "translations")

    def __init__(self) -> None:
        self.locale: Locale = get_locale() or Locale.parse(current_app.config["LANGUAGES"][0])
        self.translations = get_translations()
        self.timezone: tzinfo = _zone(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _request_language() -> _RequestLanguage:
    try:
        return g._forum071_language
    except AttributeError:
        language = g._forum071_language = _RequestLanguage()
        return language


def request_translations() -> NullTranslations:
    """This request's catalogue (the untranslated one outside an app context)."""
    if not has_app_context():
        return get_translations()
    return _request_language().translations


def gettext(string: str, **variables: Any) -> str:
    translated = request_translations().ugettext(string)
    return translated % variables if variables else translated


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    return request_translations().ungettext(singular, plural, num) % variables


@pass_context
def _template_gettext(context: Context, string: str, **variables: Any) -> str:
    translated = request_translations().ugettext(string)
    if context.eval_ctx.autoescape:
        translated = markup_from_catalogue(translated)
    # Always a format string, as in Jinja's newstyle gettext, so "%%" means the same everywhere.
    return translated % variables


@pass_context
def _template_ngettext(
    context: Context, singular: str, plural: str, num: int, **variables: Any
) -> str:
    variables.setdefault("num", num)
    translated = request_translations().ungettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        translated = markup_from_catalogue(translated)
    return translated % variables


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    """A string translated when it is shown, in the language of the request showing it."""
    return LazyString(gettext, string, **variables)


def current_language() -> str:
    if not has_app_context():
        return current_app.config["LANGUAGES"][0]
    return _request_language().locale.language


@lru_cache(maxsize=8)
def _zone(name: str) -> tzinfo:
    return ZoneInfo(name)


@lru_cache(maxsize=32)
def _pattern(pattern: str) -> DateTimePattern:
    return parse_pattern(pattern)


LIST_PATTERN = "d MMM yyyy, HH:mm"


def format_timestamp(value: datetime, pattern: str = LIST_PATTERN) -> str:
    """A moment in the forum's time zone, in the request's locale (a CLDR pattern).

    Parsing the pattern is most of what babel.dates.format_datetime costs, and a list shows
    twenty timestamps, so parsed patterns are kept.
    """
    language = _request_language()
    local = value.astimezone(language.timezone)
    if pattern == LIST_PATTERN:
        # The pattern of every list row, written out: the same CLDR month names, a tenth of
        # the cost.
        month = language.locale.months["format"]["abbreviated"][local.month]
        return f"{local.day} {month} {local.year}, {local.hour:02d}:{local.minute:02d}"
    return _pattern(pattern).apply(local, language.locale)
