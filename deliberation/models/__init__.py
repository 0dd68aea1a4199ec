"""Persistence of the deliberation domain, one module per aggregate.

Importing this package registers every table on `db.metadata` (Alembic relies on it).
"""

from deliberation.models.agenda import AgendaItem, AgendaNote, AgendaStatus, GovernmentLevel
from deliberation.models.audit import AuditEntry
from deliberation.models.conversation import (
    AccessMode,
    Conversation,
    ConversationTranslation,
    InviteCode,
    XidAllow,
)
from deliberation.models.facilitator import ApiToken, ConversationRole, Facilitator, Role
from deliberation.models.follow_up import CarriedOut, FollowUpAnswer, FollowUpRound
from deliberation.models.math_result import MathKind, MathResult
from deliberation.models.participant import Participant
from deliberation.models.recompute import RecomputeLease, RecomputeState
from deliberation.models.report import PolisReport
from deliberation.models.snapshot import Snapshot
from deliberation.models.statement import ModerationState, Statement, StatementTranslation
from deliberation.models.topics import StatementSubcommittee, Subcommittee, TopicResult
from deliberation.models.vote import LatestVote, VoteRecord, VoteValue

__all__ = [
    "AccessMode",
    "AgendaItem",
    "AgendaNote",
    "AgendaStatus",
    "ApiToken",
    "AuditEntry",
    "CarriedOut",
    "Conversation",
    "ConversationRole",
    "ConversationTranslation",
    "Facilitator",
    "FollowUpAnswer",
    "FollowUpRound",
    "GovernmentLevel",
    "InviteCode",
    "LatestVote",
    "MathKind",
    "MathResult",
    "ModerationState",
    "Participant",
    "PolisReport",
    "RecomputeLease",
    "RecomputeState",
    "Role",
    "Snapshot",
    "Statement",
    "StatementSubcommittee",
    "StatementTranslation",
    "Subcommittee",
    "TopicResult",
    "VoteRecord",
    "VoteValue",
    "XidAllow",
]
