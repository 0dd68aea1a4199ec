"""Joining, voting, the next statement and a participant's own state, through the API."""

from __future__ import annotations

import pytest

from deliberation import services
from deliberation.models import AccessMode
from tests.deliberation.conftest import signed_xid
from tests.web.conftest import (
    API,
    assert_refused,
    bearer,
    join,
    stored_counts,
)
from web.credentials import csrf_cookie_name, participant_cookie_name


def votes_url(conversation_id: str) -> str:
    return f"{API}/conversations/{conversation_id}/votes"


def cookie_header(client, name: str) -> str:
    cookie = client.get_cookie(name)
    assert cookie is not None, name
    return cookie


def test_join_answers_a_token_and_sets_an_httponly_cookie(client, conversation):
    response = client.post(
        f"{API}/conversations/{conversation.public_id}/participants", json={"sector": "comercio"}
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["pid"] == 0 and body["sector"] == "comercio" and not body["is_returning"]
    assert body["token"].startswith("p.") and body["csrf_token"]

    set_cookies = response.headers.getlist("Set-Cookie")
    name = participant_cookie_name(conversation.public_id)
    token_cookie = next(c for c in set_cookies if c.startswith(f"{name}="))
    assert "HttpOnly" in token_cookie and "SameSite=Lax" in token_cookie
    assert "Secure" not in token_cookie  # plain HTTP here
    csrf_cookie = next(c for c in set_cookies if c.startswith("mesa_csrf_"))
    assert "HttpOnly" not in csrf_cookie
    readable = cookie_header(client, csrf_cookie_name(conversation.public_id))
    assert readable.value == body["csrf_token"]


def test_cookies_are_secure_over_https(client, conversation):
    response = client.post(
        f"{API}/conversations/{conversation.public_id}/participants",
        json={},
        base_url="https://mesa.example.org",
    )
    assert response.status_code == 201
    assert all("Secure" in cookie for cookie in response.headers.getlist("Set-Cookie"))
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_joining_again_with_the_cookie_returns_the_same_participant(client, conversation):
    first = join(client, conversation.public_id)
    response = client.post(f"{API}/conversations/{conversation.public_id}/participants", json={})
    assert response.status_code == 200
    again = response.get_json()
    assert (again["pid"], again["token"], again["is_returning"]) == (
        first["pid"],
        first["token"],
        True,
    )
    assert stored_counts()["participants"] == 1


def test_a_refused_join_is_json_and_admits_nobody(client, owner, conversation):
    services.update_conversation(
        owner.id, conversation.public_id, {"access_mode": AccessMode.INVITE}
    )
    response = client.post(
        f"{API}/conversations/{conversation.public_id}/participants",
        json={"invite_code": "not-a-code"},
    )
    assert_refused(response, 403, "invite_invalid")
    refused_sector = client.post(
        f"{API}/conversations/{conversation.public_id}/participants", json={"sector": "x" * 101}
    )
    assert_refused(refused_sector, 400, "invalid_input")
    assert stored_counts()["participants"] == 0


def test_join_of_an_unknown_conversation_is_a_json_404(client):
    response = client.post(f"{API}/conversations/9zzzzzzzzz/participants", json={})
    assert_refused(response, 404, "conversation_not_found")


def test_next_statement_then_vote_with_a_bearer_token(client, conversation, seeds, joined):
    headers = bearer(joined["token"])
    # A bearer client carries no cookie: the cookie jar must not vouch for it.
    client = client.application.test_client()  # no cookies
    shown = client.get(
        f"{API}/conversations/{conversation.public_id}/next-statement", headers=headers
    )
    assert shown.status_code == 200
    upcoming = shown.get_json()
    assert upcoming["remaining"] == 3 and upcoming["total"] == 3
    tid = upcoming["statement"]["tid"]

    voted = client.post(
        votes_url(conversation.public_id),
        json={"tid": tid, "vote": 1, "client_vote_id": "v-1"},
        headers=headers,
    )
    assert voted.status_code == 200, voted.get_json()
    result = voted.get_json()
    assert result["vote"] == {
        "tid": tid,
        "vote": 1,
        "client_vote_id": "v-1",
        "replayed": False,
        "created_ms": result["vote"]["created_ms"],
    }
    assert result["next"]["remaining"] == 2 and result["next"]["statement"]["tid"] != tid

    replay = client.post(
        votes_url(conversation.public_id),
        json={"tid": tid, "vote": 1, "client_vote_id": "v-1"},
        headers=headers,
    )
    assert replay.get_json()["vote"]["replayed"] is True
    assert stored_counts()["votes"] == 1


def test_next_statement_is_null_when_all_are_voted(client, conversation, seeds, joined):
    headers = bearer(joined["token"])
    for tid in seeds:
        client.post(
            votes_url(conversation.public_id), json={"tid": tid, "vote": 0}, headers=headers
        )
    response = client.get(
        f"{API}/conversations/{conversation.public_id}/next-statement", headers=headers
    )
    assert response.get_json() == {"statement": None, "remaining": 0, "total": 3}


@pytest.mark.parametrize(
    ("ballot", "status", "code"),
    [
        ({"tid": 0, "vote": 2}, 400, "invalid_input"),
        ({"tid": 0, "vote": "1"}, 400, "invalid_input"),
        ({"tid": 0}, 400, "invalid_input"),
        ({"tid": 0, "vote": 1, "extra": True}, 400, "invalid_input"),
        ({"tid": 2**40, "vote": 1}, 400, "invalid_input"),
        ({"tid": 0, "vote": 1, "client_vote_id": "x" * 65}, 400, "invalid_input"),
        ({"tid": 0, "vote": 1, "client_vote_id": "a\u0000b"}, 400, "invalid_input"),
        ({"tid": 99, "vote": 1}, 404, "statement_not_found"),
        ([0, 1], 400, "invalid_input"),
    ],
)
def test_refused_votes_are_json_and_store_nothing(
    client, conversation, seeds, joined, ballot, status, code
):
    before = stored_counts()
    response = client.post(
        votes_url(conversation.public_id), json=ballot, headers=bearer(joined["token"])
    )
    assert_refused(response, status, code)
    assert stored_counts() == before


def test_a_reused_vote_id_and_a_closed_conversation_are_refused(
    client, owner, conversation, seeds, joined
):
    headers = bearer(joined["token"])
    url = votes_url(conversation.public_id)
    client.post(url, json={"tid": 0, "vote": 1, "client_vote_id": "same"}, headers=headers)
    before = stored_counts()
    reused = client.post(url, json={"tid": 1, "vote": 1, "client_vote_id": "same"}, headers=headers)
    assert_refused(reused, 409, "vote_id_reused")
    assert stored_counts() == before

    services.update_conversation(owner.id, conversation.public_id, {"is_open": False})
    before = stored_counts()
    closed = client.post(url, json={"tid": 1, "vote": -1}, headers=headers)
    assert_refused(closed, 403, "conversation_closed")
    assert stored_counts() == before


def test_cookie_writes_need_the_csrf_header_and_bearer_writes_do_not(
    client, conversation, seeds, joined
):
    url = votes_url(conversation.public_id)
    without = client.post(url, json={"tid": 0, "vote": 1})
    assert_refused(without, 403, "csrf_failed")
    wrong = client.post(url, json={"tid": 0, "vote": 1}, headers={"X-CSRF-Token": "forged"})
    assert_refused(wrong, 403, "csrf_failed")
    assert stored_counts()["votes"] == 0

    with_header = client.post(
        url, json={"tid": 0, "vote": 1}, headers={"X-CSRF-Token": joined["csrf_token"]}
    )
    assert with_header.status_code == 200

    client = client.application.test_client()  # no cookies
    by_bearer = client.post(url, json={"tid": 1, "vote": -1}, headers=bearer(joined["token"]))
    assert by_bearer.status_code == 200
    assert stored_counts()["votes"] == 2


def test_cookie_reads_need_no_csrf_header(client, conversation, seeds, joined):
    response = client.get(f"{API}/conversations/{conversation.public_id}/next-statement")
    assert response.status_code == 200


def test_a_token_of_one_conversation_fails_on_another(client, owner, conversation, seeds, joined):
    other = services.create_conversation(owner.id, "Otra mesa")
    services.add_seed_statement(owner.id, other.public_id, "Otra idea.")
    client = client.application.test_client()  # no cookies
    headers = bearer(joined["token"])
    voted = client.post(votes_url(other.public_id), json={"tid": 0, "vote": 1}, headers=headers)
    assert_refused(voted, 403, "token_wrong_conversation")
    state = client.get(f"{API}/conversations/{other.public_id}/participants/me", headers=headers)
    assert_refused(state, 403, "token_wrong_conversation")
    assert stored_counts()["votes"] == 0


def test_participant_routes_refuse_missing_forged_and_retired_tokens(client, conversation, seeds):
    url = f"{API}/conversations/{conversation.public_id}/next-statement"
    assert_refused(client.get(url), 401, "authentication_required")
    assert_refused(client.get(url, headers=bearer("p.forged.token")), 401, "token_invalid")
    assert_refused(client.get(url, headers={"Authorization": "Basic eDp5"}), 401)

    # A returning xid gets a new token, which retires the old one.
    persona = signed_xid(conversation.public_id, "persona-1")
    first = join(client, conversation.public_id, **persona)
    client = client.application.test_client()  # no cookies
    second = join(client, conversation.public_id, **persona)
    assert second["pid"] == first["pid"] and second["is_returning"]
    client = client.application.test_client()  # no cookies
    assert_refused(
        client.get(url, headers=bearer(first["token"])), 403, "participant_token_unknown"
    )
    assert client.get(url, headers=bearer(second["token"])).status_code == 200
    # Voting checks the token inside its own transaction, not before it: the same refusal.
    ballot = {"tid": seeds[0], "vote": 1, "client_vote_id": "retired-1"}
    votes = votes_url(conversation.public_id)
    assert_refused(
        client.post(votes, json=ballot, headers=bearer(first["token"])),
        403,
        "participant_token_unknown",
    )
    assert stored_counts()["votes"] == 0
    assert client.post(votes, json=ballot, headers=bearer(second["token"])).status_code == 200


def test_own_state_shows_votes_and_map_position(client, conversation, seeds, joined):
    headers = bearer(joined["token"])
    client.post(votes_url(conversation.public_id), json={"tid": 2, "vote": -1}, headers=headers)
    url = f"{API}/conversations/{conversation.public_id}/participants/me"
    before_math = client.get(url, headers=headers).get_json()
    assert before_math["pid"] == joined["pid"]
    assert [(v["tid"], v["vote"]) for v in before_math["votes"]] == [(2, -1)]
    assert before_math["placement"] is None

    services.record_math_result(
        conversation.public_id,
        "fast",
        {
            "mesa": {
                "participants": {"pid": [joined["pid"]], "x": [0.5], "y": [-1.25], "group": [1]}
            }
        },
    )
    placement = client.get(url, headers=headers).get_json()["placement"]
    assert placement == {"math_version": 1, "x": 0.5, "y": -1.25, "group": 1}
