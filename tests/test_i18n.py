"""Dutch first: every string in the code and templates has a Dutch translation."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "forum071" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "N_": None,
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _searched(dirpath: str) -> bool:
    # Babel skips folders starting with "_" by default, which would miss templates/_macros.
    name = Path(dirpath).name
    return not name.startswith(".") and name != "__pycache__"


def _extracted_messages() -> set[str]:
    messages: set[str] = set()
    method_map = [("forum071/**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.do"}}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options, keywords=KEYWORDS, directory_filter=_searched
    ):
        messages.add(message if isinstance(message, str) else message[0])
    return messages


def test_every_message_has_a_dutch_translation() -> None:
    with CATALOGUE.open("rb") as po_file:
        catalogue = read_po(po_file, locale="nl")
    missing = []
    for message in sorted(_extracted_messages()):
        entry = catalogue.get(message)
        translated = entry.string if entry is not None else None
        if isinstance(translated, tuple | list):
            translated = translated[0]
        if not translated or (entry is not None and entry.fuzzy):
            missing.append(message)
    assert not missing, f"{len(missing)} strings lack a Dutch translation: {missing[:20]}"


def test_translations_keep_their_placeholders() -> None:
    with CATALOGUE.open("rb") as po_file:
        catalogue = read_po(po_file, locale="nl")
    for entry in catalogue:
        if not entry.id or not entry.string:
            continue
        source = entry.id if isinstance(entry.id, str) else entry.id[0]
        target = entry.string if isinstance(entry.string, str) else entry.string[0]
        assert set(PLACEHOLDER.findall(source)) == set(PLACEHOLDER.findall(target)), entry.id


def test_dutch_is_the_default_and_english_is_offered(client) -> None:
    dutch = client.get("/").get_data(as_text=True)
    assert '<html lang="nl">' in dutch
    english = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in english
    assert "Themes" in english
    assert "Thema" in dutch
