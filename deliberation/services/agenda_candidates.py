"""Which statements the facilitator may promote to the agenda, best-supported first.

The ranking is the common agenda's (deliberation.services.common_agenda: group-informed
consensus with its interval, majority share, bridging score and sector red lines, from one
stored result), followed by the accepted statements it does not rank yet, without figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from deliberation.db import db
from deliberation.models import AgendaItem, ModerationState, Statement
from deliberation.services.agenda_model import AgendaStatement
from deliberation.services.authorization import MODERATION_ROLES, require_role
from deliberation.services.common_agenda import common_agenda
from deliberation.services.lookup import find_conversation


@dataclass(frozen=True)
class AgendaCandidates:
    """The promotion list: `candidates` in order, and which of them are already on the agenda
    (`on_agenda`, tids)."""

    result_version: int | None
    slow_stage_ran: bool
    candidates: list[AgendaStatement]
    on_agenda: frozenset[int] = frozenset()


def agenda_candidates(
    facilitator_id: int, conversation_id: str, language: str | None = None
) -> AgendaCandidates:
    """Every accepted, non-meta statement: the ranked ones first, then the rest by tid; for the
    conversation's owners and moderators, who choose what to promote."""
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
            sa.select(Statement).where(
                Statement.conversation_id == conversation.id,
                Statement.moderation == ModerationState.ACCEPTED,
                Statement.is_meta.is_(False),
            )
        )
    }
    agenda = common_agenda(facilitator_id, conversation_id, lang=language)
    ranked = list(agenda.statements)
    listed = {s.tid for s in ranked}
    rest = [_unranked(s, language) for tid, s in sorted(statements.items()) if tid not in listed]
    return AgendaCandidates(agenda.result_version, agenda.slow_stage_ran, ranked + rest, on_agenda)


def _unranked(statement: Statement, language: str | None) -> AgendaStatement:
    text = statement.text_in(language)
    shown_in = language if text != statement.text else statement.language
    return AgendaStatement(tid=statement.tid, text=text, language=shown_in)
