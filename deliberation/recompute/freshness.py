"""Which conversations need a recompute, and when: watermarks and the debounce.

Voting knows nothing of the worker. Instead each stored result records how far its inputs
reached (`recompute_state`): the newest vote id and statement change it saw. A conversation is
pending when its newest vote id or statement `updated_ms` (both read through an index) has
moved past that, and due once the fast loop's `Debounce` says the burst is over.

Ids and timestamps are handed out before a transaction commits, so on PostgreSQL a vote (or a
moderation) can become visible *below* a watermark after we read it. For `SETTLE_MS` after
each read the worker therefore also re-counts the votes in the window the result took in and
re-digests the moderation state; a vote transaction is assumed to commit within that time and
within the time between two recomputes (at least the debounce).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from clustering.inputs import Moderation
from deliberation.db import db, now_ms
from deliberation.math_inputs import moderation_state
from deliberation.models import Conversation, MathKind, RecomputeState, Statement, VoteRecord
from deliberation.recompute.settings import RecomputeSettings

SETTLE_MS = 60_000  # longer than any vote or moderation transaction should stay open


@dataclass(frozen=True)
class Watermark:
    """How far the inputs of one computation reach; read *before* the inputs themselves.

    Read in that order, the inputs hold at least what the watermark claims (on PostgreSQL each
    statement sees its own snapshot), so at worst a change is recomputed twice, never missed.
    """

    last_vote_id: int
    window_floor_vote_id: int  # the window (floor, last_vote_id] is re-counted while settling
    window_votes: int
    last_statement_update_ms: int
    read_ms: int

    def as_result_inputs(self) -> dict:
        """The part stored in the result under mesa.inputs: what it covers, nothing time-bound."""
        return {
            "last_vote_id": self.last_vote_id,
            "last_statement_update_ms": self.last_statement_update_ms,
        }


@dataclass(frozen=True)
class Pending:
    """A conversation with changes its newest result has not seen."""

    conversation_pk: int
    conversation_id: str
    due: bool  # the debounce has run out, or none was asked for


def read_watermark(conversation_pk: int, floor_vote_id: int) -> Watermark:
    read_ms = now_ms()
    last_vote_id = db.session.scalar(_NEWEST_VOTE_ID, {"c": conversation_pk}) or 0
    window_votes = db.session.scalar(
        _WINDOW_VOTES, {"c": conversation_pk, "floor": floor_vote_id, "last": last_vote_id}
    )
    last_statement_ms = db.session.scalar(_NEWEST_STATEMENT_MS, {"c": conversation_pk}) or 0
    return Watermark(last_vote_id, floor_vote_id, window_votes, last_statement_ms, read_ms)


def moderation_digest(moderation: Moderation) -> str:
    """A digest of exactly the moderation the math sees."""
    document = [sorted(moderation.accepted), sorted(moderation.rejected), sorted(moderation.meta)]
    return hashlib.sha256(json.dumps(document).encode()).hexdigest()


class Debounce:
    """The fast loop's memory of when each pending conversation was first seen out of date and
    last seen changing, on this worker's monotonic clock; it starts afresh after each result.

    Stored vote times are not used: they come from other machines' clocks, or are simulated
    (the demo replays an evening). A restarted worker waits one debounce before its first
    recompute of a conversation that was already pending.
    """

    def __init__(self, settings: RecomputeSettings):
        self.debounce_s = settings.debounce_s
        self.max_wait_s = settings.max_wait_s
        # pk -> (first seen, last change seen, newest change, result version then)
        self._seen: dict[int, tuple[float, float, tuple, int | None]] = {}

    def due(self, conversation_pk: int, newest: tuple, result_version: int | None) -> bool:
        """Quiet for the debounce since the last change seen, or waited the maximum."""
        now = time.monotonic()
        first, last, seen, version = self._seen.get(
            conversation_pk, (now, now, newest, result_version)
        )
        if version != result_version:  # a result came in meanwhile: a new wait begins
            first, last = now, now
        elif newest != seen:
            last = now
        self._seen[conversation_pk] = (first, last, newest, result_version)
        return now - last >= self.debounce_s or now - first >= self.max_wait_s

    def forget_all_but(self, conversation_pks: set[int]) -> None:
        for pk in self._seen.keys() - conversation_pks:
            del self._seen[pk]


def fast_pending(
    debounce: Debounce | None = None, *, conversation_pk: int | None = None
) -> list[Pending]:
    """Conversations whose votes or moderation changed since their newest fast result.

    `due` says whether `debounce` has run out; without one, every pending conversation is due.
    """
    query = _FAST_POLL
    if conversation_pk is not None:
        query = query.where(Conversation.id == conversation_pk)
    now = now_ms()
    pending = []
    for row in db.session.execute(query):
        if row.newest_vote_id is None and row.newest_statement_ms is None:
            continue  # nothing to compute yet
        newer_votes = (row.newest_vote_id or 0) > (row.last_vote_id or 0)
        newer_statements = (row.newest_statement_ms or 0) > (row.last_statement_update_ms or 0)
        if row.result_version is None or newer_votes or newer_statements:
            newest = (row.newest_vote_id, row.newest_statement_ms)
            due = debounce is None or debounce.due(row.id, newest, row.result_version)
        elif now - row.inputs_read_ms < SETTLE_MS and _changed_below_watermark(row):
            due = True
        else:
            continue
        pending.append(Pending(row.id, row.public_id, due))
    if debounce is not None and conversation_pk is None:
        debounce.forget_all_but({p.conversation_pk for p in pending})
    return pending


def slow_pending(conversation_pk: int | None = None) -> list[Pending]:
    """Conversations with a fast result newer than the one their slow result followed."""
    query = _SLOW_POLL
    if conversation_pk is not None:
        query = query.where(Conversation.id == conversation_pk)
    return [Pending(row.id, row.public_id, True) for row in db.session.execute(query)]


def _changed_below_watermark(row) -> bool:
    votes = db.session.scalar(
        _WINDOW_VOTES,
        {"c": row.id, "floor": row.window_floor_vote_id, "last": row.last_vote_id},
    )
    if votes != row.window_votes:
        return True
    conversation = db.session.get(Conversation, row.id)
    return moderation_digest(moderation_state(conversation)) != row.moderation_digest


# Built once: the fast loop runs these every poll. Each max() or first row is an index probe.
_NEWEST_VOTE_ID = sa.select(sa.func.max(VoteRecord.id)).where(
    VoteRecord.conversation_id == sa.bindparam("c")
)
_NEWEST_STATEMENT_MS = sa.select(sa.func.max(Statement.updated_ms)).where(
    Statement.conversation_id == sa.bindparam("c")
)
_WINDOW_VOTES = sa.select(sa.func.count()).where(
    VoteRecord.conversation_id == sa.bindparam("c"),
    VoteRecord.id > sa.bindparam("floor"),
    VoteRecord.id <= sa.bindparam("last"),
)
_FAST_POLL = sa.select(
    Conversation.id,
    Conversation.public_id,
    sa.select(sa.func.max(VoteRecord.id))
    .where(VoteRecord.conversation_id == Conversation.id)
    .scalar_subquery()
    .label("newest_vote_id"),
    sa.select(sa.func.max(Statement.updated_ms))
    .where(Statement.conversation_id == Conversation.id)
    .scalar_subquery()
    .label("newest_statement_ms"),
    RecomputeState.result_version,
    RecomputeState.last_vote_id,
    RecomputeState.window_floor_vote_id,
    RecomputeState.window_votes,
    RecomputeState.last_statement_update_ms,
    RecomputeState.moderation_digest,
    RecomputeState.inputs_read_ms,
).outerjoin(
    RecomputeState,
    sa.and_(
        RecomputeState.conversation_id == Conversation.id,
        RecomputeState.stage == MathKind.FAST,
    ),
)

_fast_state = aliased(RecomputeState, name="fast_state")
_slow_state = aliased(RecomputeState, name="slow_state")
_SLOW_POLL = (
    sa.select(Conversation.id, Conversation.public_id)
    .join(
        _fast_state,
        sa.and_(_fast_state.conversation_id == Conversation.id, _fast_state.stage == MathKind.FAST),
    )
    .outerjoin(
        _slow_state,
        sa.and_(_slow_state.conversation_id == Conversation.id, _slow_state.stage == MathKind.SLOW),
    )
    .where(
        sa.or_(
            _slow_state.fast_version.is_(None),
            _slow_state.fast_version < _fast_state.result_version,
        )
    )
)
