"""Dutch first, English second: locale choice and the translation catalogues.

Compiled catalogues (.mo) are build output and not committed; they are compiled from the
.po files when the app starts and a catalogue is missing or older than its source.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, request, session
from flask_babel import format_datetime, get_locale

from .extensions import babel

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
LANGUAGE_SESSION_KEY = "language"


def select_locale() -> str:
    """Use the visitor's explicit choice, else their browser's preference, else Dutch."""
    languages = current_app.config["LANGUAGES"]
    chosen = session.get(LANGUAGE_SESSION_KEY)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


def compile_catalogues(source_dir: Path = TRANSLATIONS_DIR) -> list[Path]:
    """Compile each messages.po whose messages.mo is missing or stale; return those written."""
    written = []
    for po_path in sorted(source_dir.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalogue = read_po(po_file, locale=po_path.parent.parent.name)
        tmp_path = mo_path.with_suffix(".mo.tmp")
        with tmp_path.open("wb") as mo_file:
            write_mo(mo_file, catalogue)
        # Atomic replace: several workers may start at once.
        tmp_path.replace(mo_path)
        written.append(mo_path)
    return written


def init_app(app: Flask) -> None:
    compile_catalogues()
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(TRANSLATIONS_DIR),
    )
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.globals["current_language"] = current_language


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else current_app.config["LANGUAGES"][0]
