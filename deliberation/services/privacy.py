"""A participant's right to leave without a trace, and each conversation's retention period.

What deleting a participation removes, and what it keeps (SECURITY.md says the same):

- every vote the participant cast, history and standing vote alike: the math and the exports
  no longer count them, and the next recompute moves the groups accordingly;
- the participant row itself, with its token digest, xid and sector: the device's token stops
  working, and nothing links the remaining data to the person;
- statements they wrote that nobody else has voted on and that were not accepted: deleted;
- statements they wrote that were accepted, or that others voted on: kept, with the author
  removed (`author_pid` NULL), because other people's votes on them must never be lost and an
  accepted statement belongs to the whole table's record, like a seed statement;
- rows of any other table that names the participant (e.g. follow-up answers): deleted.

Deleted votes do not raise the newest vote id, which is how the recompute worker notices new
votes (deliberation.recompute.freshness). So the statements whose tallies lost votes get a new
`updated_ms`, the worker's other signal, which also catches a recompute that read the votes just
before the deletion and stores its result just after; and the conversation's recompute
bookkeeping is dropped, so the worker recomputes it on its next poll even if no clock moved.
The worker's in-memory vote copy re-reads in full once the number of standing votes differs.

Retention: a conversation's `retention_days` (None: no limit) deletes, by the same rules, every
participation whose last activity (the newest vote, or joining) is older than that;
`flask --app web purge-expired` runs it, e.g. daily from cron.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from deliberation.db import db, now_ms, unit_of_work
from deliberation.models import (
    Conversation,
    LatestVote,
    ModerationState,
    Participant,
    Statement,
    VoteRecord,
)
from deliberation.models.statement import bump_statements_version
from deliberation.services.audit import record_audit
from deliberation.services.lookup import find_conversation, find_participant
from deliberation.services.math_results import results_need_recomputing

DAY_MS = 24 * 60 * 60 * 1000


@dataclass(frozen=True)
class DeletedParticipation:
    """What one deletion removed; counts only, since the participant no longer exists."""

    votes: int  # history rows
    statements_deleted: int
    statements_anonymised: int
    other_rows: int  # rows of other tables that named the participant


@dataclass(frozen=True)
class PurgeReport:
    conversation_id: str
    participants: int
    votes: int


def delete_participation(conversation_id: str, pid: int) -> DeletedParticipation:
    """Delete participant `pid`'s participation in the conversation (see the module docstring).

    Works on closed and archived conversations too: leaving is never refused.
    """
    with unit_of_work():
        conversation = find_conversation(conversation_id, lock=True)
        participant = find_participant(conversation, pid)
        deleted = _erase(conversation, participant)
        results_need_recomputing(conversation)
        record_audit(conversation, None, "participation.delete", vars(deleted))
    return deleted


def purge_expired(now: int | None = None) -> list[PurgeReport]:
    """Delete every participation older than its conversation's retention period.

    A participation's age runs from its newest vote, or from joining if it never voted.
    """
    now = now_ms() if now is None else now
    reports = []
    for conversation_pk, retention_days in db.session.execute(_WITH_RETENTION).all():
        cutoff = now - retention_days * DAY_MS
        with unit_of_work():
            conversation = db.session.get(Conversation, conversation_pk)
            expired = list(
                db.session.scalars(
                    sa.select(Participant).where(
                        Participant.conversation_id == conversation_pk,
                        sa.func.coalesce(_last_vote_ms(), Participant.created_ms) < cutoff,
                    )
                )
            )
            if not expired:
                continue
            votes = sum(_erase(conversation, participant).votes for participant in expired)
            results_need_recomputing(conversation)
            record_audit(
                conversation,
                None,
                "participation.purge",
                {"participants": len(expired), "votes": votes, "retention_days": retention_days},
            )
        reports.append(PurgeReport(conversation.public_id, len(expired), votes))
    db.session.rollback()
    return reports


_WITH_RETENTION = sa.select(Conversation.id, Conversation.retention_days).where(
    Conversation.retention_days.is_not(None)
)


def _last_vote_ms():
    return (
        sa.select(sa.func.max(VoteRecord.created_ms))
        .where(
            VoteRecord.conversation_id == Participant.conversation_id,
            VoteRecord.pid == Participant.pid,
        )
        .scalar_subquery()
    )


def _erase(conversation: Conversation, participant: Participant) -> DeletedParticipation:
    pk, pid = conversation.id, participant.pid
    now = now_ms()
    voted_on = sa.select(LatestVote.tid).where(
        LatestVote.conversation_id == pk, LatestVote.pid == pid
    )
    # Their statements may go (below): what each process routes by is stale. First, so that
    # the conversation's row is locked before any statement's, as every other writer does.
    bump_statements_version(db.session.connection(), [pk])
    # Their tallies are about to change: the worker's signal (see the module docstring). One
    # statement, before the standing votes it reads are deleted; nothing loaded needs syncing.
    db.session.execute(
        sa.update(Statement)
        .where(Statement.conversation_id == pk, Statement.tid.in_(voted_on))
        .values(updated_ms=now)
        .execution_options(synchronize_session=False)
    )
    votes = db.session.execute(
        sa.delete(VoteRecord).where(VoteRecord.conversation_id == pk, VoteRecord.pid == pid)
    ).rowcount
    db.session.execute(
        sa.delete(LatestVote).where(LatestVote.conversation_id == pk, LatestVote.pid == pid)
    )
    deleted = anonymised = 0
    authored = db.session.scalars(
        sa.select(Statement).where(Statement.conversation_id == pk, Statement.author_pid == pid)
    ).all()
    for statement in authored:
        others_voted = db.session.scalar(
            sa.select(
                sa.exists().where(VoteRecord.conversation_id == pk, VoteRecord.tid == statement.tid)
            )
        )
        if statement.moderation is ModerationState.ACCEPTED or others_voted:
            statement.author_pid = None
            statement.updated_ms = now
            anonymised += 1
        else:
            db.session.delete(statement)
            deleted += 1
    db.session.flush()
    other_rows = _delete_rows_naming(pk, participant)
    db.session.delete(participant)
    db.session.flush()
    return DeletedParticipation(votes, deleted, anonymised, other_rows)


# Handled above, in the order their foreign keys need.
_HANDLED = {"votes", "latest_votes", "statements", "participants"}


def _delete_rows_naming(conversation_pk: int, participant: Participant) -> int:
    """Rows of any other table with a foreign key to the participant (tables added later
    included), deleted: a participation leaves nothing that points at the person."""
    participants = Participant.__table__
    deleted = 0
    for table in db.metadata.sorted_tables:
        if table.name in _HANDLED:
            continue
        for constraint in table.foreign_key_constraints:
            if constraint.referred_table is not participants:
                continue
            values = {
                "id": participant.id,
                "pid": participant.pid,
                "conversation_id": conversation_pk,
            }
            condition = sa.and_(
                *(
                    column == values[element.column.name]
                    for column, element in zip(constraint.columns, constraint.elements, strict=True)
                )
            )
            deleted += db.session.execute(sa.delete(table).where(condition)).rowcount
    return deleted
