"""Voting: the next statement to show, and casting a vote (which answers with the next one)."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint, Schema, fields
from apiflask.validators import Length, OneOf, Range
from flask import Response, current_app

from deliberation import services
from deliberation.services import (
    MAX_CLIENT_VOTE_ID_LENGTH,
    VOTE_VALUES,
    NextStatement,
    VoteReceipt,
)
from web.api.auth import PARTICIPANT, PARTICIPANT_TOKEN, access
from web.api.converters import MAX_TID
from web.api.hot_input import hot_input
from web.api.schemas import (
    PlainText,
    ReadingLanguage,
    StatementForReader,
    plain_reading_language,
    statement_for_reader,
    storable,
)
from web.vote_budget import self_limited, spend_vote

bp = APIBlueprint("voting", __name__, tag="Voting")


class UpcomingStatement(Schema):
    statement = fields.Nested(
        StatementForReader,
        allow_none=True,
        metadata={"description": "null when every statement you may see is voted on"},
    )
    remaining = fields.Integer(
        required=True, metadata={"description": "Not yet voted, this included"}
    )
    total = fields.Integer(required=True, metadata={"description": "Statements you may see"})


def upcoming(next_up: NextStatement, language: str | None) -> dict:
    """`UpcomingStatement`, built by hand: the vote's answer skips the schema's per-request
    pass (tests/web/test_vote_contract.py checks both agree on every field)."""
    shown = next_up.statement
    return {
        "statement": shown.shown_as(statement_for_reader, language) if shown is not None else None,
        "remaining": next_up.remaining,
        "total": next_up.total,
    }


def receipt_document(receipt: VoteReceipt) -> dict:
    """`Receipt`, built by hand like `upcoming`."""
    return {
        "tid": receipt.tid,
        "vote": receipt.vote,
        "created_ms": receipt.created_ms,
        "client_vote_id": receipt.client_vote_id,
        "replayed": receipt.replayed,
    }


def answer(document: dict) -> Response:
    """A 200 JSON answer, which APIFlask passes on as it is: the route's `@bp.output` still
    documents it."""
    return current_app.json.response(document)


@bp.get("/conversations/<conversation:conversation_id>/next-statement")
@access(PARTICIPANT)
@bp.input(ReadingLanguage, location="query", arg_name="reading")
@bp.output(UpcomingStatement)
def next_statement(conversation_id, participant, reading):
    """The next statement to vote on

    Drawn at random, weighted by the newest math result's comment priorities, as Polis does.
    """
    next_up = services.next_statement(conversation_id, participant.pid)
    return answer(upcoming(next_up, reading.get("language")))


class Ballot(Schema):
    tid = fields.Integer(required=True, strict=True, validate=Range(0, MAX_TID))
    vote = fields.Integer(
        required=True,
        strict=True,
        validate=OneOf(VOTE_VALUES),
        metadata={"description": "1 agree, -1 disagree, 0 pass (not sure)"},
    )
    client_vote_id = PlainText(
        validate=Length(min=1, max=MAX_CLIENT_VOTE_ID_LENGTH),
        metadata={"description": "Made by the device; a retried request with it counts once"},
    )


_BALLOT_FIELDS = frozenset(Ballot._declared_fields)


def plain_ballot(body: Any) -> dict | None:
    """What `Ballot` loads from a body that is plainly valid (whole numbers that are not
    booleans, a short storable vote id); None for anything else, which the schema decides."""
    if type(body) is not dict or not body.keys() <= _BALLOT_FIELDS:
        return None
    tid, vote = body.get("tid"), body.get("vote")
    if type(tid) is not int or not 0 <= tid <= MAX_TID:
        return None
    if type(vote) is not int or vote not in VOTE_VALUES:
        return None
    if "client_vote_id" in body and not _plain_vote_id(body["client_vote_id"]):
        return None
    return dict(body)


def _plain_vote_id(value: Any) -> bool:
    return type(value) is str and 1 <= len(value) <= MAX_CLIENT_VOTE_ID_LENGTH and storable(value)


class Receipt(Schema):
    tid = fields.Integer(required=True)
    vote = fields.Integer(required=True)
    created_ms = fields.Integer(required=True)
    client_vote_id = fields.String(allow_none=True)
    replayed = fields.Boolean(
        required=True, metadata={"description": "This vote id was already recorded"}
    )


BALLOT = Ballot()
READING_LANGUAGE = ReadingLanguage()


class VoteResult(Schema):
    vote = fields.Nested(Receipt, required=True)
    next = fields.Nested(UpcomingStatement, required=True)


@bp.post("/conversations/<conversation:conversation_id>/votes")
@self_limited
@access(PARTICIPANT_TOKEN, errors=[400, 409, 429])
@hot_input(bp, BALLOT, plain_ballot, arg_name="ballot")
@hot_input(bp, READING_LANGUAGE, plain_reading_language, location="query", arg_name="reading")
@bp.output(VoteResult)
def cast_vote(conversation_id, participant, ballot, reading):
    """Vote on a statement

    Replaces any earlier vote on it. Answers with the receipt and, as Polis does, the next
    statement, so a phone needs one round trip per vote. Each participant may cast
    MESA_RATE_LIMIT_VOTES votes (120 a minute unless the operator changed it), through this
    route and the vote page together.
    """
    spend_vote(conversation_id, participant.pid)
    receipt, next_up = services.cast_vote_and_draw_next(
        conversation_id,
        participant.pid,
        ballot["tid"],
        ballot["vote"],
        client_vote_id=ballot.get("client_vote_id"),
        token=participant.secret,
    )
    next_up = upcoming(next_up, reading.get("language"))
    return answer({"vote": receipt_document(receipt), "next": next_up})
