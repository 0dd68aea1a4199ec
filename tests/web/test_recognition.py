"""One way to recognise a participant (web.recognition): the token's signature is checked once
per request and its holder looked up at most once, whether the rate limiter, the API's `@access`
or a page asks; every guarantee of the vote stays (per-participant limits shared by pages and
API, CSRF on cookie writes; a retired token is refused inside the vote's own transaction, as
tests/web/test_api_participation.py shows)."""

from __future__ import annotations

import re

import pytest

from deliberation import services
from tests.web.conftest import API, assert_refused, bearer, stored_counts
from web import recognition

FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def counted(monkeypatch):
    """How often each request checks a token's signature and looks its holder up: the real
    functions, counted."""
    calls = {"signature": 0, "lookup": 0}
    read, identify = recognition.read_participant_token, recognition.identify_participant

    def reading(token):
        calls["signature"] += 1
        return read(token)

    def identifying(conversation_id, secret):
        calls["lookup"] += 1
        return identify(conversation_id, secret)

    monkeypatch.setattr(recognition, "read_participant_token", reading)
    monkeypatch.setattr(recognition, "identify_participant", identifying)

    def reset():
        calls.update(signature=0, lookup=0)
        return calls

    return reset


def _votes_url(conversation_id: str) -> str:
    return f"{API}/conversations/{conversation_id}/votes"


def _join_page(client, conversation_id: str) -> str:
    landing = client.get(f"/c/{conversation_id}")
    token = FORM_TOKEN.search(landing.get_data(as_text=True)).group(1)
    joined = client.post(f"/c/{conversation_id}/join", data={"csrf_token": token})
    assert joined.status_code == 302
    return FORM_TOKEN.search(client.get(f"/c/{conversation_id}").get_data(as_text=True)).group(1)


def test_an_api_vote_checks_the_signature_once_and_looks_nobody_up(
    client, conversation, seeds, joined, counted
):
    calls = counted()
    by_cookie = client.post(
        _votes_url(conversation.public_id),
        json={"tid": seeds[0], "vote": 1},
        headers={"X-CSRF-Token": joined["csrf_token"]},
    )
    assert by_cookie.status_code == 200, by_cookie.get_json()
    # The rate limiter's key and the route's authentication share one reading; the vote's
    # service matches the token in its own query, so the route looks nobody up.
    assert calls == {"signature": 1, "lookup": 0}

    calls = counted()
    fresh = client.application.test_client()  # no cookies
    by_bearer = fresh.post(
        _votes_url(conversation.public_id),
        json={"tid": seeds[1], "vote": -1},
        headers=bearer(joined["token"]),
    )
    assert by_bearer.status_code == 200, by_bearer.get_json()
    assert calls == {"signature": 1, "lookup": 0}
    assert stored_counts()["votes"] == 2


def test_an_api_read_checks_the_signature_once_and_looks_up_once(
    client, conversation, seeds, joined, counted
):
    calls = counted()
    response = client.get(f"{API}/conversations/{conversation.public_id}/next-statement")
    assert response.status_code == 200
    assert calls == {"signature": 1, "lookup": 1}


def test_a_page_vote_recognises_the_participant_once(client, conversation, seeds, counted):
    form_token = _join_page(client, conversation.public_id)
    calls = counted()
    voted = client.post(
        f"/c/{conversation.public_id}/votes",
        data={"csrf_token": form_token, "tid": seeds[0], "vote": "1"},
    )
    assert voted.status_code == 302
    # Before: once for the rate limiter's key and once more for the page's reader.
    assert calls == {"signature": 1, "lookup": 1}
    assert stored_counts()["votes"] == 1


def test_pages_and_api_spend_one_vote_budget(app, client, conversation, seeds):
    app.config["MESA_RATE_LIMIT_VOTES"] = "2/minute"
    form_token = _join_page(client, conversation.public_id)
    page_vote = client.post(
        f"/c/{conversation.public_id}/votes",
        data={"csrf_token": form_token, "tid": seeds[0], "vote": "1"},
    )
    assert page_vote.status_code == 302
    url = _votes_url(conversation.public_id)
    api_vote = client.post(
        url, json={"tid": seeds[1], "vote": 1}, headers={"X-CSRF-Token": form_token}
    )
    assert api_vote.status_code == 200
    limited = client.post(
        url, json={"tid": seeds[2], "vote": 1}, headers={"X-CSRF-Token": form_token}
    )
    assert_refused(limited, 429, "rate_limited")
    assert stored_counts()["votes"] == 2


def test_a_cookie_vote_without_its_csrf_header_is_refused_and_stores_nothing(
    client, conversation, seeds, joined
):
    refused = client.post(_votes_url(conversation.public_id), json={"tid": seeds[0], "vote": 1})
    assert_refused(refused, 403, "csrf_failed")
    assert stored_counts()["votes"] == 0


def test_a_page_ignores_an_authorization_header_it_did_not_ask_for(client, conversation, seeds):
    """A reverse proxy's Basic authentication must not hide the participant's cookie."""
    _join_page(client, conversation.public_id)
    response = client.get(
        f"/c/{conversation.public_id}", headers={"Authorization": "Basic dXNlcjpwYXNz"}
    )
    assert 'name="tid"' in response.get_data(as_text=True)


def test_the_api_does_not_read_the_cookie_behind_a_facilitator_token(
    client, owner_token, conversation, seeds, joined
):
    response = client.get(
        f"{API}/conversations/{conversation.public_id}/next-statement",
        headers=bearer(owner_token),
    )
    assert_refused(response, 403, "participant_token_required")


def test_a_token_names_its_holder_in_its_own_conversation_only(client, owner, conversation, seeds):
    """A token of another conversation, and one whose signature is broken, name nobody."""
    other = services.create_conversation(owner.id, "Otra mesa")
    joined_elsewhere = client.application.test_client().post(
        f"{API}/conversations/{other.public_id}/participants", json={}
    )
    token = joined_elsewhere.get_json()["token"]
    url = f"{API}/conversations/{conversation.public_id}/next-statement"
    fresh = client.application.test_client()
    assert_refused(fresh.get(url, headers=bearer(token)), 403, "token_wrong_conversation")
    assert_refused(fresh.get(url, headers=bearer(token[:-2] + "xx")), 401, "token_invalid")
