"""Which statements the facilitator may promote to the agenda, best-supported first, and
which are held back and why.

A candidate is an accepted, non-meta statement that at least `MIN_GROUP_VOTES` members of
every opinion group of the result have voted on (passes count: they saw it). Below that, a
group's agree share is one or two people's opinion, and a "100% n=1" would outrank a
statement 186 people weighed (issue 14). The ranking is the common agenda's
(deliberation.services.common_agenda: group-informed consensus with its interval, majority
share, bridging score and sector red lines, from one stored result). Every other statement the
table could see is held back with its reason: waiting for moderation, a meta statement, too few
votes in a group (the first such group), or not in a result yet. The /methods page states the
threshold in both languages.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import sqlalchemy as sa

from deliberation.db import db
from deliberation.models import AgendaItem, ModerationState, Statement
from deliberation.services.agenda_model import AgendaStatement
from deliberation.services.agenda_source import shown_text
from deliberation.services.authorization import MODERATION_ROLES, require_role
from deliberation.services.common_agenda import common_agenda
from deliberation.services.lookup import find_conversation

# The fewest votes (agree, disagree or pass) a statement needs from EVERY opinion group to be
# a candidate. Five: a share of five moves by 20 points per person, the coarsest figure a
# table should weigh; stated on /methods.
MIN_GROUP_VOTES = 5


class HeldBackReason(enum.StrEnum):
    AWAITING_MODERATION = "awaiting_moderation"
    META = "meta"
    TOO_FEW_VOTES = "too_few_votes"
    NOT_IN_RESULT = "not_in_result"


@dataclass(frozen=True)
class HeldBack:
    """A statement that is not (yet) a candidate: its figures as the ranking has them (none
    when not in the result), the reason, and for too few votes the group that lacks them."""

    statement: AgendaStatement
    reason: HeldBackReason
    group: str | None = None


@dataclass(frozen=True)
class AgendaCandidates:
    """The promotion list: `candidates` in order, which of them are already on the agenda
    (`on_agenda`, tids), and the statements `held_back` with their reasons."""

    result_version: int | None
    slow_stage_ran: bool
    candidates: list[AgendaStatement]
    on_agenda: frozenset[int] = frozenset()
    held_back: list[HeldBack] = field(default_factory=list)
    min_group_votes: int = MIN_GROUP_VOTES


def agenda_candidates(
    facilitator_id: int, conversation_id: str, language: str | None = None
) -> AgendaCandidates:
    """The candidates, ranked, then the statements held back (see the module's docstring),
    for the conversation's owners and moderators, who choose what to promote."""
    conversation = find_conversation(conversation_id)
    require_role(facilitator_id, conversation, MODERATION_ROLES)
    on_agenda = frozenset(
        db.session.scalars(
            sa.select(AgendaItem.tid).where(AgendaItem.conversation_id == conversation.id)
        )
    )
    statements = {
        s.tid: s
        for s in db.session.scalars(
            sa.select(Statement)
            .where(
                Statement.conversation_id == conversation.id,
                Statement.moderation != ModerationState.REJECTED,
            )
            .order_by(Statement.tid)
        )
    }
    agenda = common_agenda(facilitator_id, conversation_id, lang=language)
    candidates: list[AgendaStatement] = []
    held_back: list[HeldBack] = []
    for ranked in agenda.statements:
        refusal = _held_back(statements[ranked.tid], ranked)
        if refusal is None:
            candidates.append(ranked)
        else:
            held_back.append(refusal)
    listed = {s.tid for s in agenda.statements}
    held_back += [
        _held_back(s, _unranked(s, language)) for tid, s in statements.items() if tid not in listed
    ]
    return AgendaCandidates(
        agenda.result_version, agenda.slow_stage_ran, candidates, on_agenda, held_back
    )


def _held_back(statement: Statement, shown: AgendaStatement) -> HeldBack | None:
    """Why `statement` is not a candidate, or None when it is one."""
    if statement.moderation != ModerationState.ACCEPTED:
        return HeldBack(shown, HeldBackReason.AWAITING_MODERATION)
    if statement.is_meta:
        return HeldBack(shown, HeldBackReason.META)
    if not shown.groups:
        return HeldBack(shown, HeldBackReason.NOT_IN_RESULT)
    for group in shown.groups:
        if group.n < MIN_GROUP_VOTES:
            return HeldBack(shown, HeldBackReason.TOO_FEW_VOTES, group.label)
    return None


def _unranked(statement: Statement, language: str | None) -> AgendaStatement:
    text, shown_in = shown_text(statement, language)
    return AgendaStatement(tid=statement.tid, text=text, language=shown_in)
