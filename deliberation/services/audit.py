"""Recording and reading the audit trail of a conversation."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from deliberation.db import db, now_ms
from deliberation.models import AuditEntry, Conversation, Facilitator
from deliberation.services.authorization import MODERATION_ROLES, OWNER_ONLY, require_role
from deliberation.services.lookup import find_conversation


def record_audit(
    conversation: Conversation,
    facilitator_id: int | None,
    action: str,
    detail: dict[str, Any],
    reason: str | None = None,
) -> AuditEntry:
    """Add an entry in the caller's unit of work: the change and its record commit together."""
    entry = AuditEntry(
        conversation_id=conversation.id,
        facilitator_id=facilitator_id,
        action=action,
        detail=detail,
        reason=reason,
        created_ms=now_ms(),
    )
    db.session.add(entry)
    return entry


def audit_trail(facilitator_id: int, conversation_id: str) -> list[AuditEntry]:
    """Every recorded change of a conversation, oldest first; for its owners and moderators."""
    conversation = find_conversation(conversation_id)
    require_role(facilitator_id, conversation, MODERATION_ROLES)
    return list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.conversation_id == conversation.id)
            .order_by(AuditEntry.id)
        )
    )


def audit_log(facilitator_id: int, conversation_id: str) -> list[tuple[AuditEntry, str | None]]:
    """The audit trail with who acted (their email; None for the system or a deleted account),
    newest first: the console's page for a conversation's owners."""
    conversation = find_conversation(conversation_id)
    require_role(facilitator_id, conversation, OWNER_ONLY)
    rows = db.session.execute(
        sa.select(AuditEntry, Facilitator.email)
        .outerjoin(Facilitator, Facilitator.id == AuditEntry.facilitator_id)
        .where(AuditEntry.conversation_id == conversation.id)
        .order_by(AuditEntry.id.desc())
    )
    return [(entry, email) for entry, email in rows]
