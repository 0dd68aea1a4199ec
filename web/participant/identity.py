"""Who is reading a participant page, and whether a form they post is genuinely theirs.

Pages accept the JSON API's credentials (web.credentials): the participant token in the
conversation's HttpOnly cookie, recognised once per request (web.recognition), and its CSRF
token (an HMAC of it) in every form. Embedded pages may run in a third-party iframe whose
cookies the browser withholds, so there the token also travels as the signed `p` parameter of
links and forms, and their cookies are SameSite=None; Secure over HTTPS.

Before joining there is no participant token. The join form on /c/ carries Flask-WTF's session
CSRF token; the embedded join form carries a signed, expiring token bound to the conversation
and xid, since a framed page may have no cookie to bind it to (and whoever frames the page
chooses the xid anyway).
"""

from __future__ import annotations

from flask import abort, current_app, g, request
from flask.wrappers import Response
from flask_wtf.csrf import CSRFError, generate_csrf
from itsdangerous import BadSignature, URLSafeTimedSerializer

from web.credentials import (
    participant_csrf_matches,
    participant_csrf_token,
    set_participant_cookies,
)
from web.extensions import csrf
from web.recognition import (
    EMBED_BLUEPRINT,
    TOKEN_PARAMETER,
    ParticipantCaller,
    current_participant,
    forget_participant,
    is_embedded,
)

__all__ = [
    "EMBED_BLUEPRINT",
    "TOKEN_PARAMETER",
    "check_form_token",
    "current_reader",
    "forget_reader",
    "form_token",
    "is_embedded",
    "remember",
]

FORM_TOKEN_FIELD = "csrf_token"
_JOIN_SALT = "mesa.embed-join"
# Long enough for a page left open through a meeting, short enough that a copied form expires.
JOIN_TOKEN_MAX_AGE = 24 * 60 * 60


def current_reader(conversation_id: str) -> ParticipantCaller | None:
    """The participant whose token the request carries (web.recognition, once per request), or
    None (not joined, or a retired token). Embedded with an `xid` other than the participant's:
    None, so that the page joins the person the embedding site names.

    Kept in `g.reader` too, for the templates and links of the page (web.participant.pages).
    """
    reader = current_participant(conversation_id)
    xid = request.args.get("xid")
    if reader is not None and is_embedded() and xid and reader.participant.xid != xid.strip():
        reader = None
    g.reader = reader
    return reader


def forget_reader(conversation_id: str) -> None:
    """After the reader's participation is erased: this request shows nobody's page."""
    forget_participant(conversation_id)
    g.reader = None


def form_token(conversation_id: str, reader: ParticipantCaller | None) -> str:
    if reader is not None:
        return participant_csrf_token(reader.token)
    if is_embedded():
        return _join_serializer().dumps([conversation_id, _xid()])
    return generate_csrf()


def check_form_token(conversation_id: str, reader: ParticipantCaller | None) -> None:
    """400 unless the posted form carries the token `form_token` gave this reader."""
    presented = request.form.get(FORM_TOKEN_FIELD)
    if reader is not None:
        valid = participant_csrf_matches(reader.token, presented)
    elif is_embedded():
        valid = _join_token_matches(conversation_id, presented)
    else:
        try:
            csrf.protect()
            valid = True
        except CSRFError:
            valid = False
    if not valid:
        abort(400, description="form_expired")


def remember(response: Response, conversation_id: str, token: str) -> None:
    """Set the participant's cookies; a framed page's must be SameSite=None to come back."""
    samesite = "None" if is_embedded() else "Lax"
    set_participant_cookies(response, conversation_id, token, samesite=samesite)


def _xid() -> str:
    return (request.values.get("xid") or "").strip()


def _join_serializer() -> URLSafeTimedSerializer:
    keys = [*(current_app.config.get("SECRET_KEY_FALLBACKS") or []), current_app.secret_key]
    return URLSafeTimedSerializer(keys, salt=_JOIN_SALT)


def _join_token_matches(conversation_id: str, presented: str | None) -> bool:
    if not presented:
        return False
    try:
        bound = _join_serializer().loads(presented, max_age=JOIN_TOKEN_MAX_AGE)
    except (BadSignature, ValueError, TypeError):
        return False
    return bound == [conversation_id, _xid()]
