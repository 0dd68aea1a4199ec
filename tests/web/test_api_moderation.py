"""Moderation, the audit trail and facilitator sessions, through the API."""

from __future__ import annotations

from deliberation import services
from deliberation.models import ModerationState
from tests.web.conftest import (
    API,
    PASSWORD,
    assert_refused,
    bearer,
    facilitator_with_token,
    stored_counts,
)


def submitted(conversation, joined, text: str = "Una idea nueva.") -> int:
    return services.submit_statement(conversation.public_id, joined["pid"], text).tid


def test_queue_accept_reject_and_meta(client, owner_token, conversation, seeds, joined):
    tid = submitted(conversation, joined)
    base = f"{API}/conversations/{conversation.public_id}"
    headers = bearer(owner_token)

    queue = client.get(f"{base}/moderation-queue", headers=headers)
    assert queue.status_code == 200
    assert [s["tid"] for s in queue.get_json()["statements"]] == [tid]
    assert queue.get_json()["statements"][0]["author_pid"] == joined["pid"]

    rejected = client.put(
        f"{base}/statements/{tid}/moderation",
        json={"state": "rejected", "reason": "insulto"},
        headers=headers,
    )
    assert rejected.status_code == 200
    assert rejected.get_json()["moderation"] == "rejected"
    assert rejected.get_json()["moderation_reason"] == "insulto"
    assert client.get(f"{base}/moderation-queue", headers=headers).get_json() == {"statements": []}

    accepted = client.put(
        f"{base}/statements/{tid}/moderation", json={"state": "accepted"}, headers=headers
    )
    assert accepted.get_json()["moderation"] == "accepted"
    meta = client.put(
        f"{base}/statements/0/meta",
        json={"is_meta": True, "reason": "sobre la mesa"},
        headers=headers,
    )
    assert meta.status_code == 200 and meta.get_json()["is_meta"] is True

    trail = client.get(f"{base}/audit", headers=headers)
    assert trail.status_code == 200
    actions = [entry["action"] for entry in trail.get_json()["entries"]]
    assert actions[-3:] == ["statement.moderate", "statement.moderate", "statement.meta"]
    assert trail.get_json()["entries"][-3]["reason"] == "insulto"


def test_refused_moderation_is_json_and_changes_nothing(
    client, owner_token, conversation, seeds, joined
):
    tid = submitted(conversation, joined)
    base = f"{API}/conversations/{conversation.public_id}"
    headers = bearer(owner_token)
    before = stored_counts()
    cases = [
        ({"state": "maybe"}, f"statements/{tid}/moderation", 400),
        ({"state": "accepted", "reason": "x" * 2001}, f"statements/{tid}/moderation", 400),
        ({"state": "accepted"}, "statements/99/moderation", 404),
        ({"is_meta": "perhaps"}, "statements/0/meta", 400),
    ]
    for body, path, status in cases:
        assert_refused(client.put(f"{base}/{path}", json=body, headers=headers), status)
    assert stored_counts() == before


def test_a_moderator_of_one_conversation_cannot_touch_another(
    client, owner, conversation, seeds, joined
):
    moderator, moderator_token = facilitator_with_token("mod@example.org")
    other = services.create_conversation(moderator.id, "La mesa del moderador")
    services.grant_role(moderator.id, other.public_id, owner.email, "moderator")
    tid = submitted(conversation, joined)
    before = stored_counts()

    base = f"{API}/conversations/{conversation.public_id}"
    headers = bearer(moderator_token)
    assert_refused(client.get(f"{base}/moderation-queue", headers=headers), 403, "role_required")
    moderated = client.put(
        f"{base}/statements/{tid}/moderation", json={"state": "accepted"}, headers=headers
    )
    assert_refused(moderated, 403, "role_required")
    assert_refused(client.get(f"{base}/audit", headers=headers), 403, "role_required")
    changed = client.patch(base, json={"topic": "Otro tema"}, headers=headers)
    assert_refused(changed, 403, "role_required")
    assert stored_counts() == before
    statement = services.list_statements(owner.id, conversation.public_id)[tid]
    assert statement.moderation is ModerationState.TODO


def test_participants_never_reach_moderation(client, conversation, seeds, joined):
    tid = submitted(conversation, joined)
    base = f"{API}/conversations/{conversation.public_id}"
    # By bearer token: the wrong kind of token.
    queue = client.get(f"{base}/moderation-queue", headers=bearer(joined["token"]))
    assert_refused(queue, 403, "facilitator_required")
    # By cookie (this client holds the participant's cookie) with its CSRF token: no facilitator.
    moderated = client.put(
        f"{base}/statements/{tid}/moderation",
        json={"state": "accepted"},
        headers={"X-CSRF-Token": joined["csrf_token"]},
    )
    assert_refused(moderated, 401, "authentication_required")
    assert_refused(client.get(f"{base}/audit"), 401)
    assert (
        services.list_statements(services.OPERATOR, conversation.public_id)[tid].moderation
        is ModerationState.TODO
    )


def test_unknown_api_tokens_are_refused(client, conversation):
    response = client.get(f"{API}/conversations", headers=bearer("not-a-token"))
    assert_refused(response, 403, "token_unknown")


def test_session_login_needs_csrf_for_writes(client, owner, conversation, seeds, joined):
    tid = submitted(conversation, joined)
    wrong = client.post(f"{API}/session", json={"email": owner.email, "password": "wrong password"})
    assert_refused(wrong, 403, "login_failed")

    login = client.post(f"{API}/session", json={"email": owner.email, "password": PASSWORD})
    assert login.status_code == 200
    csrf_token = login.get_json()["csrf_token"]
    session_cookie = next(
        c for c in login.headers.getlist("Set-Cookie") if c.startswith("mesa_session=")
    )
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie

    who = client.get(f"{API}/session").get_json()
    assert who["facilitator"]["email"] == owner.email and who["csrf_token"]

    url = f"{API}/conversations/{conversation.public_id}/statements/{tid}/moderation"
    refused = client.put(url, json={"state": "accepted"})
    assert_refused(refused, 403, "csrf_failed")
    accepted = client.put(url, json={"state": "accepted"}, headers={"X-CSRF-Token": csrf_token})
    assert accepted.status_code == 200

    assert_refused(client.delete(f"{API}/session"), 403, "csrf_failed")
    assert client.delete(f"{API}/session", headers={"X-CSRF-Token": csrf_token}).status_code == 204
    assert_refused(client.get(f"{API}/session"), 401)


def test_session_reports_bearer_callers_without_csrf_token(client, owner, owner_token):
    response = client.get(f"{API}/session", headers=bearer(owner_token))
    assert response.get_json() == {
        "facilitator": {"id": owner.id, "email": owner.email},
        "csrf_token": None,
    }
