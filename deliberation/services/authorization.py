"""Which facilitator may do what in which conversation.

Checked here, in the services, so that no entry point (web page, API, CLI) can forget it.
"""

from __future__ import annotations

import sqlalchemy as sa

from deliberation.db import db
from deliberation.errors import Forbidden
from deliberation.models import Conversation, ConversationRole, Facilitator, Role

# Owners can do everything moderators can.
MODERATION_ROLES = (Role.OWNER, Role.MODERATOR)
OWNER_ONLY = (Role.OWNER,)


def role_in(facilitator_id: int, conversation: Conversation) -> Role | None:
    return db.session.scalar(
        sa.select(ConversationRole.role).where(
            ConversationRole.conversation_id == conversation.id,
            ConversationRole.facilitator_id == facilitator_id,
        )
    )


def require_role(
    facilitator_id: int, conversation: Conversation, allowed: tuple[Role, ...]
) -> Facilitator:
    """The acting facilitator, if active and holding one of `allowed` in this conversation."""
    facilitator = db.session.get(Facilitator, facilitator_id)
    if facilitator is None or not facilitator.is_active:
        raise Forbidden("unknown or inactive facilitator", code="facilitator_unknown")
    role = role_in(facilitator_id, conversation)
    if role not in allowed:
        needed = " or ".join(r.value for r in allowed)
        raise Forbidden(
            f"{facilitator.email} is not {needed} of {conversation.public_id}",
            code="role_required",
        )
    return facilitator
