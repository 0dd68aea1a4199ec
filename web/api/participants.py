"""Joining a conversation, and a participant's view of their own standing in it."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema, fields
from apiflask.validators import Length
from flask import after_this_request

from deliberation import services
from web.api.auth import PARTICIPANT, PARTICIPANT_IF_ANY, access
from web.api.schemas import PlainText
from web.credentials import (
    csrf_cookie_name,
    issue_participant_token,
    participant_cookie_name,
    participant_csrf_token,
    set_participant_cookies,
)
from web.extensions import limit_joins

bp = APIBlueprint("participants", __name__, tag="Participants")


class Admission(Schema):
    """What the conversation's access mode asks for: nothing (link), an invite code, or an
    allow-listed external id. All optional; an xid only with the embedding site's signature."""

    xid = PlainText(
        validate=Length(min=1, max=255),
        metadata={"description": "The embedding site's id for the person; needs the two below"},
    )
    xid_expires = fields.Integer(
        metadata={"description": "Unix seconds after which the xid's signature is refused"}
    )
    xid_signature = PlainText(
        validate=Length(max=64),
        metadata={
            "description": "hex HMAC-SHA256 of '<conversation_id>\\n<xid_expires>\\n<xid>' "
            "under the conversation's embedding secret (see the README)"
        },
    )
    invite_code = PlainText(
        validate=Length(max=64),
        metadata={
            "description": "A code from the console's Access page: counts the participant in "
            "its sector, if it has one; required in invite mode, optional in the others"
        },
    )
    sector = PlainText(
        allow_none=True,
        validate=Length(max=100),
        metadata={"description": "One of the conversation's stakeholder sectors"},
    )


class Joined(Schema):
    conversation_id = fields.String(required=True)
    pid = fields.Integer(required=True)
    token = fields.String(
        required=True,
        metadata={"description": "Send as Authorization: Bearer; also set as an HttpOnly cookie"},
    )
    csrf_token = fields.String(
        required=True,
        metadata={"description": "Send as X-CSRF-Token on writes authenticated by the cookie"},
    )
    sector = fields.String(allow_none=True)
    is_returning = fields.Boolean(
        required=True, metadata={"description": "A participant already known here"}
    )


@bp.post("/conversations/<conversation:conversation_id>/participants")
@limit_joins()
@access(
    PARTICIPANT_IF_ANY,
    errors=[400, 403, 429],
    responses={200: "Already a participant here (a current token, or a proven known xid)"},
)
@bp.input(Admission, arg_name="admission")
@bp.output(Joined, status_code=201, description="A new participant")
def join(conversation_id, participant, admission):
    """Join a conversation

    Answers with a participant token for this conversation only, and sets it as an HttpOnly
    cookie with a readable CSRF cookie beside it. Joining again with a current token (and no
    xid) returns the same participant rather than making a new one. An xid without a valid,
    unexpired signature of the embedding site is refused (403), whoever has it; a proven known
    xid gets its participant back with a new token, and the device that had it is signed out.
    """
    if participant is not None and admission.get("xid") is None:
        pid, token, sector = participant.pid, participant.token, participant.participant.sector
        returning = True
    else:
        joined = services.join_conversation(conversation_id, **admission)
        pid, sector, returning = joined.pid, joined.sector, joined.is_returning
        token = issue_participant_token(joined.conversation_id, joined.pid, joined.token)

    @after_this_request
    def remember(response):
        set_participant_cookies(response, conversation_id, token)
        return response

    body = {
        "conversation_id": conversation_id,
        "pid": pid,
        "token": token,
        "csrf_token": participant_csrf_token(token),
        "sector": sector,
        "is_returning": returning,
    }
    return body, 200 if returning else 201


class StandingVote(Schema):
    tid = fields.Integer(required=True)
    vote = fields.Integer(required=True, metadata={"enum": [-1, 0, 1]})
    created_ms = fields.Integer(required=True)


class MapPlacement(Schema):
    math_version = fields.Integer(required=True)
    x = fields.Float(required=True)
    y = fields.Float(required=True)
    group = fields.Integer(allow_none=True, metadata={"description": "None: not clustered"})


class OwnState(Schema):
    pid = fields.Integer(required=True)
    sector = fields.String(allow_none=True)
    votes = fields.List(
        fields.Nested(StandingVote),
        required=True,
        metadata={
            "description": "The vote that stands on each statement: 1 agree, -1 disagree, 0 pass"
        },
    )
    placement = fields.Nested(
        MapPlacement,
        allow_none=True,
        metadata={"description": "From the newest math result; null before one includes you"},
    )


@bp.get("/conversations/<conversation:conversation_id>/participants/me")
@access(PARTICIPANT)
@bp.output(OwnState)
def own_state(conversation_id, participant):
    """Your votes, group and place on the map"""
    return services.participant_state(conversation_id, participant.pid)


class DeletedParticipation(Schema):
    votes = fields.Integer(required=True, metadata={"description": "Votes deleted"})
    statements_deleted = fields.Integer(
        required=True, metadata={"description": "Your statements nobody else had voted on"}
    )
    statements_anonymised = fields.Integer(
        required=True,
        metadata={"description": "Accepted or voted-on statements kept without their author"},
    )


@bp.delete("/conversations/<conversation:conversation_id>/participants/me")
@access(PARTICIPANT)
@bp.output(DeletedParticipation)
def delete_own_participation(conversation_id, participant):
    """Delete your participation

    Your votes and your participant record are deleted, and your token and cookies stop
    working. Statements you wrote stay only if accepted or voted on by others, without your
    name; the opinion groups are recomputed without you. Allowed in closed conversations too.
    """
    deleted = services.delete_participation(conversation_id, participant.pid)

    @after_this_request
    def forget(response):
        for name in (participant_cookie_name(conversation_id), csrf_cookie_name(conversation_id)):
            response.delete_cookie(name, path="/")
        return response

    return deleted
