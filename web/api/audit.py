"""The audit trail of a conversation: every moderation and settings change, with its reason."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema, fields

from deliberation import services
from web.api.auth import FACILITATOR, access

bp = APIBlueprint("audit", __name__, tag="Audit")


class AuditEntry(Schema):
    id = fields.Integer(required=True)
    action = fields.String(required=True, metadata={"description": "e.g. statement.moderate"})
    detail = fields.Dict(required=True, metadata={"description": "Values before and after"})
    reason = fields.String(allow_none=True)
    facilitator_id = fields.Integer(allow_none=True)
    created_ms = fields.Integer(required=True)


class AuditTrail(Schema):
    entries = fields.List(fields.Nested(AuditEntry), required=True)


@bp.get("/conversations/<conversation:conversation_id>/audit")
@access(FACILITATOR)
@bp.output(AuditTrail)
def audit_trail(conversation_id, facilitator):
    """The conversation's audit trail

    Oldest first; for the conversation's owners and moderators.
    """
    return {"entries": services.audit_trail(facilitator.id, conversation_id)}
