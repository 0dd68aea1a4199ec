"""Recognising the participant a request speaks for: the token read, its signature checked and
its holder looked up at most once per request, whoever asks (the rate limiter's key, the API's
`@access`, the participant pages).

Where the token comes from depends on who sends it. API clients send `Authorization: Bearer`
or the conversation's HttpOnly cookie; an Authorization header that holds no participant token
means the caller chose another way in, and the cookie is not looked at then. Browsers on the
pages send the cookie and never a bearer header (a reverse proxy's Basic authentication must not
hide the cookie). No URL ever carries a token: it would end up in browser history and access
logs (an embedded page's cookies are partitioned instead: web.participant.identity).

Three levels, each cached in `flask.g` for the rest of the request:
    presented_token      the token, how it came, and its claim if the signature checks out
    participant_claim    that claim, if genuine and for the conversation in the URL (no query)
    recognise            the participant holding it now (one query; a retired token is refused)
The vote's route stops at the claim: its service checks the token inside the vote's own
transaction (deliberation.services.voting).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, request

from deliberation.errors import DeliberationError
from deliberation.models import Participant
from deliberation.services import identify_participant
from web.credentials import (
    ParticipantClaim,
    bearer_token,
    is_participant_token,
    participant_cookie_name,
    read_participant_token,
)

# The participant pages' blueprint, registered twice: /c for phones, /embed for iframes.
PAGES_BLUEPRINT = "participant"
EMBED_BLUEPRINT = "embed"
_PAGES = frozenset({PAGES_BLUEPRINT, EMBED_BLUEPRINT})
_CACHE = "participant_recognition"  # flask.g attribute: conversation id -> _Recognition


@dataclass(frozen=True)
class PresentedToken:
    token: str
    via: str  # "bearer" or "cookie"
    claim: ParticipantClaim | None  # None: forged or malformed


@dataclass(frozen=True)
class ParticipantCaller:
    """A participant proven by a current token of the conversation in the URL."""

    participant: Participant
    token: str
    via: str

    @property
    def pid(self) -> int:
        return self.participant.pid


class _Recognition:
    """What this request has learnt of one conversation's participant so far."""

    def __init__(self, presented: PresentedToken | None):
        self.presented = presented
        self.caller: ParticipantCaller | None = None
        self.refusal: DeliberationError | None = None
        self.looked_up = False


def is_embedded() -> bool:
    return request.blueprint == EMBED_BLUEPRINT


def presented_token(conversation_id: str) -> PresentedToken | None:
    """The participant token the request presents for this conversation, read and its signature
    checked once per request; None when it presents none."""
    return _recognition(conversation_id).presented


def participant_claim(conversation_id: str) -> ParticipantClaim | None:
    """The claim of a genuine token for this conversation: who it names, without a query."""
    presented = presented_token(conversation_id)
    claim = presented.claim if presented is not None else None
    if claim is None or claim.conversation_id != conversation_id:
        return None
    return claim


def recognise(conversation_id: str) -> ParticipantCaller | None:
    """The participant holding the request's genuine token of this conversation (None without
    one), looked up once per request. Raises what `identify_participant` raises, once per
    lookup and again on every later call: `Forbidden` for a retired token, `NotFound` for no
    such conversation."""
    recognition = _recognition(conversation_id)
    if not recognition.looked_up:
        recognition.looked_up = True
        claim = participant_claim(conversation_id)
        if claim is not None:
            try:
                participant = identify_participant(conversation_id, claim.secret)
            except DeliberationError as refusal:
                recognition.refusal = refusal
            else:
                presented = recognition.presented
                recognition.caller = ParticipantCaller(participant, presented.token, presented.via)
    if recognition.refusal is not None:
        raise recognition.refusal
    return recognition.caller


def current_participant(conversation_id: str) -> ParticipantCaller | None:
    """As `recognise`, but None instead of a refusal (not joined, forged, retired)."""
    try:
        return recognise(conversation_id)
    except DeliberationError:
        return None


def forget_participant(conversation_id: str) -> None:
    """The participant is gone (their participation was erased): recognise nobody from now."""
    recognition = _recognition(conversation_id)
    recognition.looked_up, recognition.caller, recognition.refusal = True, None, None


def _recognition(conversation_id: str) -> _Recognition:
    cache = g.setdefault(_CACHE, {})
    if conversation_id not in cache:
        cache[conversation_id] = _Recognition(_read_presented(conversation_id))
    return cache[conversation_id]


def _read_presented(conversation_id: str) -> PresentedToken | None:
    if request.blueprint in _PAGES:
        found = _cookie_token(conversation_id)
    else:
        found = _api_token(conversation_id)
    if found is None:
        return None
    token, via = found
    return PresentedToken(token, via, read_participant_token(token))


def _api_token(conversation_id: str) -> tuple[str, str] | None:
    token = bearer_token()
    if token is not None:
        return (token, "bearer") if is_participant_token(token) else None
    return _cookie_token(conversation_id)


def _cookie_token(conversation_id: str) -> tuple[str, str] | None:
    cookie = request.cookies.get(participant_cookie_name(conversation_id))
    return (cookie, "cookie") if cookie else None
