"""The vote's answers are built by hand (web.api.voting skips the schema's per-request pass on
the hottest route); the OpenAPI document's schemas stay the contract, and these tests hold the
hand-built answers to them field by field."""

from __future__ import annotations

from marshmallow import Schema

from deliberation import services
from tests.web.conftest import API, bearer, join
from web.api.voting import UpcomingStatement, VoteResult


def assert_matches(schema: Schema, body: dict) -> None:
    """`body` is what the schema would have produced: it loads without error, and dumping it
    again through the schema gives exactly it (no field missing, none extra, same types)."""
    assert schema.validate(body) == {}
    assert schema.dump(body) == body


def test_the_vote_and_the_next_statement_match_their_documented_schemas(
    client, owner, conversation, seeds
):
    services.translate_statement(owner.id, conversation.public_id, seeds[0], "en", "In English.")
    joined = join(client, conversation.public_id)
    base = f"{API}/conversations/{conversation.public_id}"
    for language in ("en", "es", None):
        query = {"language": language} if language else {}
        upcoming = client.get(
            f"{base}/next-statement", query_string=query, headers=bearer(joined["token"])
        )
        assert upcoming.status_code == 200
        assert_matches(UpcomingStatement(), upcoming.get_json())

    bodies = []
    for number, tid in enumerate(seeds):
        answer = client.post(
            f"{base}/votes",
            query_string={"language": "en"},
            json={"tid": tid, "vote": 1, "client_vote_id": f"c-{number}"},
            headers=bearer(joined["token"]),
        )
        assert answer.status_code == 200, answer.get_json()
        assert answer.mimetype == "application/json"
        bodies.append(answer.get_json())
    replayed = client.post(
        f"{base}/votes",
        json={"tid": seeds[0], "vote": 1, "client_vote_id": "c-0"},
        headers=bearer(joined["token"]),
    ).get_json()
    for body in (*bodies, replayed):
        assert_matches(VoteResult(), body)
    assert replayed["vote"]["replayed"] is True
    assert bodies[-1]["next"] == {"statement": None, "remaining": 0, "total": len(seeds)}
    shown = [body["next"]["statement"] for body in bodies[:-1]]
    translated = [s for s in shown if s["tid"] == seeds[0]]
    assert all(s["text"] == "In English." and s["language"] == "en" for s in translated)
