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

from flask import Flask, current_app, request
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


def skip_limiter_for_self_limited_views(app: Flask) -> None:
    """Leave Flask-Limiter's per-request hooks out of views that spend their own budget.

    The request filter above makes its check find no limit for a vote, but only after it has
    looked the view up, built its name and weighed its meta limits and exemptions: a tenth of
    a vote's CPU in the app (`loadtest.vote_profile`); its after-request hook then looks for
    headers to add and its teardown resets what the check never set. This wraps the three
    hooks `limiter.init_app(app)` registered, so a vote enters none of them; call it after that.
    """
    hooks = [  # (where Flask keeps them, which one, is it an after-request hook)
        (app.before_request_funcs, limiter._check_request_limit.__eq__, False),
        (app.after_request_funcs, _is_limiters_partial, True),
        (app.teardown_request_funcs, limiter._Limiter__release_context.__eq__, False),
    ]
    for registry, is_the_hook, passes_on_response in hooks:
        # None of them is there when limits are off (RATELIMIT_ENABLED=false).
        app_wide = registry.get(None, [])
        for position, hook in enumerate(app_wide):
            if is_the_hook(hook) is True:
                app_wide[position] = _unless_self_limited(hook, passes_on_response)


def _is_limiters_partial(hook) -> bool:
    return isinstance(hook, functools.partial) and hook.args == (limiter,)


def _unless_self_limited(hook, passes_on_response: bool):
    @functools.wraps(hook)
    def hook_unless_self_limited(*args):
        if _spends_its_own_budget():
            return args[0] if passes_on_response else None  # an after-request hook's response
        return hook(*args)

    return hook_unless_self_limited


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
