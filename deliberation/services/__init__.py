"""The rules of the deliberation. Web views, the API and the CLI all call these functions.

Conventions: a conversation is named by its public id (`conversation_id: str`, e.g.
"3phdex2kjf"), a participant by its `pid` and a statement by its `tid` within it, and the
acting facilitator by `facilitator_id`. Functions return domain objects or small frozen
dataclasses, and raise `deliberation.errors` exceptions. Each call that writes is one
transaction (`deliberation.db.unit_of_work`).
"""

from deliberation.services.access import (
    allow_xids,
    create_invite_code,
    disallow_xid,
    grant_role,
    invite_codes,
    revoke_role,
)
from deliberation.services.audit import audit_trail
from deliberation.services.conversations import (
    conversations_of,
    create_conversation,
    get_conversation,
    update_conversation,
)
from deliberation.services.facilitators import (
    IssuedToken,
    authenticate_facilitator,
    create_facilitator,
    facilitator_for_api_token,
    get_facilitator,
    issue_api_token,
    revoke_api_token,
)
from deliberation.services.math_results import latest_math_result, record_math_result
from deliberation.services.moderation import (
    moderate_statement,
    moderation_queue,
    set_statement_meta,
)
from deliberation.services.participants import (
    JoinedParticipant,
    identify_participant,
    join_conversation,
)
from deliberation.services.routing import NextStatement, next_statement
from deliberation.services.statements import (
    add_seed_statement,
    list_statements,
    statement_fingerprint,
    submit_statement,
    translate_statement,
)
from deliberation.services.voting import VoteReceipt, cast_vote

__all__ = [
    "IssuedToken",
    "JoinedParticipant",
    "NextStatement",
    "VoteReceipt",
    "add_seed_statement",
    "allow_xids",
    "audit_trail",
    "authenticate_facilitator",
    "cast_vote",
    "conversations_of",
    "create_conversation",
    "create_facilitator",
    "create_invite_code",
    "disallow_xid",
    "facilitator_for_api_token",
    "get_conversation",
    "get_facilitator",
    "grant_role",
    "identify_participant",
    "invite_codes",
    "issue_api_token",
    "join_conversation",
    "latest_math_result",
    "list_statements",
    "moderate_statement",
    "moderation_queue",
    "next_statement",
    "record_math_result",
    "revoke_api_token",
    "revoke_role",
    "set_statement_meta",
    "statement_fingerprint",
    "submit_statement",
    "translate_statement",
    "update_conversation",
]
