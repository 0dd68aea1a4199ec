"""The rules of the deliberation. Web views, the API and the CLI all call these functions.

Conventions: a conversation is named by its public id (`conversation_id: str`, e.g.
"3phdex2kjf"), a participant by its `pid` and a statement by its `tid` within it, and the
acting facilitator by `facilitator_id`. Functions return domain objects or small frozen
dataclasses, and raise `deliberation.errors` exceptions. Each call that writes is one
transaction (`deliberation.db.unit_of_work`).

Every function here that reads or changes what only a conversation's team may see takes the
caller first and checks the role itself (`authorization.require_role`); a command-line command
acts as `OPERATOR`. The web layer imports from this facade only, never the modules behind it.
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
from deliberation.services.agenda import (
    AgendaItemView,
    add_agenda_note,
    change_agenda_status,
    list_agenda_items,
    promote_statement,
    update_agenda_item,
    withdraw_agenda_item,
)
from deliberation.services.agenda_candidates import (
    MIN_GROUP_VOTES,
    AgendaCandidates,
    HeldBack,
    HeldBackReason,
    agenda_candidates,
)
from deliberation.services.agenda_model import AgendaStatement
from deliberation.services.audit import audit_log, audit_trail
from deliberation.services.authorization import MODERATION_ROLES, OPERATOR, OWNER_ONLY, Caller
from deliberation.services.common_agenda import CommonAgenda, Interval, common_agenda
from deliberation.services.conversation_translations import translate_conversation
from deliberation.services.conversations import (
    conversation_for,
    conversations_of,
    create_conversation,
    delete_conversation,
    get_conversation,
    update_conversation,
)
from deliberation.services.coordination import (
    CoordinationReview,
    exclude_from_math,
    include_in_math,
    review_coordination,
)
from deliberation.services.embedding import DEFAULT_MAX_AGE_S as DEFAULT_XID_SIGNATURE_MAX_AGE
from deliberation.services.embedding import (
    embedding_secret,
    rotate_embedding_secret,
    xid_signature,
)
from deliberation.services.facilitators import (
    DEFAULT_PASSWORD_HASH_METHOD,
    IssuedToken,
    authenticate_facilitator,
    change_password,
    create_facilitator,
    end_facilitator_sessions,
    facilitator_for_api_token,
    get_facilitator,
    issue_api_token,
    reset_password,
    revoke_api_token,
    set_facilitator_language,
)
from deliberation.services.findings import result_findings
from deliberation.services.follow_up import (
    FollowUpComparison,
    FollowUpQuestions,
    RoundView,
    answer_follow_up,
    close_follow_up_round,
    follow_up_comparison,
    follow_up_questions,
    follow_up_rounds,
    open_follow_up_round,
)
from deliberation.services.math_results import (
    NewestResult,
    latest_math_result,
    newest_result,
    record_math_result,
)
from deliberation.services.moderation import (
    moderate_statement,
    moderate_statements,
    moderation_counts,
    moderation_queue,
    set_statement_meta,
    set_statements_meta,
    statement_vote_counts,
)
from deliberation.services.near_duplicates import similar_in_queue, similar_to_draft
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
from deliberation.services.polis_reports import (
    create_report_id,
    published_conversation,
    published_report,
    report_ids,
    set_data_open,
)
from deliberation.services.privacy import (
    DeletedParticipation,
    PurgeReport,
    delete_participation,
    purge_expired,
)
from deliberation.services.routing import NextStatement, ShownStatement, next_statement
from deliberation.services.sector_privacy import DEFAULT_MIN_SECTOR_CELL
from deliberation.services.snapshots import (
    SnapshotView,
    Verification,
    create_snapshot,
    latest_snapshot,
    list_snapshots,
    verify_snapshot,
)
from deliberation.services.statements import (
    SeedReport,
    accepted_statements,
    add_seed_statement,
    list_statements,
    seed_statements,
    statement_fingerprint,
    statement_for,
    submit_statement,
    translate_statement,
)
from deliberation.services.subcommittees import (
    SubcommitteeChoices,
    assign_statement,
    create_subcommittee,
    map_topic,
    subcommittee_choices,
)
from deliberation.services.topic_names import rename_topic
from deliberation.services.topics_page import TopicFilter, topic_filter, topics_page
from deliberation.services.voting import (
    MAX_CLIENT_VOTE_ID_LENGTH,
    VOTE_VALUES,
    VoteReceipt,
    cast_vote,
    cast_vote_and_draw_next,
)

__all__ = [
    "AgendaStatement",
    "Interval",
    "assign_statement",
    "create_subcommittee",
    "map_topic",
    "SubcommitteeChoices",
    "subcommittee_choices",
    "similar_in_queue",
    "similar_to_draft",
    "topics_page",
    "rename_topic",
    "topic_filter",
    "TopicFilter",
    "DEFAULT_MIN_SECTOR_CELL",
    "DEFAULT_PASSWORD_HASH_METHOD",
    "DEFAULT_XID_SIGNATURE_MAX_AGE",
    "NewestResult",
    "newest_result",
    "AgendaCandidates",
    "AgendaItemView",
    "Caller",
    "CommonAgenda",
    "CommonGround",
    "DeletedParticipation",
    "FollowUpComparison",
    "FollowUpQuestions",
    "GroupStance",
    "GroupSummary",
    "CoordinationReview",
    "IssuedToken",
    "JoinedParticipant",
    "HeldBack",
    "HeldBackReason",
    "LiveStamp",
    "MIN_GROUP_VOTES",
    "MODERATION_ROLES",
    "NextStatement",
    "ShownStatement",
    "OPERATOR",
    "OWNER_ONLY",
    "OpinionSummary",
    "OwnVote",
    "ParticipantState",
    "Participation",
    "Placement",
    "PurgeReport",
    "RoundView",
    "SeedReport",
    "SnapshotView",
    "Verification",
    "MAX_CLIENT_VOTE_ID_LENGTH",
    "VOTE_VALUES",
    "VoteReceipt",
    "accepted_statements",
    "add_agenda_note",
    "add_seed_statement",
    "agenda_candidates",
    "allow_xids",
    "allowed_xids",
    "answer_follow_up",
    "audit_log",
    "audit_trail",
    "authenticate_facilitator",
    "cast_vote",
    "cast_vote_and_draw_next",
    "change_agenda_status",
    "change_password",
    "close_follow_up_round",
    "common_agenda",
    "conversation_for",
    "conversation_of_invite",
    "conversation_roles",
    "conversations_of",
    "create_conversation",
    "exclude_from_math",
    "include_in_math",
    "review_coordination",
    "create_facilitator",
    "end_facilitator_sessions",
    "create_invite_code",
    "create_report_id",
    "create_snapshot",
    "declare_sector",
    "delete_conversation",
    "delete_participation",
    "disallow_xid",
    "embedding_secret",
    "facilitator_for_api_token",
    "follow_up_comparison",
    "follow_up_questions",
    "follow_up_rounds",
    "get_conversation",
    "get_facilitator",
    "grant_role",
    "identify_participant",
    "invite_codes",
    "issue_api_token",
    "join_conversation",
    "latest_math_result",
    "latest_snapshot",
    "list_agenda_items",
    "list_snapshots",
    "list_statements",
    "live_stamp",
    "moderate_statement",
    "moderate_statements",
    "moderation_counts",
    "statement_vote_counts",
    "moderation_queue",
    "next_statement",
    "open_follow_up_round",
    "opinion_map",
    "opinion_summary",
    "own_statements",
    "own_votes",
    "participant_state",
    "participation",
    "promote_statement",
    "published_conversation",
    "published_report",
    "purge_expired",
    "record_math_result",
    "report_ids",
    "reset_password",
    "result_findings",
    "revoke_api_token",
    "set_facilitator_language",
    "revoke_role",
    "sector_of_invite",
    "rotate_embedding_secret",
    "seed_statements",
    "set_data_open",
    "set_statement_meta",
    "set_statements_meta",
    "statement_fingerprint",
    "statement_for",
    "statement_on_map",
    "submit_statement",
    "translate_conversation",
    "translate_statement",
    "update_agenda_item",
    "withdraw_agenda_item",
    "update_conversation",
    "xid_signature",
    "verify_snapshot",
]
