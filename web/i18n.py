"""The language of the pages: Spanish or English, chosen by the reader, else their browser.

One selector serves every page (participant, public and console): the language a switch link
asked for (`?lang=`), else the one the reader chose before (the `mesa_language` cookie), else
a logged-in facilitator's remembered choice (`Facilitator.language`, set by the console), else
the browser's Accept-Language, else Spanish.

Messages live in web/translations/<language>/LC_MESSAGES/messages.po (English in the source);
`make translations` extracts, merges and compiles them. What people type is not a message: a
facilitator's translation of a statement is shown through `Statement.text_in(language)`, of a
conversation's topic, description and sector names through `Conversation.topic_in` and its
siblings.
"""

from __future__ import annotations

from typing import Any

from babel import Locale, UnknownLocaleError
from flask import Flask, g, request, url_for
from flask.wrappers import Response
from flask_babel import Babel, get_locale

from deliberation.models import Conversation
from web.security import cookie_flags

# Spanish first: the table's language, and the default when the browser asks for neither.
LANGUAGES = ("es", "en")
LANGUAGE_NAMES = {"es": "Español", "en": "English"}
LANGUAGE_COOKIE = "mesa_language"
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 60 * 60
LANGUAGE_PARAMETER = "lang"
# The language of the msgids (the source's), and of the services' messages.
SOURCE_LANGUAGE = "en"
# Set by the console for a logged-in facilitator: the language they chose on any device.
ACCOUNT_LANGUAGE = "account_language"

babel = Babel()


def chosen_language() -> str | None:
    """The language a switch link asks for on this request, if it is one we speak."""
    choice = request.args.get(LANGUAGE_PARAMETER)
    return choice if choice in LANGUAGES else None


def requested_language() -> str | None:
    """A language the reader picked: the ?lang= of a switch link, else the remembered cookie."""
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    return chosen_language() or (cookie if cookie in LANGUAGES else None)


def use_account_language(language: str | None) -> None:
    """A logged-in facilitator's remembered choice, for this request (web.console)."""
    setattr(g, ACCOUNT_LANGUAGE, language)


def select_language() -> str:
    account = g.get(ACCOUNT_LANGUAGE)
    return (
        requested_language()
        or (account if account in LANGUAGES else None)
        or request.accept_languages.best_match(LANGUAGES, default=LANGUAGES[0])
    )


def current_language() -> str:
    return str(get_locale() or LANGUAGES[0])


def language_links(
    endpoint: str | None = None, values: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The switch: this page again in each language. After a POST (the page is a form's
    answer, which a link cannot repeat) or when asked, `endpoint` with `values` instead."""
    if endpoint is None and request.method == "GET" and request.endpoint:
        endpoint = request.endpoint
        values = {**request.args.to_dict(), **(request.view_args or {})}
    current = current_language()
    return [
        {
            "code": code,
            "name": LANGUAGE_NAMES[code],
            "url": url_for(endpoint, **{**(values or {}), LANGUAGE_PARAMETER: code}),
            "current": code == current,
        }
        for code in LANGUAGES
    ]


def remember_language(response: Response, *, embedded: bool = False) -> None:
    """Keep a switch link's choice in the language cookie for the reader's next pages.

    In a third-party frame (`embedded`, over HTTPS) the cookie must be SameSite=None and
    partitioned to be kept at all.
    """
    chosen = chosen_language()
    if chosen is None or request.cookies.get(LANGUAGE_COOKIE) == chosen:
        return
    response.set_cookie(
        LANGUAGE_COOKIE,
        chosen,
        max_age=LANGUAGE_COOKIE_MAX_AGE,
        path="/",
        httponly=True,
        **cookie_flags(embedded),
    )


def sector_name(conversation: Conversation, sector: str | None) -> str | None:
    """A sector's name in the reader's language (the stored name when it has no translation)."""
    return conversation.sector_name(sector, current_language())


def language_name(tag: str) -> str:
    """A language tag as the reader names it ("en" is "inglés" to a Spanish reader); the tag
    itself when Babel does not know it."""
    try:
        return Locale.parse(tag, sep="-").get_display_name(current_language()) or tag
    except (ValueError, UnknownLocaleError):
        return tag


def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", LANGUAGES[0])
    babel.init_app(app, locale_selector=select_language)
    app.add_template_global(current_language)
    app.add_template_global(sector_name)
    app.add_template_global(language_name)
