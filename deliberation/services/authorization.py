"""Which facilitator may do what in which conversation.

Checked here, in the services, so that no entry point (web page, API, CLI) can forget it: every
service that reads or changes what only a conversation's team may see takes the caller first
(`facilitator_id`) and checks the role before anything else.

The caller is a facilitator's id or, for the services a command-line command calls (`export`,
`report`, `agenda`, `snapshot`, `verify-snapshot`), `OPERATOR`: the person at the server's
command line. Whoever can run those commands holds the database credentials and could read
every row anyway, so the operator needs no role; naming that caller, rather than skipping the
check, keeps each exemption visible where it is made. Such a service calls
`require_role_or_operator`; every other one calls `require_role`, which refuses the operator.
Only command-line entry points pass `OPERATOR`: tests/deliberation/test_service_authorization.py
checks that web/ pages never do.
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa

from deliberation.db import db
from deliberation.errors import Forbidden
from deliberation.models import Conversation, ConversationRole, Facilitator, Role

# Owners can do everything moderators can.
MODERATION_ROLES = (Role.OWNER, Role.MODERATOR)
OWNER_ONLY = (Role.OWNER,)


class Operator:
    """The caller of a command-line command: the operator, who holds no role and needs none."""

    def __repr__(self) -> str:
        return "OPERATOR"


OPERATOR: Final = Operator()
# Who acts: a facilitator (by id), or the operator at the command line.
Caller = int | Operator


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
    """The acting facilitator, if active and holding one of `allowed` in this conversation;
    `Forbidden` otherwise."""
    if isinstance(facilitator_id, bool) or not isinstance(facilitator_id, int):
        # A forgotten caller (a conversation id in its place, None) or the operator where the
        # service does not admit one must not read as "nobody to check": refuse it loudly.
        raise TypeError(f"this service needs a facilitator's id, not {facilitator_id!r}")
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


def require_role_or_operator(
    caller: Caller, conversation: Conversation, allowed: tuple[Role, ...]
) -> None:
    """As `require_role`, and the operator passes: for the services the commands call (see the
    module's docstring)."""
    if caller is not OPERATOR:
        require_role(caller, conversation, allowed)


def audited_facilitator(caller: Caller) -> int | None:
    """The facilitator an audit entry names: None for the operator, as for any system action."""
    return None if caller is OPERATOR else caller
