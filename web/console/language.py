"""The console's language: the one selector of web.i18n, plus the facilitator's account.

A switch link (`?lang=es|en`) is kept in the language cookie, as on participant pages, and for
a logged-in facilitator in their account too, so that the console speaks their language on any
device they log in from. A choice made before logging in (on the login page) is adopted by the
account at login.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask.wrappers import Response
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from deliberation import services
from deliberation.models import Facilitator, Role
from web.i18n import (
    chosen_language,
    language_links,
    remember_language,
    requested_language,
)

ROLE_NAMES = {Role.OWNER: _l("owner"), Role.MODERATOR: _l("moderator")}


def role_name(role: Role | str) -> str:
    """A team role as the console shows it, in the facilitator's language."""
    return str(ROLE_NAMES.get(Role(role), role))


def console_language_links() -> list[dict[str, Any]]:
    """The ES / EN switch of the console's top bar: this page again in each language; after a
    form's POST (which a link cannot repeat), the conversation's overview or the list."""
    if request.method == "GET" and request.endpoint:
        return language_links()
    conversation_id = (request.view_args or {}).get("conversation_id")
    if conversation_id is not None:
        return language_links("console.overview", {"conversation_id": conversation_id})
    if current_user.is_authenticated:
        return language_links("console.conversations", {})
    return language_links("console.login", {})


def remember_console_language(response: Response) -> None:
    remember_language(response)
    chosen = chosen_language()
    if chosen is not None and current_user.is_authenticated and current_user.language != chosen:
        services.set_facilitator_language(current_user.id, chosen)


def adopt_language_at_login(facilitator: Facilitator) -> None:
    """A language chosen before logging in becomes the account's; else the account's applies."""
    chosen = requested_language()
    if chosen is not None and facilitator.language != chosen:
        services.set_facilitator_language(facilitator.id, chosen)
