"""What every console view shares: who is acting, JSON or page, links participants follow."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app, flash, request
from flask_login import current_user
from flask_wtf import FlaskForm

JSON_SUFFIX = ".json"
# The participant pages (web.participant): a conversation, and its embeddable version.
PARTICIPANT_PATH = "/c/{conversation_id}"
EMBED_PATH = "/embed/{conversation_id}"
INVITE_PARAMETER = "invite"


def facilitator_id() -> int:
    return current_user.id


def wants_json() -> bool:
    """A .json endpoint, or a fetch from the console's scripts (they ask for JSON)."""
    return request.path.endswith(JSON_SUFFIX) or request.accept_mimetypes.best == "application/json"


def public_url(path: str, **query: str) -> str:
    """An absolute link for participants: MESA_PUBLIC_URL (e.g. https://mesa.example.org) when
    set, since the console may be reached under another name than the one people should use."""
    base = (current_app.config.get("MESA_PUBLIC_URL") or request.url_root).rstrip("/")
    suffix = f"?{urlencode(query)}" if query else ""
    return f"{base}{path}{suffix}"


def participant_link(conversation_id: str, invite_code: str | None = None) -> str:
    query = {INVITE_PARAMETER: invite_code} if invite_code else {}
    return public_url(PARTICIPANT_PATH.format(conversation_id=conversation_id), **query)


def embed_link(conversation_id: str) -> str:
    return public_url(EMBED_PATH.format(conversation_id=conversation_id))


def flash_form_errors(form: FlaskForm) -> None:
    for field in form:
        for error in field.errors:
            flash(f"{field.label.text}: {error}", "error")  # both translated: forms use _l
