"""What identifies a caller: participant tokens and their cookies, CSRF tokens, bearer tokens.

Shared by every blueprint that serves participants (the JSON API and the participant pages),
so that a token issued by one is accepted by the other.

A participant token is `p.` + a signed `[conversation_id, pid, secret]`. The secret is the one
`join_conversation` issued (only its digest is stored); the signature lets the rate limiter
key requests by participant without a database read, and makes a token of conversation A
unusable on B before anything is looked up. Facilitator API tokens have no prefix, so the two
kinds are told apart without a lookup.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from flask import current_app, request
from flask.wrappers import Response
from itsdangerous import BadSignature, URLSafeSerializer

from deliberation.errors import NotFound
from deliberation.models import Facilitator
from deliberation.remembered import Remembered
from deliberation.services import get_facilitator
from web.security import cookie_flags

PARTICIPANT_TOKEN_PREFIX = "p."
_TOKEN_SALT = "mesa.participant-token"
_CSRF_SALT = b"mesa.participant-csrf:"
# A participant who comes back months later, for a follow-up session, is still recognised.
PARTICIPANT_COOKIE_MAX_AGE = 365 * 24 * 60 * 60
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True)
class ParticipantClaim:
    """What a participant token says once its signature checks out; not yet that it is current
    (a returning xid gets a new token, which retires the old one): `identify_participant` says."""

    conversation_id: str
    pid: int
    secret: str


def signing_keys() -> list[str | bytes]:
    """Oldest first: itsdangerous signs with the last key and accepts any of them."""
    return [*(current_app.config.get("SECRET_KEY_FALLBACKS") or []), current_app.secret_key]


def issue_participant_token(conversation_id: str, pid: int, secret: str) -> str:
    serializer = URLSafeSerializer(signing_keys(), salt=_TOKEN_SALT)
    return PARTICIPANT_TOKEN_PREFIX + serializer.dumps([conversation_id, pid, secret])


def is_participant_token(token: str) -> bool:
    return token.startswith(PARTICIPANT_TOKEN_PREFIX)


# Claims of the tokens whose signature checked out lately, by token and signing keys. A
# participant presents the same token with every vote, and checking its signature (key
# derivation, HMAC, base64, JSON) was a tenth of the web layers' CPU per vote. The claim is a
# function of the token and the keys alone, so it is kept: only a genuine token's, so forged
# ones cannot fill the table, and under the keys that verified it, so a rotated key is felt at
# once. Whether the token is still the participant's current one is not a matter of its
# signature and is checked on every request, as before (deliberation.services.voting).
_GENUINE: Remembered[tuple[str, tuple], ParticipantClaim] = Remembered(8192)


def read_participant_token(token: str) -> ParticipantClaim | None:
    """The claim of a genuine participant token; None for anything forged or malformed."""
    if not is_participant_token(token):
        return None
    keys = tuple(signing_keys())
    claim = _GENUINE.get((token, keys))
    if claim is not None:
        return claim
    serializer = URLSafeSerializer(list(keys), salt=_TOKEN_SALT)
    try:
        conversation_id, pid, secret = serializer.loads(token[len(PARTICIPANT_TOKEN_PREFIX) :])
    except (BadSignature, ValueError, TypeError):
        return None
    if not (isinstance(conversation_id, str) and isinstance(pid, int) and isinstance(secret, str)):
        return None
    claim = ParticipantClaim(conversation_id, pid, secret)
    _GENUINE.keep((token, keys), claim)
    return claim


def participant_csrf_token(token: str) -> str:
    """The CSRF token that goes with a participant token: an HMAC of it, so that it needs no
    storage and a page on another site, which cannot read the HttpOnly cookie, cannot forge it."""
    return _csrf_digest(current_app.secret_key, token)


def participant_csrf_matches(token: str, presented: str | None) -> bool:
    if not presented:
        return False
    return any(hmac.compare_digest(_csrf_digest(key, token), presented) for key in signing_keys())


def _csrf_digest(key: str | bytes, token: str) -> str:
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, _CSRF_SALT + token.encode(), hashlib.sha256).hexdigest()


def participant_cookie_name(conversation_id: str) -> str:
    """One cookie per conversation, so joining a second one does not forget the first."""
    return f"mesa_participant_{conversation_id}"


def csrf_cookie_name(conversation_id: str) -> str:
    return f"mesa_csrf_{conversation_id}"


def set_participant_cookies(
    response: Response, conversation_id: str, token: str, *, samesite: str = "Lax"
) -> None:
    """The token in an HttpOnly cookie; its CSRF token in a cookie the page's script can read.

    `samesite="None"` (for pages in a third-party iframe) is honoured only over HTTPS, as
    browsers require, and the cookies are then Partitioned (CHIPS): each embedding site's frame
    gets a jar of its own, which browsers keep even where they block third-party cookies. On
    plain HTTP the cookies stay Lax.
    """
    common = {
        "max_age": PARTICIPANT_COOKIE_MAX_AGE,
        "path": "/",
        **cookie_flags(framed=samesite == "None"),
    }
    response.set_cookie(participant_cookie_name(conversation_id), token, httponly=True, **common)
    response.set_cookie(
        csrf_cookie_name(conversation_id),
        participant_csrf_token(token),
        httponly=False,
        **common,
    )


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer` header; "" for any other Authorization header,
    None when there is none."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return ""
    return token.strip()


def load_facilitator(user_id: str) -> Facilitator | None:
    """Flask-Login's user loader: the facilitator of a console session, if still active and
    the session still current (`Facilitator.get_id`: "<id>.<session version>")."""
    account, _, version = user_id.partition(".")
    try:
        facilitator = get_facilitator(int(account))
    except (NotFound, ValueError):
        return None
    if not facilitator.is_active or version != str(facilitator.session_version):
        return None
    return facilitator
