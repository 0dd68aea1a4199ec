"""Casting votes: the rules for when a vote counts, and storing it exactly once.

This is the hottest path of the application (every participant, every few seconds), so it
reads everything the rules need in one query and writes with two prebuilt statements.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

import sqlalchemy as sa

from deliberation.db import db, direct_unit_of_work, now_ms, unit_of_work
from deliberation.errors import Closed, Conflict, Forbidden, Invalid, NotFound
from deliberation.hot_path import HotStatement
from deliberation.identifiers import token_digest
from deliberation.models import (
    Conversation,
    LatestVote,
    ModerationState,
    Participant,
    Statement,
    VoteRecord,
)
from deliberation.services.routing import (
    NextStatement,
    conversation_and_participant,
    draw_next,
    newest_result_id,
    routing_key,
    standing_votes,
)

MAX_CLIENT_VOTE_ID_LENGTH = 64
VOTE_VALUES = (-1, 0, 1)  # agree, disagree, pass as stored (the votes tables' CHECK)


@dataclass(frozen=True)
class VoteReceipt:
    """What was stored. `replayed` is true when a retried request found its vote already stored."""

    conversation_id: str
    pid: int
    tid: int
    vote: int
    created_ms: int
    client_vote_id: str | None
    replayed: bool = False


def cast_vote(
    conversation_id: str,
    pid: int,
    tid: int,
    vote: int,
    *,
    client_vote_id: str | None = None,
) -> VoteReceipt:
    """Record a participant's vote (1 agree, -1 disagree, 0 pass), replacing any earlier one.

    A request retried with the same `client_vote_id` is stored once and answered with the
    original receipt, even if the conversation has closed since; reusing an id for a
    different vote is a `Conflict`. Refused: closed or archived conversations (`Closed`),
    rejected statements and, under strict moderation, statements not yet accepted
    (`Conflict`); unknown conversation, participant or statement (`NotFound`).
    """
    with unit_of_work():
        receipt, _context, _voted = _cast(conversation_id, pid, tid, vote, client_vote_id)
    return receipt


def cast_vote_and_draw_next(
    conversation_id: str,
    pid: int,
    tid: int,
    vote: int,
    *,
    client_vote_id: str | None = None,
    token: str | None = None,
) -> tuple[VoteReceipt, NextStatement]:
    """`cast_vote`, then `next_statement` for the same participant, as one vote request does.

    The vote's own lookup has found the conversation, the participant and what the draw is
    keyed by (deliberation.services.routing), so the draw needs only the participant's votes,
    read in the vote's own unit after its writes (PostgreSQL: by its one statement): the
    statement just voted on is never drawn again. The draw runs once the unit has ended; a
    routing state that must be rebuilt first is read through the session, as any read is.

    `token`, the secret of the caller's participant token, is checked against the participant's
    current one in that same lookup (`Forbidden` if it was retired or never issued), so a route
    whose token signature is verified need not identify the participant first: one query and
    one transaction fewer per vote, and the check cannot race a privacy erase.
    """
    # Every statement of the vote is a HotStatement: a direct unit (deliberation.db) runs them
    # on a pooled connection without the session. On PostgreSQL the vote's only write is one
    # statement (`_CAST_IN_ONE_STATEMENT`), run in autocommit.
    with direct_unit_of_work(one_statement=True):
        receipt, context, voted = _cast(conversation_id, pid, tid, vote, client_vote_id, token)
        if voted is None:
            voted = standing_votes(context.conversation_pk, pid)
    key = routing_key(
        conversation_id,
        context.statements_version,
        context.newest_result_id,
        context.strict_moderation,
    )
    return receipt, draw_next(context.conversation_pk, key, pid, voted=voted)


def _cast(conversation_id, pid, tid, vote, client_vote_id, token=None):
    """The vote receipt, the context row the rules were checked against, and the participant's
    votes after this one where the database read them with the rest (None: the draw reads
    them); in the caller's unit of work. PostgreSQL does it all in one statement."""
    if db.engine.dialect.name == "postgresql":
        return _cast_in_one_round_trip(conversation_id, pid, tid, vote, client_vote_id, token)
    return (*_cast_in_steps(conversation_id, pid, tid, vote, client_vote_id, token), None)


def _cast_in_steps(conversation_id, pid, tid, vote, client_vote_id, token):
    """`_cast` on SQLite: the context row, then the writes."""
    vote = _vote_value(vote)
    client_vote_id = _clean_client_vote_id(client_vote_id)
    context = _VOTE_CONTEXT.first(
        {"public_id": conversation_id, "pid": pid, "tid": tid, "client_vote_id": client_vote_id}
    )
    replayed = _refusal_or_replay(context, conversation_id, pid, tid, vote, client_vote_id, token)
    if replayed is not None:
        return replayed, context
    receipt = record_vote(
        context.conversation_pk, conversation_id, pid, tid, vote, client_vote_id=client_vote_id
    )
    return receipt, context


def _cast_in_one_round_trip(conversation_id, pid, tid, vote, client_vote_id, token):
    """`_cast` on PostgreSQL (`_CAST_IN_ONE_STATEMENT`)."""
    vote = _vote_value(vote)
    client_vote_id = _clean_client_vote_id(client_vote_id)
    created_ms = now_ms()
    context = _CAST_IN_ONE_STATEMENT.first(
        {
            "public_id": conversation_id,
            "pid": pid,
            "tid": tid,
            "vote": vote,
            "created_ms": created_ms,
            "client_vote_id": client_vote_id,
            "token_digest": None if token is None else token_digest(token),
        }
    )
    voted = {*(context.voted or ()), tid} if context is not None else set()
    if context is not None and context.appended:
        receipt = VoteReceipt(conversation_id, pid, tid, vote, created_ms, client_vote_id)
        return receipt, context, voted
    # Nothing was written: say why, as the two-step path would.
    replayed = _refusal_or_replay(context, conversation_id, pid, tid, vote, client_vote_id, token)
    if replayed is None:
        # Every rule held, yet the vote id was taken: a concurrent retry committed first.
        earlier = _EARLIER_VOTE.first(
            {
                "conversation_id": context.conversation_pk,
                "pid": pid,
                "client_vote_id": client_vote_id,
            }
        )
        replayed = _replay(conversation_id, pid, client_vote_id, earlier, tid, vote)
    return replayed, context, voted


def _refusal_or_replay(context, conversation_id, pid, tid, vote, client_vote_id, token):
    """The rules a vote must meet, checked against its context row: raises the refusal, or
    answers the original receipt of a retried vote id; None when the vote may be stored."""
    if context is None:
        raise NotFound(f"no conversation {conversation_id!r}", code="conversation_not_found")
    if token is not None and not _holds(context.participant_token_digest, token):
        raise Forbidden("unknown participant token", code="participant_token_unknown")
    if context.earlier_tid is not None:
        return _replay(conversation_id, pid, client_vote_id, context, tid, vote)
    if not context.is_open or context.is_archived:
        raise Closed(f"conversation {conversation_id} is closed")
    if context.participant_pk is None:
        raise NotFound(f"no participant {pid} here", code="participant_not_found")
    if context.moderation is None:
        raise NotFound(f"no statement {tid} here", code="statement_not_found")
    if context.moderation == ModerationState.REJECTED:
        raise Conflict(f"statement {tid} was moderated out", code="statement_rejected")
    if context.strict_moderation and context.moderation != ModerationState.ACCEPTED:
        raise Conflict(f"statement {tid} awaits moderation", code="statement_not_accepted")
    return None


def record_vote(
    conversation_pk: int,
    conversation_id: str,
    pid: int,
    tid: int,
    vote: int,
    *,
    client_vote_id: str | None = None,
    created_ms: int | None = None,
) -> VoteReceipt:
    """Append to the history and upsert the latest vote, in the caller's unit of work.

    No rule is checked here: callers have done that (`cast_vote`), or are exempt (a statement
    author's automatic agree). Both tables change in one transaction, so they never disagree.
    """
    created_ms = now_ms() if created_ms is None else created_ms
    values = {
        "conversation_id": conversation_pk,
        "pid": pid,
        "tid": tid,
        "vote": vote,
        "created_ms": created_ms,
    }
    inserted = _APPEND_TO_HISTORY.first({**values, "client_vote_id": client_vote_id})
    if inserted is None:
        # A concurrent retry with the same id committed first (PostgreSQL waited for it).
        earlier = _EARLIER_VOTE.first(
            {"conversation_id": conversation_pk, "pid": pid, "client_vote_id": client_vote_id}
        )
        return _replay(conversation_id, pid, client_vote_id, earlier, tid, vote)
    _REPLACE_LATEST.run(values)
    return VoteReceipt(conversation_id, pid, tid, vote, created_ms, client_vote_id)


# Table columns, not mapped attributes: a select of them returns plain rows, and the session
# then skips its ORM result handling (see routing.py).
_conversations = Conversation.__table__.c
_participants = Participant.__table__.c
_statements = Statement.__table__.c
_history = VoteRecord.__table__.c
_latest = LatestVote.__table__.c
_VOTE_COLUMNS = ("conversation_id", "pid", "tid", "vote", "created_ms")


# Everything the rules need, in one round trip: the conversation's state, whether the
# participant and statement exist, the statement's moderation, and an earlier vote with the
# same client id; and what the next statement's draw is keyed by. Built once; building a
# query costs about as much as running it.
def _vote_context() -> sa.Select:
    return (
        conversation_and_participant(
            _conversations.id.label("conversation_pk"),
            _conversations.is_open,
            _conversations.is_archived,
            _conversations.strict_moderation,
            _conversations.statements_version,
            newest_result_id(_conversations.id).label("newest_result_id"),
            _participants.id.label("participant_pk"),
            _participants.token_digest.label("participant_token_digest"),
            _statements.moderation,
            _history.tid.label("earlier_tid"),
            _history.vote.label("earlier_vote"),
            _history.created_ms.label("earlier_created_ms"),
        )
        .outerjoin(
            Statement.__table__,
            sa.and_(
                _statements.conversation_id == _conversations.id,
                _statements.tid == sa.bindparam("tid", type_=sa.Integer),
            ),
        )
        .outerjoin(
            VoteRecord.__table__,
            sa.and_(
                _history.conversation_id == _conversations.id,
                _history.pid == sa.bindparam("pid", type_=sa.Integer),
                _history.client_vote_id == sa.bindparam("client_vote_id", type_=sa.String),
            ),
        )
    )


_VOTE_CONTEXT = HotStatement(lambda _insert: _vote_context())


def _cast_in_one_statement(insert) -> sa.Select:
    """PostgreSQL: the rules, both writes and the participant's votes in one statement.

    The context is read as in `_VOTE_CONTEXT`; the history row is appended only where every
    rule holds (the same rules `_refusal` states), the latest vote is upserted only where the
    history row was appended, and the participant's standing votes ride along for the draw.
    Data-modifying WITH clauses run exactly once, in the statement's snapshot: `voted` is read
    before this vote, which the caller adds. One round trip where the two-step path makes five.
    """
    digest = sa.bindparam("token_digest", type_=sa.String)
    vote_values = (
        sa.bindparam("tid", type_=sa.Integer),
        sa.bindparam("vote", type_=sa.SmallInteger),
        sa.bindparam("created_ms", type_=sa.BigInteger),
    )
    voted = (
        sa.select(sa.func.array_agg(_latest.tid))
        .where(
            _latest.conversation_id == _conversations.id,
            _latest.pid == sa.bindparam("pid", type_=sa.Integer),
        )
        .scalar_subquery()
        .label("voted")
    )
    context = _vote_context().add_columns(voted).cte("context")
    moderation = context.c.moderation
    allowed = sa.and_(
        sa.or_(digest.is_(None), context.c.participant_token_digest == digest),
        context.c.earlier_tid.is_(None),
        context.c.is_open,
        sa.not_(context.c.is_archived),
        context.c.participant_pk.is_not(None),
        moderation.is_not(None),
        moderation != ModerationState.REJECTED.value,
        sa.or_(sa.not_(context.c.strict_moderation), moderation == ModerationState.ACCEPTED.value),
    )
    history = VoteRecord.__table__
    appended = (
        insert(history)
        .from_select(
            [*_VOTE_COLUMNS, "client_vote_id"],
            sa.select(
                context.c.conversation_pk,
                sa.bindparam("pid", type_=sa.Integer),
                *vote_values,
                sa.bindparam("client_vote_id", type_=sa.String),
            ).where(allowed),
        )
        .on_conflict_do_nothing(index_elements=["conversation_id", "pid", "client_vote_id"])
        .returning(history.c.conversation_id, history.c.pid)
        .cte("appended")
    )
    replaced = (
        _replacing_standing_vote(
            insert(LatestVote.__table__).from_select(
                list(_VOTE_COLUMNS),
                sa.select(appended.c.conversation_id, appended.c.pid, *vote_values),
            )
        )
        .returning(LatestVote.__table__.c.pid)
        .cte("replaced")
    )
    return sa.select(
        context,
        sa.select(sa.func.count()).select_from(appended).scalar_subquery().label("appended"),
        sa.select(sa.func.count()).select_from(replaced).scalar_subquery().label("replaced"),
    )


_CAST_IN_ONE_STATEMENT = HotStatement(_cast_in_one_statement)
_EARLIER_VOTE = HotStatement(
    lambda _insert: sa.select(
        _history.tid.label("earlier_tid"),
        _history.vote.label("earlier_vote"),
        _history.created_ms.label("earlier_created_ms"),
    ).where(
        _history.conversation_id == sa.bindparam("conversation_id", type_=sa.Integer),
        _history.pid == sa.bindparam("pid", type_=sa.Integer),
        _history.client_vote_id == sa.bindparam("client_vote_id", type_=sa.String),
    )
)


_APPEND_TO_HISTORY = HotStatement(
    lambda insert: (
        insert(VoteRecord.__table__)
        .values({name: sa.bindparam(name) for name in (*_VOTE_COLUMNS, "client_vote_id")})
        .on_conflict_do_nothing(index_elements=["conversation_id", "pid", "client_vote_id"])
        .returning(_history.id)
    )
)


def _replacing_standing_vote(statement):
    """An INSERT into latest_votes (either dialect's) that replaces the participant's standing
    vote on the statement, where there is one."""
    return statement.on_conflict_do_update(
        index_elements=["conversation_id", "pid", "tid"],
        set_={"vote": statement.excluded.vote, "created_ms": statement.excluded.created_ms},
    )


_REPLACE_LATEST = HotStatement(
    lambda insert: _replacing_standing_vote(
        insert(LatestVote.__table__).values({name: sa.bindparam(name) for name in _VOTE_COLUMNS})
    )
)


def _holds(current_digest: str | None, token: str) -> bool:
    """Whether `token` is the participant's current secret (`identify_participant`'s test)."""
    return current_digest is not None and hmac.compare_digest(current_digest, token_digest(token))


def _vote_value(vote: int) -> int:
    if isinstance(vote, bool) or vote not in VOTE_VALUES:
        raise Invalid(f"{vote!r} is not a vote: 1 agree, -1 disagree, 0 pass", code="vote_invalid")
    return int(vote)


def _clean_client_vote_id(client_vote_id: str | None) -> str | None:
    if client_vote_id is None:
        return None
    if (
        not isinstance(client_vote_id, str)
        or not 0 < len(client_vote_id) <= MAX_CLIENT_VOTE_ID_LENGTH
    ):
        raise Invalid(
            f"a vote id must have 1 to {MAX_CLIENT_VOTE_ID_LENGTH} characters",
            code="vote_id_invalid",
        )
    return client_vote_id


def _replay(conversation_id, pid, client_vote_id, earlier, tid: int, vote: int) -> VoteReceipt:
    """The original receipt for a retried vote id; `earlier` has the earlier_* columns."""
    if (earlier.earlier_tid, earlier.earlier_vote) != (tid, vote):
        raise Conflict(
            f"vote id {client_vote_id!r} was used for another vote", code="vote_id_reused"
        )
    return VoteReceipt(
        conversation_id,
        pid,
        earlier.earlier_tid,
        earlier.earlier_vote,
        earlier.earlier_created_ms,
        client_vote_id,
        replayed=True,
    )
