"""Who a rate limit counts, and how much: keys and limits for Flask-Limiter.

Limits are counted per participant (from the signed token, with no database read: the claim
web.recognition reads once per request, for the route to use too), per login email and
address, per login address (failures only), and optionally per address. No key holds an IP
address or an email: both are replaced by an HMAC under the app's secret key, so the limiter's
storage (memory or Redis) holds neither.
Limits come from the config, read on each request: MESA_RATE_LIMIT_VOTES, ..._STATEMENTS,
..._LOGIN, ..._JOINS (per address and conversation, link mode only) and
MESA_RATE_LIMIT_PER_ADDRESS (False, or a limit such as "600/minute").
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from flask import current_app, g, request
from limits import parse_many

from deliberation.errors import DeliberationError
from deliberation.models import AccessMode
from deliberation.services import get_conversation
from web.recognition import participant_claim

# Used when MESA_RATE_LIMIT_PER_ADDRESS is just "true". A whole venue may share one address
# behind its Wi-Fi, hence generous; the limit is off by default for that reason.
DEFAULT_PER_ADDRESS_LIMIT = "600/minute"
# Joins per address and conversation in link mode, where a join needs nothing and each one is a
# fresh vote budget. Sized for a venue: 300 people behind one Wi-Fi joining within ten minutes
# pass (30 a minute on average, 60 in the minute the QR code goes up, with room to spare), while a
# script's burst of 150 gets 90 participants, then 400 an hour at most. A larger venue raises
# it (README, "Joins per address"); False turns it off.
DEFAULT_JOIN_LIMIT = "90/minute;400/hour"
# Flask-Limiter evaluates a limit's value even when the limit is exempt: this one is never used.
_UNUSED_LIMIT = "1/second"

LIMIT_SETTINGS = ("MESA_RATE_LIMIT_VOTES", "MESA_RATE_LIMIT_STATEMENTS", "MESA_RATE_LIMIT_LOGIN")
JOINS_SETTING = "MESA_RATE_LIMIT_JOINS"
# One budget per kind, whichever route spends it (`limiter.shared_limit(..., scope=...)`): a
# participant voting through the pages and the API, or a password tried on the console's form
# and on the API, gets one allowance, not one per route.
VOTES_SCOPE = "votes"
STATEMENTS_SCOPE = "statements"
LOGIN_SCOPE = "login"
LOGIN_ADDRESS_SCOPE = "login-address"
# Failed logins from one address, whichever accounts they try: a guesser who cycles through
# emails meets this one. Only failures count, so a venue's facilitators behind one Wi-Fi
# address all log in; MESA_RATE_LIMIT_LOGIN_PER_ADDRESS changes it.
DEFAULT_LOGIN_PER_ADDRESS_LIMIT = "30/minute"
JOINS_SCOPE = "joins"


def check_limit_settings(config: Mapping[str, Any]) -> None:
    """Refuse to start with a limit Flask-Limiter could not parse, rather than fail per request."""
    for name in LIMIT_SETTINGS:
        _parse(name, config[name])
    if address_limit(config) is not None:
        _parse("MESA_RATE_LIMIT_PER_ADDRESS", address_limit(config))
    _parse("MESA_RATE_LIMIT_LOGIN_PER_ADDRESS", _login_address_limit(config))
    if _join_limit(config) is not None:
        _parse(JOINS_SETTING, _join_limit(config))


class PerProcessLimits(RuntimeError):
    """Raised when several server processes would each count limits in their own memory."""


def refuse_per_process_limits(config: Mapping[str, Any], processes: int) -> None:
    """With memory:// storage each process counts on its own, so N processes let N times each
    limit through (5 gunicorn processes let 39 of 10 logins a minute through). Several
    processes need shared storage (RATELIMIT_STORAGE_URI=redis://...), or the operator's
    explicit MESA_RATE_LIMITS_PER_PROCESS=true; gunicorn.conf.py calls this before forking."""
    storage = config.get("RATELIMIT_STORAGE_URI")
    if storage is None:  # not Mesa (loadtest.floor_app): no limits to share
        return
    per_process = str(storage).startswith("memory://")
    if processes <= 1 or not per_process or not config.get("RATELIMIT_ENABLED", True):
        return
    if config.get("MESA_RATE_LIMITS_PER_PROCESS"):
        return
    raise PerProcessLimits(
        f"{processes} server processes would each count rate limits in their own memory, "
        f"letting {processes} times each limit through: set RATELIMIT_STORAGE_URI=redis://... "
        "(shared), or MESA_RATE_LIMITS_PER_PROCESS=true to accept per-process limits"
    )


def _parse(name: str, value: Any) -> None:
    try:
        parse_many(value)
    except (ValueError, TypeError):
        raise ValueError(f"{name}={value!r} is not a rate limit such as '120/minute'") from None


def address_limit(config: Mapping[str, Any]) -> str | None:
    setting = config["MESA_RATE_LIMIT_PER_ADDRESS"]
    if setting is True:
        return DEFAULT_PER_ADDRESS_LIMIT
    return setting or None


def _join_limit(config: Mapping[str, Any]) -> str | None:
    """The one place the join limit is read: a limit, True for the default, False for none."""
    setting = config[JOINS_SETTING]
    if setting is True:
        return DEFAULT_JOIN_LIMIT
    return setting or None


def _pseudonym(kind: str, value: str) -> str:
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    return kind + ":" + hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


def statements_limit() -> str:
    return current_app.config["MESA_RATE_LIMIT_STATEMENTS"]


def login_limit() -> str:
    return current_app.config["MESA_RATE_LIMIT_LOGIN"]


def _login_address_limit(config: Mapping[str, Any]) -> str:
    return config["MESA_RATE_LIMIT_LOGIN_PER_ADDRESS"]


def login_address_limit() -> str:
    return _login_address_limit(current_app.config)


def login_failed(_response) -> bool:
    """Flask-Limiter's `deduct_when` for logins: only a failed attempt spends the budget
    (`web.facilitator_sessions.start_session` marks a success)."""
    return not g.get("login_succeeded", False)


def per_address_limit() -> str:
    return address_limit(current_app.config) or _UNUSED_LIMIT


def per_address_exempt() -> bool:
    return address_limit(current_app.config) is None


def joins_limit() -> str:
    return _join_limit(current_app.config) or _UNUSED_LIMIT


def joins_exempt() -> bool:
    """Joins are limited only in link mode: an invite code or a signed xid already bounds who
    may join, and an unknown conversation is refused by the route itself."""
    if _join_limit(current_app.config) is None:
        return True
    conversation_id = (request.view_args or {}).get("conversation_id", "")
    try:
        conversation = get_conversation(conversation_id)
    except DeliberationError:
        return True
    return conversation.access_mode is not AccessMode.LINK


# The key of requests that name nobody: they share one budget, and are refused anyway (no
# valid token, no email), so sharing it costs no real caller anything.
_NOBODY = "nobody"


def address_key() -> str:
    """The requesting address, pseudonymised."""
    return _pseudonym("address", request.remote_addr) if request.remote_addr else _NOBODY


def join_key() -> str:
    """The requesting address (pseudonymised) and the conversation: one venue's people joining
    two conversations spend two budgets."""
    conversation_id = (request.view_args or {}).get("conversation_id", "")
    return f"{address_key()}:{conversation_id}"


def participant_key() -> str:
    """conversation:pid from a genuine token for the conversation in the URL, on the pages and
    the API alike, so both spend one budget.

    Without one the request is refused by authentication, before it reads or writes anything.
    """
    conversation_id = (request.view_args or {}).get("conversation_id", "")
    claim = participant_claim(conversation_id)
    if claim is None:
        return _NOBODY
    return f"participant:{claim.conversation_id}:{claim.pid}"


def login_key() -> str:
    """The email being logged in to, from this address: guessing one account's password is
    slow, and a stranger's failures elsewhere do not lock its owner out.

    From the API's JSON body or the console's login form: both share one budget.
    """
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else request.form.get("email")
    if not isinstance(email, str):
        return _NOBODY
    return _pseudonym("login", f"{email.strip().lower()}\n{request.remote_addr or ''}")
