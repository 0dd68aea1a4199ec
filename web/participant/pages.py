"""What every participant page shares: links within the conversation (never carrying a
participant token), the language switch, the template helpers, and the headers of a page (no
caching; framing only for /embed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app, g, request, url_for
from flask.wrappers import Response

from deliberation.models import Statement
from deliberation.services import ShownStatement
from web.i18n import LANGUAGE_PARAMETER, current_language, remember_language
from web.i18n import language_links as language_links_of
from web.participant.identity import form_token, is_embedded
from web.participant.join_binding import set_join_cookie
from web.security import content_security_policy

STATIC = Path(__file__).parent / "static"
# Static files named with their content digest may be cached for good.


def page_url(endpoint: str, **values: Any) -> str:
    """The URL of another page of this conversation, in the same blueprint (/c or /embed).

    Embedded, it carries the language, which the embedding site may have chosen. Never the
    participant token: that travels in the cookie only (web.participant.identity).
    """
    values.setdefault("conversation_id", (request.view_args or {}).get("conversation_id"))
    if is_embedded():
        values.setdefault(LANGUAGE_PARAMETER, current_language())
    return url_for(f"{request.blueprint}.{endpoint}", **values)


def language_links() -> list[dict[str, Any]]:
    """The switch: this page again in each language (the conversation page after a POST)."""
    if request.method == "GET" and request.endpoint:
        return language_links_of()
    conversation_id = (request.view_args or {}).get("conversation_id")
    return language_links_of(
        f"{request.blueprint}.conversation_page", {"conversation_id": conversation_id}
    )


def statement_text(statement: Statement | ShownStatement) -> str:
    """The statement in the reader's language: the facilitators' translation if there is one."""
    return statement.text_in(current_language())


def statement_language(statement: Statement | ShownStatement) -> str | None:
    """The language of `statement_text`, for the lang attribute (None when unknown)."""
    return statement.shown_language(current_language())


def asset(filename: str) -> str:
    """A static file's URL; web.static_assets adds its content hash and caches it for a year."""
    return url_for(f"{request.blueprint}.static", filename=filename)


def template_helpers() -> dict[str, Any]:
    conversation_id = (request.view_args or {}).get("conversation_id")
    return {
        "page_url": page_url,
        "asset": asset,
        "language": current_language(),
        "language_links": language_links,
        "statement_text": statement_text,
        "statement_language": statement_language,
        "embedded": is_embedded(),
        "reader": g.get("reader"),
        "signed_out": g.get("signed_out", False),
        "form_token": lambda: form_token(conversation_id, g.get("reader")),
    }


def page_headers(response: Response) -> Response:
    if request.endpoint and request.endpoint.endswith(".static"):
        return response  # cached by content hash: web.static_assets
    # Pages hold personal votes and form tokens: no cache may keep them.
    response.headers.setdefault("Cache-Control", "no-store")
    set_join_cookie(response)
    if is_embedded():
        ancestors = current_app.config["MESA_EMBED_FRAME_ANCESTORS"]
        response.headers["Content-Security-Policy"] = content_security_policy(ancestors)
    _remember_language(response)
    return response


def _remember_language(response: Response) -> None:
    remember_language(response, embedded=is_embedded())
