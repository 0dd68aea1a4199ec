"""What a participant did in a conversation, as they see it: their votes and their statements."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from deliberation.db import db
from deliberation.models import Conversation, LatestVote, ModerationState, Statement
from deliberation.services.lookup import find_conversation, find_participant


@dataclass(frozen=True)
class OwnVote:
    """A participant's standing vote on one statement (1 agree, -1 disagree, 0 pass).

    `changeable` is false once the statement no longer takes votes: moderated out, or (under
    strict moderation) not accepted yet, as the author's own automatic agree is.
    """

    statement: Statement
    vote: int
    created_ms: int
    changeable: bool


def own_votes(conversation_id: str, pid: int) -> list[OwnVote]:
    """The participant's standing votes, in tid order, with the statements they are on."""
    conversation = find_conversation(conversation_id)
    find_participant(conversation, pid)
    rows = db.session.execute(
        sa.select(Statement, LatestVote.vote, LatestVote.created_ms)
        .join(
            LatestVote,
            sa.and_(
                LatestVote.conversation_id == Statement.conversation_id,
                LatestVote.tid == Statement.tid,
            ),
        )
        .where(LatestVote.conversation_id == conversation.id, LatestVote.pid == pid)
        .order_by(Statement.tid)
    )
    return [
        OwnVote(statement, vote, created_ms, takes_votes(conversation, statement))
        for statement, vote, created_ms in rows
    ]


def own_statements(conversation_id: str, pid: int) -> list[Statement]:
    """The statements the participant wrote, newest first, with their moderation state."""
    conversation = find_conversation(conversation_id)
    find_participant(conversation, pid)
    return list(
        db.session.scalars(
            sa.select(Statement)
            .where(Statement.conversation_id == conversation.id, Statement.author_pid == pid)
            .order_by(Statement.tid.desc())
        )
    )


def takes_votes(conversation: Conversation, statement: Statement) -> bool:
    """The rule `cast_vote` enforces, for pages that offer a vote only where it would count."""
    if statement.moderation is ModerationState.REJECTED:
        return False
    return not conversation.strict_moderation or statement.moderation is ModerationState.ACCEPTED
