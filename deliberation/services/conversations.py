"""Creating conversations and changing their settings."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from deliberation.db import db, now_ms, unit_of_work
from deliberation.errors import Conflict, Forbidden, Invalid
from deliberation.identifiers import (
    is_conversation_public_id,
    new_conversation_public_id,
    new_math_seed,
)
from deliberation.models import Conversation, ConversationRole, Facilitator, Role
from deliberation.services.audit import record_audit
from deliberation.services.authorization import (
    MODERATION_ROLES,
    OWNER_ONLY,
    require_role,
    role_in,
)
from deliberation.services.lookup import find_conversation
from deliberation.services.settings import stored_form, validate_settings

log = logging.getLogger(__name__)


def create_conversation(
    facilitator_id: int,
    topic: str,
    *,
    public_id: str | None = None,
    reason: str | None = None,
    **settings: Any,
) -> Conversation:
    """Open a new conversation owned by the facilitator.

    `settings` are any of `settings.VALIDATORS` (description, strict_moderation, languages…).
    `public_id` keeps an existing Polis id, e.g. when importing; otherwise one is drawn.
    """
    values = validate_settings({"topic": topic, **settings})
    with unit_of_work() as session:
        facilitator = session.get(Facilitator, facilitator_id)
        if facilitator is None or not facilitator.is_active:
            raise Forbidden("unknown or inactive facilitator", code="facilitator_unknown")
        public_id = _claim_public_id(public_id)
        created = now_ms()
        values.setdefault("math_seed", new_math_seed())
        conversation = Conversation(
            public_id=public_id, created_ms=created, updated_ms=created, **values
        )
        session.add(conversation)
        session.flush()
        session.add(
            ConversationRole(
                conversation_id=conversation.id, facilitator_id=facilitator_id, role=Role.OWNER
            )
        )
        record_audit(
            conversation,
            facilitator_id,
            "conversation.create",
            {name: stored_form(value) for name, value in values.items()},
            reason,
        )
    return conversation


def _claim_public_id(requested: str | None) -> str:
    if requested is not None:
        if not is_conversation_public_id(requested):
            raise Invalid(f"{requested!r} is not a conversation id like 3phdex2kjf")
        if _public_id_taken(requested):
            raise Conflict(f"conversation {requested} exists", code="conversation_exists")
        return requested
    while True:  # 36^9 ids: a clash is rare, but cheap to rule out
        candidate = new_conversation_public_id()
        if not _public_id_taken(candidate):
            return candidate


def _public_id_taken(public_id: str) -> bool:
    return (
        db.session.scalar(sa.select(sa.func.count()).where(Conversation.public_id == public_id)) > 0
    )


def get_conversation(conversation_id: str) -> Conversation:
    """A conversation by public id, for anyone: what participants see is decided by the pages."""
    return find_conversation(conversation_id)


def conversation_for(
    facilitator_id: int,
    conversation_id: str,
    allowed: tuple[Role, ...] = MODERATION_ROLES,
) -> tuple[Conversation, Role]:
    """A conversation and the facilitator's role in it, if that role is one of `allowed`;
    `Forbidden` otherwise, so a moderator of one conversation cannot read another."""
    conversation = find_conversation(conversation_id)
    require_role(facilitator_id, conversation, allowed)
    return conversation, role_in(facilitator_id, conversation)


def delete_conversation(facilitator_id: int, conversation_id: str, *, confirmation: str) -> None:
    """Delete a conversation with all its statements, participants, votes and results (owners
    only). `confirmation` must repeat its public id: there is no undo.

    The audit trail goes with it, so the deletion is logged here instead.
    """
    with unit_of_work() as session:
        conversation = find_conversation(conversation_id, lock=True)
        facilitator = require_role(facilitator_id, conversation, OWNER_ONLY)
        if confirmation.strip() != conversation.public_id:
            raise Invalid(
                f"type the conversation id {conversation.public_id} to confirm",
                code="confirmation_mismatch",
            )
        # The foreign keys cascade to every row of the conversation, in the database itself.
        session.execute(sa.delete(Conversation).where(Conversation.id == conversation.id))
    log.warning("conversation %s deleted by %s", conversation_id, facilitator.email)


def update_conversation(
    facilitator_id: int,
    conversation_id: str,
    changes: Mapping[str, Any],
    *,
    reason: str | None = None,
) -> Conversation:
    """Change settings (owners only). Closing, reopening and archiving are settings too.

    Only values that actually change are written and audited, with before and after.
    """
    values = validate_settings(changes)
    with unit_of_work():
        conversation = find_conversation(conversation_id)
        require_role(facilitator_id, conversation, OWNER_ONLY)
        changed = {
            name: {"before": stored_form(getattr(conversation, name)), "after": stored_form(value)}
            for name, value in values.items()
            if getattr(conversation, name) != value
        }
        if changed:
            for name in changed:
                setattr(conversation, name, values[name])
            conversation.updated_ms = now_ms()
            record_audit(conversation, facilitator_id, "conversation.update", changed, reason)
    return conversation


def conversations_of(facilitator_id: int) -> list[tuple[Conversation, Role]]:
    """The conversations a facilitator has a role in, newest first."""
    rows = db.session.execute(
        sa.select(Conversation, ConversationRole.role)
        .join(ConversationRole, ConversationRole.conversation_id == Conversation.id)
        .where(ConversationRole.facilitator_id == facilitator_id)
        .order_by(Conversation.created_ms.desc(), Conversation.id.desc())
    )
    return [(conversation, role) for conversation, role in rows]
