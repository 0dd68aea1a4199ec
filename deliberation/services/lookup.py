"""Finding the things a service acts on, and numbering new ones.

Services take public ids and numbers (a conversation's public id, a pid, a tid); these
helpers turn them into rows or raise `NotFound`.
"""

from __future__ import annotations

import sqlalchemy as sa

from deliberation.db import db
from deliberation.errors import Closed, NotFound
from deliberation.models import Conversation, Participant, Statement

# Built once with bound parameters: these run on every request, and building a query costs
# about as much as running it.
_CONVERSATION = sa.select(Conversation).where(Conversation.public_id == sa.bindparam("public_id"))
_CONVERSATION_LOCKED = _CONVERSATION.with_for_update(key_share=True)
_STATEMENT = sa.select(Statement).where(
    Statement.conversation_id == sa.bindparam("conversation_id"),
    Statement.tid == sa.bindparam("tid"),
)
_PARTICIPANT = sa.select(Participant).where(
    Participant.conversation_id == sa.bindparam("conversation_id"),
    Participant.pid == sa.bindparam("pid"),
)


def find_conversation(conversation_id: str, *, lock: bool = False) -> Conversation:
    """The conversation with this public id.

    `lock` holds its row until the transaction ends (FOR NO KEY UPDATE on PostgreSQL, the
    same lock a counter bump takes, which still lets votes reference the row; SQLite's
    writing transactions are serialised already), for checks that must not race.
    """
    query = _CONVERSATION_LOCKED if lock else _CONVERSATION
    conversation = db.session.scalar(query, {"public_id": conversation_id})
    if conversation is None:
        raise NotFound(f"no conversation {conversation_id!r}", code="conversation_not_found")
    return conversation


def find_statement(conversation: Conversation, tid: int) -> Statement:
    statement = db.session.scalar(_STATEMENT, {"conversation_id": conversation.id, "tid": tid})
    if statement is None:
        raise NotFound(
            f"no statement {tid} in {conversation.public_id}", code="statement_not_found"
        )
    return statement


def find_participant(conversation: Conversation, pid: int) -> Participant:
    participant = db.session.scalar(_PARTICIPANT, {"conversation_id": conversation.id, "pid": pid})
    if participant is None:
        raise NotFound(
            f"no participant {pid} in {conversation.public_id}", code="participant_not_found"
        )
    return participant


def require_open(conversation: Conversation) -> None:
    if not conversation.accepts_participation:
        raise Closed(f"conversation {conversation.public_id} is closed")


def allocate_number(conversation: Conversation, counter: str) -> int:
    """Take the next pid, tid or math version of a conversation, race-free.

    The counter is bumped in place with UPDATE ... RETURNING: PostgreSQL holds the row lock
    and SQLite the write lock until the transaction ends, so concurrent callers queue up and
    a rolled-back caller gives its number back. Numbers are therefore contiguous from 0.
    """
    table = Conversation.__table__
    column = table.c[counter]
    bumped = db.session.execute(
        sa.update(table)
        .where(table.c.id == conversation.id)
        .values({column: column + 1})
        .returning(column)
    ).scalar_one()
    return bumped - 1
