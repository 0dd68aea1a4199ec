"""Moderation, for a conversation's owners and moderators: the queue, decisions, meta flags."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema, fields
from apiflask.validators import OneOf

from deliberation import services
from deliberation.models import ModerationState
from web.api.auth import FACILITATOR, access
from web.api.schemas import StatementForModerator, reason

bp = APIBlueprint("moderation", __name__, tag="Moderation")


class ModerationQueue(Schema):
    statements = fields.List(fields.Nested(StatementForModerator), required=True)


@bp.get("/conversations/<conversation:conversation_id>/moderation-queue")
@access(FACILITATOR)
@bp.output(ModerationQueue)
def moderation_queue(conversation_id, facilitator):
    """Statements awaiting a decision

    Oldest first.
    """
    return {"statements": services.moderation_queue(facilitator.id, conversation_id)}


class ModerationDecision(Schema):
    state = fields.String(
        required=True,
        validate=OneOf([state.value for state in ModerationState]),
        metadata={"description": "rejected statements leave the math; votes on them are kept"},
    )
    reason = reason()


@bp.put("/conversations/<conversation:conversation_id>/statements/<tid:tid>/moderation")
@access(FACILITATOR, errors=[400])
@bp.input(ModerationDecision, arg_name="decision")
@bp.output(StatementForModerator)
def moderate_statement(conversation_id, tid, facilitator, decision):
    """Accept or reject a statement (or put it back in the queue)

    The decision and its reason go into the audit trail.
    """
    return services.moderate_statement(
        facilitator.id, conversation_id, tid, decision["state"], reason=decision.get("reason")
    )


class MetaFlag(Schema):
    is_meta = fields.Boolean(
        required=True,
        metadata={"description": "About the conversation itself, not its topic"},
    )
    reason = reason()


@bp.put("/conversations/<conversation:conversation_id>/statements/<tid:tid>/meta")
@access(FACILITATOR, errors=[400])
@bp.input(MetaFlag, arg_name="flag")
@bp.output(StatementForModerator)
def set_meta(conversation_id, tid, facilitator, flag):
    """Mark a statement as meta, or not

    Meta statements are still shown to participants but leave the math's selections.
    """
    return services.set_statement_meta(
        facilitator.id, conversation_id, tid, flag["is_meta"], reason=flag.get("reason")
    )
