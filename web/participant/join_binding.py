"""The embed's join form, bound to the browser that was shown it (against login CSRF).

Without this, another site could fetch the embed's join form on its own server (with an xid it
got signed for itself), have a visitor's browser post it, and so replace the visitor's
participant cookie with one the site controls: the visitor would then vote in a participation
whose votes the site can read. So the embed's landing page puts a random nonce in a cookie of
this browser, and its join form's token is signed over the conversation, the xid and that
nonce's digest: a token fetched anywhere else names another nonce and is refused.

The cookie is HttpOnly, scoped to the conversation's embed path, and over HTTPS SameSite=None;
Secure; Partitioned, so that a third-party iframe keeps it (in a jar of its own per embedding
site). A browser that withholds even partitioned cookies posts the form without it: the page
then says so and offers the conversation in a tab of its own (`cookie_missing`).
"""

from __future__ import annotations

import hashlib
import secrets

from flask import g, request
from flask.wrappers import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from web.credentials import signing_keys
from web.security import cookie_flags

_SALT = "mesa.embed-join"
# Long enough for a page left open through a meeting, short enough that a copied form expires.
JOIN_TOKEN_MAX_AGE = 24 * 60 * 60


def join_cookie_name(conversation_id: str) -> str:
    return f"mesa_join_{conversation_id}"


def cookie_missing(conversation_id: str) -> bool:
    """True when this browser did not send back the nonce its landing page set."""
    return not request.cookies.get(join_cookie_name(conversation_id))


def join_form_token(conversation_id: str, xid: str) -> str:
    """The token of the embed's join form, for this browser's nonce (set now if it has none)."""
    nonce = request.cookies.get(join_cookie_name(conversation_id))
    if not nonce:
        nonce = g.setdefault("new_join_nonce", (conversation_id, secrets.token_urlsafe(32)))[1]
    return _serializer().dumps([conversation_id, xid, _digest(nonce)])


def join_form_token_matches(conversation_id: str, xid: str, presented: str | None) -> bool:
    nonce = request.cookies.get(join_cookie_name(conversation_id))
    if not nonce or not presented:
        return False
    try:
        bound = _serializer().loads(presented, max_age=JOIN_TOKEN_MAX_AGE)
    except (BadSignature, ValueError, TypeError):
        return False
    return bound == [conversation_id, xid, _digest(nonce)]


def set_join_cookie(response: Response) -> None:
    """After a page that drew a new nonce: give it to the browser."""
    drawn = g.pop("new_join_nonce", None)
    if drawn is None:
        return
    conversation_id, nonce = drawn
    response.set_cookie(
        join_cookie_name(conversation_id),
        nonce,
        max_age=JOIN_TOKEN_MAX_AGE,
        path=f"/embed/{conversation_id}",
        httponly=True,
        **cookie_flags(framed=True),
    )


def _digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing_keys(), salt=_SALT)
