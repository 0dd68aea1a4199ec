"""The per-participant vote limit (MESA_RATE_LIMIT_VOTES), spent once the token is verified.

Flask-Limiter's decorator resolved, filtered and evaluated its limits on every vote, keyed the
request before authentication and read the window again for its response headers: about a
third of a vote request's CPU. Votes are the one route every participant calls every few
seconds, so they spend their budget here instead, in the view, keyed by the conversation and
pid of the token the route has just verified, with the `limits` strategy and storage Flask-
Limiter was configured with (sliding window counter; memory or Redis). The page's vote and
the API's spend one budget, since both call `spend_vote`. Other routes keep Flask-Limiter.

The vote routes (`@self_limited`) are left out of Flask-Limiter altogether: a request filter
stops its per-request check before it resolves anything. The optional per-address limit
(MESA_RATE_LIMIT_PER_ADDRESS), which Flask-Limiter applies to every other route, is spent here
too, one budget per address for the page's votes and the API's.
"""

from __future__ import annotations

import functools
import math
import time

from flask import current_app, request
from limits import RateLimitItem, parse_many
from werkzeug.exceptions import TooManyRequests

from web.extensions import limiter
from web.rate_limits import VOTES_SCOPE, address_key, address_limit

VOTES_ADDRESS_SCOPE = "votes-address"


class VoteBudgetSpent(TooManyRequests):
    """429 with Retry-After; `description` names the limit, e.g. "120 per 1 minute"."""

    def __init__(self, limit: RateLimitItem, retry_after: int):
        super().__init__(description=str(limit), retry_after=retry_after)


_SELF_LIMITED = "mesa_spends_vote_budget"


def self_limited(view):
    """Mark a view that calls `spend_vote` itself: Flask-Limiter leaves it alone (the request
    filter below stops it before it resolves any limit, default or decorated)."""
    setattr(view, _SELF_LIMITED, True)
    return view


@limiter.request_filter
def _spends_its_own_budget() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, _SELF_LIMITED, False)


@functools.lru_cache(maxsize=16)
def _limits(value: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(value))


def spend_vote(conversation_id: str, pid: int) -> None:
    """Count one vote against the participant's budget (and the address's, when that limit is
    on), or raise `VoteBudgetSpent`."""
    config = current_app.config
    if not limiter.enabled or not config.get("RATELIMIT_ENABLED", True):
        return
    _spend(config["MESA_RATE_LIMIT_VOTES"], f"participant:{conversation_id}:{pid}", VOTES_SCOPE)
    per_address = address_limit(config)
    if per_address is not None:
        _spend(per_address, address_key(), VOTES_ADDRESS_SCOPE)


def _spend(value: str, key: str, scope: str) -> None:
    strategy = limiter.limiter
    for limit in _limits(value):
        if not strategy.hit(limit, key, scope):
            reset_at, _remaining = strategy.get_window_stats(limit, key, scope)
            raise VoteBudgetSpent(limit, max(1, math.ceil(reset_at - time.time())))
