"""The translations the console's scripts need, sent with each page.

A script writes what it shows as `_("English text")` (web/console/static/messages.js); pybabel
extracts those strings with the templates' (web/babel.cfg), so they are translated in the same
catalogue. Here the same extractor reads them from the scripts once per process, and each page
carries the current language's translations of exactly those strings as JSON, in a <meta>
element (the Content-Security-Policy allows no inline script, not even a JSON one).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from babel.messages.extract import extract
from flask_babel import gettext

from web.i18n import SOURCE_LANGUAGE, current_language

STATIC = Path(__file__).parent / "static"


@cache
def script_msgids() -> tuple[str, ...]:
    """Every `_("...")` string of the console's own scripts (not the vendored ones)."""
    msgids: set[str] = set()
    for script in sorted(STATIC.glob("*.js")):
        with script.open("rb") as file:
            for _line, message, _comments, _context in extract("javascript", file):
                if isinstance(message, str):
                    msgids.add(message)
    return tuple(sorted(msgids))


@cache
def _messages_json(language: str) -> str:
    # `language` keys the cache: gettext reads the request's locale, which it names.
    del language
    return json.dumps({msgid: gettext(msgid) for msgid in script_msgids()}, ensure_ascii=False)


def script_messages() -> str:
    """The scripts' strings in the page's language, as the JSON messages.js reads. None in
    English, the language the scripts are written in."""
    language = current_language()
    return "{}" if language == SOURCE_LANGUAGE else _messages_json(language)
