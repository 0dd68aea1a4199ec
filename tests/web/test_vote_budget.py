"""The per-participant vote budget (web.vote_budget): spent after the token is verified, one
budget for the page and the API, refused with Retry-After in the reader's language."""

from __future__ import annotations

import re

from tests.web.conftest import API, assert_refused, bearer, join, stored_counts
from web.extensions import limiter

FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def votes_url(conversation_id: str) -> str:
    return f"{API}/conversations/{conversation_id}/votes"


def test_requests_with_a_bad_token_spend_nobodys_budget(app, client, conversation, seeds):
    app.config["MESA_RATE_LIMIT_VOTES"] = "2/minute"
    joined = join(client, conversation.public_id)
    forged = joined["token"][:-4] + ("AAAA" if not joined["token"].endswith("AAAA") else "BBBB")
    for _ in range(5):
        refused = client.post(
            votes_url(conversation.public_id),
            json={"tid": seeds[0], "vote": 1},
            headers=bearer(forged),
        )
        assert refused.status_code in (401, 403)
    for tid in seeds[:2]:
        voted = client.post(
            votes_url(conversation.public_id),
            json={"tid": tid, "vote": 1},
            headers=bearer(joined["token"]),
        )
        assert voted.status_code == 200, voted.get_json()
    limited = client.post(
        votes_url(conversation.public_id),
        json={"tid": seeds[2], "vote": 1},
        headers=bearer(joined["token"]),
    )
    body = assert_refused(limited, 429, "rate_limited")
    assert body["error"] == "too many requests: at most 2 per 1 minute; retry later"
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    assert stored_counts()["votes"] == 2


def test_a_page_vote_over_budget_is_told_so_in_spanish_and_stores_nothing(
    app, client, conversation, seeds
):
    app.config["MESA_RATE_LIMIT_VOTES"] = "1/minute"
    client.set_cookie("mesa_language", "es")
    cid = conversation.public_id
    landing = client.get(f"/c/{cid}")
    token = FORM_TOKEN.search(landing.get_data(as_text=True)).group(1)
    assert client.post(f"/c/{cid}/join", data={"csrf_token": token}).status_code == 302
    token = FORM_TOKEN.search(client.get(f"/c/{cid}").get_data(as_text=True)).group(1)
    first = client.post(f"/c/{cid}/votes", data={"csrf_token": token, "tid": seeds[0], "vote": 1})
    assert first.status_code == 302
    second = client.post(f"/c/{cid}/votes", data={"csrf_token": token, "tid": seeds[1], "vote": 1})
    assert second.status_code == 429
    assert "Espera un momento" in second.get_data(as_text=True)
    assert int(second.headers["Retry-After"]) > 0
    assert stored_counts()["votes"] == 1


def test_without_rate_limiting_votes_are_not_counted(app, client, conversation, seeds):
    app.config["MESA_RATE_LIMIT_VOTES"] = "1/minute"
    app.config["RATELIMIT_ENABLED"] = False
    joined = join(client, conversation.public_id)
    for tid in seeds:
        voted = client.post(
            votes_url(conversation.public_id),
            json={"tid": tid, "vote": 1},
            headers=bearer(joined["token"]),
        )
        assert voted.status_code == 200
    assert stored_counts()["votes"] == len(seeds)


def test_the_per_address_limit_counts_votes_too_one_budget_for_page_and_api(
    app, client, conversation, seeds
):
    """The vote routes are exempt from Flask-Limiter; the per-address limit it applies to
    every other route is spent by web.vote_budget, and never keyed by the address itself."""
    joined = join(client, conversation.public_id)
    app.config["MESA_RATE_LIMIT_PER_ADDRESS"] = "2/minute"
    statuses = [
        client.post(
            votes_url(conversation.public_id),
            json={"tid": tid, "vote": 1},
            headers=bearer(joined["token"]),
        ).status_code
        for tid in seeds
    ]
    assert statuses == [200, 200, 429]
    assert stored_counts()["votes"] == 2
    keys = list(limiter.storage.storage)
    assert any("votes-address" in key for key in keys)
    assert not any("127.0.0.1" in key for key in keys)


def test_votes_skip_flask_limiters_hooks_which_still_limit_other_routes(
    app, client, conversation, seeds
):
    app.config["MESA_RATE_LIMIT_JOINS"] = "2/minute"
    joined = join(client, conversation.public_id)
    voted = client.post(
        votes_url(conversation.public_id),
        json={"tid": seeds[0], "vote": 1},
        headers=bearer(joined["token"]),
    )
    assert voted.status_code == 200
    assert "X-RateLimit-Limit" not in voted.headers  # the hooks that add them were skipped
    second = client.post(f"{API}/conversations/{conversation.public_id}/participants", json={})
    assert second.status_code in (200, 201)
    assert second.headers["X-RateLimit-Limit"] == "2"
    third = client.post(f"{API}/conversations/{conversation.public_id}/participants", json={})
    assert third.status_code == 429
