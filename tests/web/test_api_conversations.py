"""Conversations and results through the API."""

from __future__ import annotations

import pytest

from deliberation import services
from tests.web.conftest import API, assert_refused, bearer, facilitator_with_token, stored_counts


def test_facilitators_create_list_and_change_conversations(client, owner_token):
    created = client.post(
        f"{API}/conversations",
        json={
            "topic": "Seguridad en el centro",
            "strict_moderation": True,
            "stakeholder_sectors": ["comercio", "gobierno"],
            "reason": "sesión de abril",
        },
        headers=bearer(owner_token),
    )
    assert created.status_code == 201, created.get_json()
    conversation = created.get_json()
    assert conversation["strict_moderation"] is True and conversation["access_mode"] == "link"
    assert isinstance(conversation["math_seed"], int)

    mine = client.get(f"{API}/conversations", headers=bearer(owner_token)).get_json()
    assert [(c["conversation"]["id"], c["role"]) for c in mine["conversations"]] == [
        (conversation["id"], "owner")
    ]

    url = f"{API}/conversations/{conversation['id']}"
    changed = client.patch(
        url, json={"is_open": False, "reason": "pausa"}, headers=bearer(owner_token)
    )
    assert changed.status_code == 200
    assert changed.get_json()["accepts_participation"] is False

    public = client.get(url)
    assert public.status_code == 200
    assert public.get_json()["topic"] == "Seguridad en el centro"
    assert "math_seed" not in public.get_json()


def test_moderators_may_not_change_settings(client, owner, conversation):
    moderator, token = facilitator_with_token("mod@example.org")
    services.grant_role(owner.id, conversation.public_id, moderator.email, "moderator")
    response = client.patch(
        f"{API}/conversations/{conversation.public_id}",
        json={"is_open": False},
        headers=bearer(token),
    )
    assert_refused(response, 403, "role_required")
    assert services.get_conversation(conversation.public_id).is_open


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "invalid_input"),
        ({"topic": "Tema", "colour": "red"}, "invalid_input"),
        ({"topic": "Tema", "statement_max_length": 0}, "invalid"),
        ({"topic": "Tema", "statement_max_length": 2.5}, "invalid_input"),
        ({"topic": "Tema", "access_mode": "secret"}, "invalid_input"),
        ({"topic": "Tema", "languages": ["español"]}, "invalid"),
        ({"topic": "\u0000"}, "invalid_input"),
    ],
)
def test_refused_creations_are_json_and_create_nothing(client, owner_token, body, code):
    response = client.post(f"{API}/conversations", json=body, headers=bearer(owner_token))
    assert_refused(response, 400, code)
    assert services.conversations_of(services.facilitator_for_api_token(owner_token).id) == []


def test_creating_needs_a_facilitator(client, conversation, joined):
    assert_refused(client.post(f"{API}/conversations", json={"topic": "Tema"}), 401)
    as_participant = client.post(
        f"{API}/conversations", json={"topic": "Tema"}, headers=bearer(joined["token"])
    )
    assert_refused(as_participant, 403, "facilitator_required")


def test_unknown_and_malformed_conversation_ids_are_json_404s(client):
    assert_refused(client.get(f"{API}/conversations/9zzzzzzzzz"), 404, "conversation_not_found")
    assert_refused(client.get(f"{API}/conversations/not-an-id"), 404, "not_found")
    assert_refused(client.get(f"{API}/conversations/1abc%00defg"), 404, "not_found")


MATH_RESULT = {
    "n": 3,
    "n-cmts": 3,
    "tids": [0, 1, 2],
    "group-votes": {
        "1": {"n-members": 1, "votes": {}, "id": 1},
        "0": {"n-members": 2, "votes": {}, "id": 0},
    },
    "repness": {
        "0": [
            {
                "tid": 0,
                "n-success": 2,
                "n-trials": 2,
                "p-success": 0.75,
                "p-test": 1.5,
                "repness": 1.8,
                "repness-test": 1.3,
                "repful-for": "agree",
                "n-agree": 2,
                "best-agree": True,
            }
        ],
        "1": [
            {
                "tid": 1,
                "n-success": 1,
                "n-trials": 1,
                "p-success": 0.66,
                "p-test": 1.0,
                "repness": 1.4,
                "repness-test": 0.9,
                "repful-for": "disagree",
            }
        ],
    },
    "consensus": {
        "agree": [{"tid": 2, "n-success": 3, "n-trials": 3, "p-success": 0.8, "p-test": 1.7}],
        "disagree": [],
    },
    "group-aware-consensus": {"2": 0.6, "0": 0.3, "1": 0.2},
    "comment-priorities": {"0": 1.0, "1": 2.0, "2": 3.0},
    "mesa": {
        "participants": {
            "pid": [0, 1, 2],
            "x": [0.9, -0.4, 0.1],
            "y": [0.2, 0.5, -0.3],
            "group": [0, 1, 0],
        },
        "umap": {"available": False, "reason": "needs more participants"},
    },
}


def test_results_come_from_the_newest_math_result(client, conversation, seeds):
    url = f"{API}/conversations/{conversation.public_id}/results"
    assert_refused(client.get(url), 404, "results_not_computed")

    services.record_math_result(conversation.public_id, "slow", MATH_RESULT)
    response = client.get(url)
    assert response.status_code == 200
    results = response.get_json()
    assert (results["version"], results["kind"], results["participants"]) == (1, "slow", 3)
    assert [(g["id"], g["size"]) for g in results["groups"]] == [(0, 2), (1, 1)]
    assert results["groups"][0]["representative"][0]["repful_for"] == "agree"
    assert results["groups"][0]["representative"][0]["best_agree"] is True
    assert results["groups"][1]["representative"][0]["best_agree"] is False
    assert results["consensus"]["agree"][0]["tid"] == 2
    assert [g["tid"] for g in results["group_aware_consensus"]] == [0, 1, 2]
    # Map points carry no pid and are in position order, not pid order.
    assert results["map"] == [
        {"x": -0.4, "y": 0.5, "group": 1},
        {"x": 0.1, "y": -0.3, "group": 0},
        {"x": 0.9, "y": 0.2, "group": 0},
    ]
    assert results["umap"] is None

    assert_refused(client.get(url + "?kind=fast"), 404, "results_not_computed")
    assert_refused(client.get(url + "?kind=medium"), 400, "invalid_input")
    assert stored_counts()["votes"] == 0
