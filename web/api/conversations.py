"""Conversations: facilitators create, list and change them; anyone with the link reads one."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema, fields
from apiflask.validators import Length, OneOf, Range

from deliberation import services
from deliberation.models import AccessMode
from web.api.auth import FACILITATOR, PUBLIC, access
from web.api.schemas import PlainText, language_tag, reason

bp = APIBlueprint("conversations", __name__, tag="Conversations")


class ConversationSettings(Schema):
    """Settings as a facilitator sends them; the services check every value again."""

    topic = PlainText(required=True, validate=Length(min=1, max=300))
    description = PlainText(allow_none=True, validate=Length(max=10_000))
    is_open = fields.Boolean()
    strict_moderation = fields.Boolean(
        metadata={"description": "Show participants accepted statements only"}
    )
    participants_can_add = fields.Boolean()
    statement_max_length = fields.Integer(strict=True)
    languages = fields.List(language_tag())
    subcommittee = PlainText(allow_none=True, validate=Length(max=200))
    stakeholder_sectors = fields.List(PlainText(validate=Length(min=1, max=100)))
    access_mode = fields.String(validate=OneOf([mode.value for mode in AccessMode]))
    attribution = PlainText(allow_none=True, validate=Length(max=10_000))
    is_data_open = fields.Boolean()
    retention_days = fields.Integer(
        strict=True,
        allow_none=True,
        validate=Range(1, 36_500),
        metadata={"description": "Participation older than this is deleted; null: kept"},
    )
    reason = reason()


class ConversationChanges(ConversationSettings):
    """Only the settings sent change. Closing, reopening and archiving are settings too."""

    topic = PlainText(validate=Length(min=1, max=300))
    is_archived = fields.Boolean()


class PublicConversation(Schema):
    """What anyone with the conversation's link may read."""

    id = fields.String(attribute="public_id", required=True)
    topic = fields.String(required=True)
    description = fields.String(required=True)
    is_open = fields.Boolean(required=True)
    is_archived = fields.Boolean(required=True)
    accepts_participation = fields.Boolean(
        required=True, metadata={"description": "Open and not archived: votes are taken"}
    )
    strict_moderation = fields.Boolean(required=True)
    participants_can_add = fields.Boolean(required=True)
    statement_max_length = fields.Integer(required=True)
    languages = fields.List(fields.String(), required=True)
    subcommittee = fields.String(allow_none=True)
    stakeholder_sectors = fields.List(fields.String(), required=True)
    access_mode = fields.String(required=True)
    attribution = fields.String(allow_none=True)
    is_data_open = fields.Boolean(required=True)
    retention_days = fields.Integer(
        allow_none=True, metadata={"description": "Days participation is kept; null: no limit"}
    )
    created_ms = fields.Integer(required=True)


class FacilitatorConversation(PublicConversation):
    math_seed = fields.Integer(required=True)
    updated_ms = fields.Integer(required=True)


class ConversationWithRole(Schema):
    conversation = fields.Nested(FacilitatorConversation, required=True)
    role = fields.String(required=True, metadata={"enum": ["owner", "moderator"]})


class FacilitatorConversations(Schema):
    conversations = fields.List(fields.Nested(ConversationWithRole), required=True)


@bp.get("/conversations")
@access(FACILITATOR)
@bp.output(FacilitatorConversations)
def list_conversations(facilitator):
    """The caller's conversations

    Newest first, with the caller's role in each.
    """
    mine = services.conversations_of(facilitator.id)
    return {
        "conversations": [
            {"conversation": conversation, "role": role} for conversation, role in mine
        ]
    }


@bp.post("/conversations")
@access(FACILITATOR, errors=[400])
@bp.input(ConversationSettings, arg_name="settings")
@bp.output(FacilitatorConversation, status_code=201)
def create_conversation(facilitator, settings):
    """Create a conversation

    The caller becomes its owner.
    """
    change_reason = settings.pop("reason", None)
    topic = settings.pop("topic")
    return services.create_conversation(facilitator.id, topic, reason=change_reason, **settings)


@bp.get("/conversations/<conversation:conversation_id>")
@access(PUBLIC)
@bp.output(PublicConversation)
def get_conversation(conversation_id):
    """Read a conversation

    Public: anyone with the link may read it.
    """
    return services.get_conversation(conversation_id)


@bp.patch("/conversations/<conversation:conversation_id>")
@access(FACILITATOR, errors=[400])
@bp.input(ConversationChanges, arg_name="changes")
@bp.output(FacilitatorConversation)
def update_conversation(conversation_id, facilitator, changes):
    """Change a conversation's settings

    Owners only. Only values that change are written and audited.
    """
    change_reason = changes.pop("reason", None)
    return services.update_conversation(
        facilitator.id, conversation_id, changes, reason=change_reason
    )
