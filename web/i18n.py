"""The language of the pages: Spanish or English, chosen by the reader, else their browser.

Messages live in web/translations/<language>/LC_MESSAGES/messages.po (English in the source);
`make translations` extracts, merges and compiles them. Statement texts are not messages: a
facilitator's translation of a statement is shown through `Statement.text_in(current_language())`.
"""

from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel, get_locale

# Spanish first: the table's language, and the default when the browser asks for neither.
LANGUAGES = ("es", "en")
LANGUAGE_NAMES = {"es": "Español", "en": "English"}
LANGUAGE_COOKIE = "mesa_language"
LANGUAGE_PARAMETER = "lang"

babel = Babel()


def requested_language() -> str | None:
    """A language the reader picked: the ?lang= of a switch link, else the remembered cookie."""
    for choice in (request.args.get(LANGUAGE_PARAMETER), request.cookies.get(LANGUAGE_COOKIE)):
        if choice in LANGUAGES:
            return choice
    return None


def select_language() -> str:
    return requested_language() or request.accept_languages.best_match(
        LANGUAGES, default=LANGUAGES[0]
    )


def current_language() -> str:
    return str(get_locale() or LANGUAGES[0])


def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", LANGUAGES[0])
    babel.init_app(app, locale_selector=select_language)
