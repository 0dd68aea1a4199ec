"""Who may call an API route, and what the route can answer besides success.

Each view carries exactly one `@access(...)` decorator. It authenticates the caller, checks
CSRF for cookie-authenticated writes, passes the caller to the view (`participant=` or
`facilitator=`), and writes the route's security and error responses into the OpenAPI
document, so the document cannot drift from what is enforced.

Participants: a participant token (see web.credentials) as `Authorization: Bearer`, or the
conversation's HttpOnly cookie; cookie writes also need `X-CSRF-Token`. Facilitators: a personal
API token as `Authorization: Bearer`, or a console session (Flask-Login); session writes need
`X-CSRF-Token` (Flask-WTF). Roles within a conversation are the services' business.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import request
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from deliberation.models import Facilitator
from deliberation.services import facilitator_for_api_token
from web.api.errors import ApiError
from web.credentials import (
    CSRF_HEADER,
    bearer_token,
    is_participant_token,
    participant_csrf_matches,
)
from web.extensions import csrf
from web.recognition import (
    PresentedToken,
    current_participant,
    presented_token,
    recognise,
)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# What each failure status means across the API; routes list the ones they can produce.
ERROR_DESCRIPTIONS = {
    400: "Malformed JSON, a value that fails validation, or one the deliberation's rules refuse",
    401: "No credentials, or credentials that cannot be read",
    403: "Credentials not valid here (another conversation, wrong kind, retired token), a "
    "missing or wrong X-CSRF-Token on a cookie-authenticated write, a role that is not "
    "enough, or a closed conversation",
    404: "No such conversation, statement or participant",
    409: "Clashes with what is stored: a duplicate statement, a vote id reused for another vote, "
    "a statement not open to votes",
    413: "The request body is larger than the API accepts",
    415: "A request body that is not application/json",
    429: "Too many requests (per participant, per login email, or per address when enabled); "
    "see Retry-After",
}

_AUTHENTICATE = {"WWW-Authenticate": 'Bearer realm="mesa"'}


@dataclass(frozen=True)
class TokenHolder:
    """The holder of a participant token signed for the conversation in the URL, not yet
    matched against the participant's current token: the view must pass `secret` to a service
    that checks it in its own query (the vote does, to spare the hottest route a query)."""

    pid: int
    secret: str


@dataclass(frozen=True)
class Access:
    """One way of being allowed in: how to resolve the caller, and how the document says so."""

    resolve: Callable[[str | None], dict[str, Any]]
    security: list[dict[str, list]]
    errors: tuple[int, ...]


def access(kind: Access, *, errors: Iterable[int] = (), responses: dict[int, str] | None = None):
    """Admit callers of `kind` to the view; `errors` and `responses` document what else it can
    answer (404 on routes with path arguments, 400 on routes with input, are added anyway)."""

    def decorator(view):
        @functools.wraps(view)
        def admitted(*args, **kwargs):
            kwargs.update(kind.resolve(kwargs.get("conversation_id")))
            return view(*args, **kwargs)

        spec = admitted.__dict__.setdefault("_spec", {})
        if kind.security:
            spec["security"] = kind.security
        documented = dict(spec.get("responses") or {})
        for status in sorted({*kind.errors, *errors}):
            documented[status] = ERROR_DESCRIPTIONS[status]
        documented.update(responses or {})
        spec["responses"] = documented
        return admitted

    return decorator


def _participant(conversation_id: str | None) -> dict[str, Any]:
    _genuine_token(conversation_id)
    return {"participant": recognise(conversation_id or "")}


def _token_holder(conversation_id: str | None) -> dict[str, Any]:
    claim = _genuine_token(conversation_id).claim
    return {"participant": TokenHolder(claim.pid, claim.secret)}


def _genuine_token(conversation_id: str | None) -> PresentedToken:
    """A participant token signed by us for this conversation, and how it came ("bearer" or
    "cookie", whose writes must carry the CSRF header); else refused."""
    presented = presented_token(conversation_id or "")
    if presented is None:
        if bearer_token():
            raise ApiError(
                403, "this route needs a participant token", "participant_token_required"
            )
        raise ApiError(
            401,
            "join the conversation first: send its participant token",
            "authentication_required",
            headers=_AUTHENTICATE,
        )
    claim = presented.claim
    if claim is None:
        raise ApiError(
            401, "the participant token is not valid", "token_invalid", headers=_AUTHENTICATE
        )
    if claim.conversation_id != conversation_id:
        raise ApiError(
            403,
            "this participant token belongs to another conversation",
            "token_wrong_conversation",
        )
    if presented.via == "cookie" and request.method not in SAFE_METHODS:
        if not participant_csrf_matches(presented.token, request.headers.get(CSRF_HEADER)):
            raise ApiError(
                403,
                f"a cookie-authenticated write needs the {CSRF_HEADER} header issued at join",
                "csrf_failed",
            )
    return presented


def _participant_if_any(conversation_id: str | None) -> dict[str, Any]:
    """The caller if it holds a current participant token here, else None: never refuses (a
    retired token, or no such conversation: joining will tell)."""
    return {"participant": current_participant(conversation_id or "")}


def _facilitator(_conversation_id: str | None) -> dict[str, Any]:
    token = bearer_token()
    if token is not None:
        if not token:
            raise ApiError(
                401, "send Authorization: Bearer <token>", "token_invalid", headers=_AUTHENTICATE
            )
        if is_participant_token(token):
            raise ApiError(
                403, "participant tokens cannot act as a facilitator", "facilitator_required"
            )
        return {"facilitator": facilitator_for_api_token(token)}
    if not current_user.is_authenticated:
        raise ApiError(
            401,
            "log in, or send a facilitator API token as Authorization: Bearer",
            "authentication_required",
            headers=_AUTHENTICATE,
        )
    if request.method not in SAFE_METHODS:
        try:
            csrf.protect()
        except CSRFError as refusal:
            raise ApiError(
                403, f"CSRF check failed: {refusal.description}", "csrf_failed"
            ) from None
    facilitator: Facilitator = current_user._get_current_object()
    return {"facilitator": facilitator}


def _public(_conversation_id: str | None) -> dict[str, Any]:
    return {}


_PARTICIPANT_SECURITY = [{"participantToken": []}, {"participantCookie": []}]
_FACILITATOR_SECURITY = [{"facilitatorToken": []}, {"facilitatorSession": []}]

PUBLIC = Access(_public, [], ())
PARTICIPANT = Access(_participant, _PARTICIPANT_SECURITY, (401, 403))
# As PARTICIPANT, for a view whose service checks that the token is current (see TokenHolder).
PARTICIPANT_TOKEN = Access(_token_holder, _PARTICIPANT_SECURITY, (401, 403))
# Anyone; a participant's current credentials are recognised (joining twice returns them).
PARTICIPANT_IF_ANY = Access(_participant_if_any, [{}, *_PARTICIPANT_SECURITY], ())
FACILITATOR = Access(_facilitator, _FACILITATOR_SECURITY, (401, 403))

SECURITY_SCHEMES = {
    "participantToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "A participant token from POST /conversations/{conversation_id}/"
        "participants, valid in that conversation only. No CSRF header needed.",
    },
    "participantCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "mesa_participant_{conversation_id}",
        "description": "The HttpOnly cookie set at join, one per conversation. Writes must also "
        f"send {CSRF_HEADER} with the csrf_token of the join response (also in the readable "
        "cookie mesa_csrf_{conversation_id}).",
    },
    "facilitatorToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "A facilitator's personal API token. No CSRF header needed.",
    },
    "facilitatorSession": {
        "type": "apiKey",
        "in": "cookie",
        "name": "mesa_session",
        "description": f"A console session from POST /session. Writes must also send {CSRF_HEADER} "
        "with the csrf_token of the login response or of GET /session.",
    },
}
