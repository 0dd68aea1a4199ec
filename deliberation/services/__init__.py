"""The rules of the deliberation. Web views, the API and the CLI all call these functions.

Conventions: a conversation is named by its public id (`conversation_id: str`, e.g.
"3phdex2kjf"), a participant by its `pid` and a statement by its `tid` within it, and the
acting facilitator by `facilitator_id`. Functions return domain objects or small frozen
dataclasses, and raise `deliberation.errors` exceptions. Each call that writes is one
transaction (`deliberation.db.unit_of_work`).
"""

from deliberation.services.access import (
    allow_xids,
    allowed_xids,
    conversation_of_invite,
    conversation_roles,
    create_invite_code,
    disallow_xid,
    grant_role,
    invite_codes,
    revoke_role,
    sector_of_invite,
)
from deliberation.services.audit import audit_log, audit_trail
from deliberation.services.common_agenda import CommonAgenda, common_agenda
from deliberation.services.conversations import (
    conversation_for,
    conversations_of,
    create_conversation,
    delete_conversation,
    get_conversation,
    update_conversation,
)
from deliberation.services.embedding import (
    embedding_secret,
    rotate_embedding_secret,
    xid_signature,
)
from deliberation.services.facilitators import (
    IssuedToken,
    authenticate_facilitator,
    change_password,
    create_facilitator,
    facilitator_for_api_token,
    get_facilitator,
    issue_api_token,
    revoke_api_token,
)
from deliberation.services.findings import result_findings
from deliberation.services.math_results import latest_math_result, record_math_result
from deliberation.services.moderation import (
    moderate_statement,
    moderate_statements,
    moderation_counts,
    moderation_queue,
    set_statement_meta,
    set_statements_meta,
    statement_vote_counts,
)
from deliberation.services.opinion_groups import (
    CommonGround,
    GroupStance,
    GroupSummary,
    OpinionSummary,
    opinion_summary,
)
from deliberation.services.opinion_map import opinion_map, statement_on_map
from deliberation.services.own_activity import OwnVote, own_statements, own_votes
from deliberation.services.participant_state import (
    ParticipantState,
    Placement,
    participant_state,
)
from deliberation.services.participants import (
    JoinedParticipant,
    declare_sector,
    identify_participant,
    join_conversation,
)
from deliberation.services.participation import (
    LiveStamp,
    Participation,
    live_stamp,
    participation,
)
from deliberation.services.privacy import (
    DeletedParticipation,
    PurgeReport,
    delete_participation,
    purge_expired,
)
from deliberation.services.routing import NextStatement, next_statement
from deliberation.services.statements import (
    SeedReport,
    add_seed_statement,
    list_statements,
    seed_statements,
    statement_fingerprint,
    submit_statement,
    translate_statement,
)
from deliberation.services.voting import VoteReceipt, cast_vote, cast_vote_and_draw_next

__all__ = [
    "CommonAgenda",
    "CommonGround",
    "DeletedParticipation",
    "GroupStance",
    "GroupSummary",
    "IssuedToken",
    "JoinedParticipant",
    "LiveStamp",
    "NextStatement",
    "OpinionSummary",
    "OwnVote",
    "ParticipantState",
    "Participation",
    "Placement",
    "PurgeReport",
    "SeedReport",
    "VoteReceipt",
    "add_seed_statement",
    "allow_xids",
    "allowed_xids",
    "audit_log",
    "audit_trail",
    "authenticate_facilitator",
    "cast_vote",
    "cast_vote_and_draw_next",
    "change_password",
    "common_agenda",
    "conversation_for",
    "conversation_of_invite",
    "conversation_roles",
    "conversations_of",
    "create_conversation",
    "create_facilitator",
    "create_invite_code",
    "declare_sector",
    "delete_conversation",
    "delete_participation",
    "disallow_xid",
    "embedding_secret",
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
    "live_stamp",
    "moderate_statement",
    "moderate_statements",
    "moderation_counts",
    "statement_vote_counts",
    "moderation_queue",
    "next_statement",
    "opinion_map",
    "opinion_summary",
    "own_statements",
    "own_votes",
    "participant_state",
    "participation",
    "purge_expired",
    "record_math_result",
    "result_findings",
    "revoke_api_token",
    "revoke_role",
    "sector_of_invite",
    "rotate_embedding_secret",
    "seed_statements",
    "set_statement_meta",
    "set_statements_meta",
    "statement_fingerprint",
    "statement_on_map",
    "submit_statement",
    "translate_statement",
    "update_conversation",
    "xid_signature",
]
