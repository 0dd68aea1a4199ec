"""Errors are JSON with the right status and change nothing; rate limits; security headers."""

from __future__ import annotations

from tests.web.conftest import API, PASSWORD, assert_refused, bearer, join, stored_counts
from web.extensions import limiter


def test_unknown_routes_and_methods_under_api_are_json(client):
    assert_refused(client.get(f"{API}/nowhere"), 404, "not_found")
    assert_refused(client.get("/api/v2/conversations"), 404, "not_found")
    refused = client.delete(f"{API}/conversations")
    assert_refused(refused, 405, "method_not_allowed")
    assert "GET" in refused.headers["Allow"]
    # Outside the API, Flask's usual pages.
    assert client.get("/nowhere").content_type.startswith("text/html")


def test_malformed_oversized_and_non_json_bodies(client, conversation, seeds, joined):
    url = f"{API}/conversations/{conversation.public_id}/votes"
    headers = {**bearer(joined["token"]), "Content-Type": "application/json"}
    before = stored_counts()

    assert_refused(client.post(url, data="{not json", headers=headers), 400, "malformed_json")
    assert_refused(client.post(url, data="", headers=headers), 400, "malformed_json")
    assert_refused(client.post(url, data=b"\xff\xfe{}", headers=headers), 400, "malformed_json")
    deep = "[" * 20_000 + "]" * 20_000
    assert_refused(client.post(url, data=deep, headers=headers), 400, "malformed_json")
    huge = '{"tid": 0, "vote": 1, "pad": "' + "x" * 70_000 + '"}'
    assert_refused(client.post(url, data=huge, headers=headers), 413, "body_too_large")
    form = client.post(url, data={"tid": "0", "vote": "1"}, headers=bearer(joined["token"]))
    assert_refused(form, 415, "unsupported_media_type")
    assert stored_counts() == before


def test_out_of_range_path_numbers_are_404s_not_database_errors(client, owner_token, conversation):
    url = f"{API}/conversations/{conversation.public_id}/statements/{2**40}/moderation"
    response = client.put(url, json={"state": "accepted"}, headers=bearer(owner_token))
    assert_refused(response, 404, "not_found")


def test_votes_are_rate_limited_per_participant(app, client, conversation, seeds, joined):
    app.config["MESA_RATE_LIMIT_VOTES"] = "2/minute"
    url = f"{API}/conversations/{conversation.public_id}/votes"
    headers = bearer(joined["token"])
    for tid in (0, 1):
        assert client.post(url, json={"tid": tid, "vote": 1}, headers=headers).status_code == 200
    limited = client.post(url, json={"tid": 2, "vote": 1}, headers=headers)
    body = assert_refused(limited, 429, "rate_limited")
    assert "2 per 1 minute" in body["error"]
    assert int(limited.headers["Retry-After"]) > 0
    assert stored_counts()["latest_votes"] == 2

    # Another participant, from the same address, has their own budget.
    other = join(client.application.test_client(), conversation.public_id)
    voted = client.post(url, json={"tid": 2, "vote": 1}, headers=bearer(other["token"]))
    assert voted.status_code == 200


def test_statements_and_logins_are_rate_limited(app, client, owner, conversation, joined):
    app.config["MESA_RATE_LIMIT_STATEMENTS"] = "1/minute"
    app.config["MESA_RATE_LIMIT_LOGIN"] = "2/minute"
    url = f"{API}/conversations/{conversation.public_id}/statements"
    headers = bearer(joined["token"])
    assert client.post(url, json={"text": "Primera propuesta."}, headers=headers).status_code == 201
    assert_refused(client.post(url, json={"text": "Segunda propuesta."}, headers=headers), 429)

    wrong = {"email": owner.email, "password": "not the password"}
    for _ in range(2):
        assert_refused(client.post(f"{API}/session", json=wrong), 403, "login_failed")
    right = {"email": owner.email.upper(), "password": PASSWORD}
    assert_refused(client.post(f"{API}/session", json=right), 429, "rate_limited")


def test_per_address_limit_is_off_by_default_and_configurable(app, client, conversation):
    url = f"{API}/conversations/{conversation.public_id}"
    assert all(client.get(url).status_code == 200 for _ in range(5))
    app.config["MESA_RATE_LIMIT_PER_ADDRESS"] = "3/minute"
    statuses = [client.get(url).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    # The limiter counts a pseudonym of the address, never the address itself.
    keys = list(limiter.storage.storage)
    assert keys and not any("127.0.0.1" in key for key in keys)


NASTY_BODIES = [
    None,
    [],
    "text",
    7,
    {"text": 12, "tid": "0", "vote": None, "topic": ["x"], "state": {}, "is_meta": "yes"},
    {"text": "\u0000", "topic": "\ud800", "email": "a@b.c\u0000", "password": "x", "xid": ""},
    {"tid": 10**30, "vote": 1e308, "language": "x" * 17, "statement_max_length": -(10**30)},
    {"sector": "s" * 101, "invite_code": "\u0000", "reason": "r" * 2001, "languages": [None]},
]


def test_no_bad_input_anywhere_is_a_server_error(app, client, owner_token, conversation, seeds):
    """Every API route, as a facilitator and as a participant, with hostile bodies."""
    participant = join(client.application.test_client(), conversation.public_id)
    callers = [bearer(owner_token), bearer(participant["token"]), {}]
    before = stored_counts()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API) or rule.endpoint == "openapi.spec":
            continue
        url = rule.rule.replace("<conversation:conversation_id>", conversation.public_id)
        url = url.replace("<tid:tid>", "0")
        for method in rule.methods - {"HEAD", "OPTIONS", "GET"}:
            if method == "DELETE":  # logging out and leaving succeed with any body
                continue
            for body in NASTY_BODIES:
                for headers in callers:
                    response = client.open(url, method=method, json=body, headers=headers)
                    assert response.status_code < 500, (method, url, body)
                    assert response.is_json and "error" in response.get_json(), (method, url)
        for query in ("?language=%00", "?language=" + "x" * 40, "?kind=x", "?language=%ED%B2%80"):
            for headers in callers:
                if "GET" in rule.methods:
                    response = client.get(url + query, headers=headers)
                    assert response.status_code < 500, (url, query)
    assert stored_counts() == before


def test_every_response_carries_the_security_headers(client, conversation):
    for response in (
        client.get(f"{API}/conversations/{conversation.public_id}"),
        client.get(f"{API}/nowhere"),
        client.get(f"{API}/openapi.json"),
        client.get("/nowhere"),
    ):
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Frame-Options"] == "DENY"
    api_response = client.get(f"{API}/conversations/{conversation.public_id}")
    assert api_response.headers["Cache-Control"] == "no-store"
