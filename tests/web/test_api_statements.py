"""Statements through the API: the accepted list, submissions, translations."""

from __future__ import annotations

from deliberation import services
from tests.web.conftest import API, assert_refused, bearer, stored_counts


def statements_url(conversation_id: str) -> str:
    return f"{API}/conversations/{conversation_id}/statements"


def test_readers_get_accepted_statements_in_their_language(
    client, owner, conversation, seeds, joined
):
    services.translate_statement(owner.id, conversation.public_id, 1, "en", "Better police pay.")
    services.submit_statement(conversation.public_id, joined["pid"], "Una idea sin moderar.")

    spanish = client.get(statements_url(conversation.public_id)).get_json()["statements"]
    assert [s["tid"] for s in spanish] == seeds  # the unmoderated one is not listed
    english = client.get(statements_url(conversation.public_id) + "?language=en").get_json()
    assert english["statements"][1]["text"] == "Better police pay."
    assert english["statements"][1]["language"] == "en"
    assert english["statements"][0]["text"] == spanish[0]["text"]


def test_a_participant_submits_a_statement(client, owner, conversation, joined):
    response = client.post(
        statements_url(conversation.public_id),
        json={"text": "  Queremos fiscales especializados.  ", "language": "es"},
        headers=bearer(joined["token"]),
    )
    assert response.status_code == 201, response.get_json()
    added = response.get_json()
    assert added["text"] == "Queremos fiscales especializados." and added["language"] == "es"
    queue = services.moderation_queue(owner.id, conversation.public_id)
    assert [s.tid for s in queue] == [added["tid"]]
    assert stored_counts()["votes"] == 1  # the author's agree, as in Polis


def test_refused_submissions_are_json_and_store_nothing(client, conversation, seeds, joined):
    url = statements_url(conversation.public_id)
    headers = bearer(joined["token"])
    before = stored_counts()
    cases = [
        ({"text": "MÁS fiscales e investigadores, no más soldados."}, 409, "statement_duplicate"),
        ({"text": "x" * 281}, 400, "statement_too_long"),
        ({"text": "   "}, 400, "statement_empty"),
        ({"text": ""}, 400, "invalid_input"),
        ({"text": "con \u0000 nulo"}, 400, "invalid_input"),
        ({"text": "\ud800 suelto"}, 400, "invalid_input"),
        ({"text": "Hola", "language": "es-" + "x" * 20}, 400, "invalid_input"),
        ({"text": "Hola a todos", "language": "no es un idioma"}, 400, "invalid"),
        ({}, 400, "invalid_input"),
    ]
    for body, status, code in cases:
        assert_refused(client.post(url, json=body, headers=headers), status, code)
    assert stored_counts() == before


def test_facilitators_translate_and_participants_cannot(
    client, owner_token, conversation, seeds, joined
):
    url = f"{statements_url(conversation.public_id)}/0/translations"
    translation = {"language": "en", "text": "More prosecutors, not more soldiers."}
    refused = client.post(url, json=translation, headers=bearer(joined["token"]))
    assert_refused(refused, 403, "facilitator_required")
    assert stored_counts()["statement_translations"] == 0

    response = client.post(url, json=translation, headers=bearer(owner_token))
    assert response.status_code == 200
    assert response.get_json()["translations"] == {"en": "More prosecutors, not more soldiers."}
    missing = client.post(
        f"{statements_url(conversation.public_id)}/7/translations",
        json=translation,
        headers=bearer(owner_token),
    )
    assert_refused(missing, 404, "statement_not_found")
