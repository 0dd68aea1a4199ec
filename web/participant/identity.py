"""Who is reading a participant page, and whether a form they post is genuinely theirs.

Pages accept the JSON API's credentials (web.credentials): the participant token in the
conversation's HttpOnly cookie, and its CSRF token (an HMAC of it) in every form. Embedded
pages may run in a third-party iframe whose cookies the browser withholds, so there the token
also travels as the signed `p` parameter of links and forms, and their cookies are
SameSite=None; Secure over HTTPS.

Before joining there is no participant token. The join form on /c/ carries Flask-WTF's session
CSRF token; the embedded join form carries a signed, expiring token bound to the conversation
and xid, since a framed page may have no cookie to bind it to (and whoever frames the page
chooses the xid anyway).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, g, request
from flask.wrappers import Response
from flask_wtf.csrf import CSRFError, generate_csrf
from itsdangerous import BadSignature, URLSafeTimedSerializer

from deliberation.errors import Forbidden
from deliberation.models import Participant
from deliberation.services import identify_participant
from web.credentials import (
    participant_cookie_name,
    participant_csrf_matches,
    participant_csrf_token,
    read_participant_token,
    set_participant_cookies,
)
from web.extensions import csrf

EMBED_BLUEPRINT = "embed"
TOKEN_PARAMETER = "p"
FORM_TOKEN_FIELD = "csrf_token"
_JOIN_SALT = "mesa.embed-join"
# Long enough for a page left open through a meeting, short enough that a copied form expires.
JOIN_TOKEN_MAX_AGE = 24 * 60 * 60


@dataclass(frozen=True)
class Reader:
    """A participant proven by a current token of this conversation."""

    participant: Participant
    token: str

    @property
    def pid(self) -> int:
        return self.participant.pid


def is_embedded() -> bool:
    return request.blueprint == EMBED_BLUEPRINT


def presented_token(conversation_id: str) -> str | None:
    if is_embedded() and (token := request.values.get(TOKEN_PARAMETER)):
        return token
    return request.cookies.get(participant_cookie_name(conversation_id))


def current_reader(conversation_id: str) -> Reader | None:
    """The participant whose token the request carries, or None (not joined, or a retired
    token). Embedded with an `xid` other than the participant's: None, so that the page joins
    the person the embedding site names."""
    if "reader" in g:
        return g.reader
    g.reader = None
    token = presented_token(conversation_id)
    claim = read_participant_token(token) if token else None
    if claim is None or claim.conversation_id != conversation_id:
        return None
    try:
        participant = identify_participant(conversation_id, claim.secret)
    except Forbidden:
        return None
    xid = request.args.get("xid")
    if is_embedded() and xid and participant.xid != xid.strip():
        return None
    g.reader = Reader(participant, token)
    return g.reader


def rate_limit_key() -> str:
    """The API's per-participant key (web.rate_limits), so pages and API share one budget."""
    conversation_id = (request.view_args or {}).get("conversation_id", "")
    token = presented_token(conversation_id)
    claim = read_participant_token(token) if token else None
    if claim is None or claim.conversation_id != conversation_id:
        return "nobody"
    return f"participant:{claim.conversation_id}:{claim.pid}"


def form_token(conversation_id: str, reader: Reader | None) -> str:
    if reader is not None:
        return participant_csrf_token(reader.token)
    if is_embedded():
        return _join_serializer().dumps([conversation_id, _xid()])
    return generate_csrf()


def check_form_token(conversation_id: str, reader: Reader | None) -> None:
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
