"""Who is reading a participant page, and whether a form they post is genuinely theirs.

Pages accept the JSON API's credentials (web.credentials): the participant token in the
conversation's HttpOnly cookie, and its CSRF token (an HMAC of it) in every form. No link,
form or redirect carries the token itself: a URL ends up in browser history, in the next
request's Referer and in access logs. Embedded pages may run in a third-party iframe, so there
the cookies are SameSite=None; Secure; Partitioned over HTTPS (a jar of their own per embedding
site).

Before joining there is no participant token. The join form on /c/ carries Flask-WTF's session
CSRF token; the embedded join form carries a signed, expiring token bound to the conversation,
the xid and a nonce in this browser's own cookie (web.participant.join_binding), since a
framed page may have no session, and a token fetched elsewhere must not work here.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, g, request
from flask.wrappers import Response
from flask_wtf.csrf import CSRFError, generate_csrf

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
from web.participant.join_binding import (
    cookie_missing,
    join_form_token,
    join_form_token_matches,
)

EMBED_BLUEPRINT = "embed"
FORM_TOKEN_FIELD = "csrf_token"


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
        # A token we signed, since retired: the person went on on another device (or their
        # participation was deleted). The page says so rather than starting over silently.
        g.signed_out = True
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
        return join_form_token(conversation_id, _xid())
    return generate_csrf()


def check_form_token(conversation_id: str, reader: Reader | None) -> None:
    """400 unless the posted form carries the token `form_token` gave this reader."""
    presented = request.form.get(FORM_TOKEN_FIELD)
    if reader is not None:
        valid = participant_csrf_matches(reader.token, presented)
    elif is_embedded():
        if cookie_missing(conversation_id):  # cookies blocked in the frame, or a forged post
            abort(400, description="cookies_blocked")
        valid = join_form_token_matches(conversation_id, _xid(), presented)
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
