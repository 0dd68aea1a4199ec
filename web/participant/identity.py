"""Who is reading a participant page, and whether a form they post is genuinely theirs.

Pages accept the JSON API's credentials (web.credentials): the participant token in the
conversation's HttpOnly cookie, recognised once per request (web.recognition), and its CSRF
token (an HMAC of it) in every form. No link, form or redirect carries the token itself: a URL
ends up in browser history, in the next request's Referer and in access logs. Embedded pages may
run in a third-party iframe, so there the cookies are SameSite=None; Secure; Partitioned over
HTTPS (a jar of their own per embedding site).

Before joining there is no participant token. The join form on /c/ carries Flask-WTF's session
CSRF token; the embedded join form carries a signed, expiring token bound to the conversation,
the xid and a nonce in this browser's own cookie (web.participant.join_binding), since a
framed page may have no session, and a token fetched elsewhere must not work here.
"""

from __future__ import annotations

from flask import abort, g, request
from flask.wrappers import Response
from flask_wtf.csrf import CSRFError, generate_csrf

from deliberation.errors import DeliberationError, Forbidden
from web.credentials import (
    participant_csrf_matches,
    participant_csrf_token,
    set_participant_cookies,
)
from web.extensions import csrf
from web.participant.join_binding import (
    cookie_missing,
    join_form_token,
    join_form_token_matches,
)
from web.recognition import (
    EMBED_BLUEPRINT,
    ParticipantCaller,
    forget_participant,
    is_embedded,
    recognise,
)

__all__ = [
    "EMBED_BLUEPRINT",
    "check_form_token",
    "current_reader",
    "forget_reader",
    "form_token",
    "is_embedded",
    "remember",
]

FORM_TOKEN_FIELD = "csrf_token"


def current_reader(conversation_id: str) -> ParticipantCaller | None:
    """The participant whose token the request carries (web.recognition, once per request), or
    None (not joined, or a retired token). Embedded with an `xid` other than the participant's:
    None, so that the page joins the person the embedding site names.

    A retired token (the person went on on another device, or their participation was deleted)
    sets `g.signed_out`: the page says so rather than starting over silently. Kept in `g.reader`
    too, for the templates and links of the page (web.participant.pages).
    """
    try:
        reader = recognise(conversation_id)
    except Forbidden:
        g.signed_out = True
        reader = None
    except DeliberationError:  # e.g. NotFound: nobody is reading
        reader = None
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
        return join_form_token(conversation_id, _xid())
    return generate_csrf()


def check_form_token(conversation_id: str, reader: ParticipantCaller | None) -> None:
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
