"""Every message the code, the templates and the console's scripts show is in the Spanish
catalogue, translated (issue 14, point 1): what `make translations` extracts (web/babel.cfg,
the same keywords) against web/translations/es. A string added without its Spanish fails here
before it reaches a Spanish page."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from web.console.script_messages import script_msgids

REPO = Path(__file__).resolve().parents[2]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
}


def extracted() -> set[str]:
    with (REPO / "web" / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(REPO), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def spanish() -> dict[str, object]:
    with (REPO / "web/translations/es/LC_MESSAGES/messages.po").open("rb") as po:
        catalogue = read_po(po)
    return {
        (message.id[0] if isinstance(message.id, tuple) else message.id): message.string
        for message in catalogue
        if message.id
    }


def test_every_extracted_message_has_its_spanish():
    messages = extracted()
    translations = spanish()
    missing = sorted(m for m in messages if m not in translations)
    assert missing == [], "add them to messages.po"
    empty = sorted(m for m in messages if not translations[m] or translations[m] == ("", ""))
    assert empty == []


def test_extraction_reads_the_console_templates_and_scripts():
    messages = extracted()
    assert "Mesa console" in messages  # web/console/templates/console/base.html
    assert "Loading the map…" in messages  # web/console/static/map.js
    assert set(script_msgids()) <= messages
    assert len(script_msgids()) >= 30
