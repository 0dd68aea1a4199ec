"""Choosing the next statement to show a participant, as Polis does (spec §10.2)."""

from __future__ import annotations

import bisect
import itertools
import math
import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import lazyload

from deliberation.db import db
from deliberation.models import LatestVote, MathResult, ModerationState, Statement
from deliberation.services.lookup import find_conversation, find_participant

_shared_random = random.Random()

# Table columns, not mapped attributes: a select of them returns plain rows, and the session
# then skips its ORM result handling, about a third of these queries' cost on the vote's path.
_statements = Statement.__table__.c
_latest = LatestVote.__table__.c
_results = MathResult.__table__.c

# The id of the conversation's newest math result, whose priorities weigh the draw.
_NEWEST_RESULT_ID = (
    sa.select(_results.id)
    .where(_results.conversation_id == sa.bindparam("conversation_id"))
    .order_by(_results.version.desc())
    .limit(1)
    .scalar_subquery()
)


def _visible_statements(visible: sa.ColumnElement[bool]) -> sa.Select:
    """(tid, voted, newest_result_id) of every statement a participant may see, in tid
    (= creation) order; the newest result's id rides along so that its priorities are read
    only when it changed (see `_priorities`)."""
    voted = (
        sa.select(_latest.tid)
        .where(
            _latest.conversation_id == _statements.conversation_id,
            _latest.pid == sa.bindparam("pid"),
            _latest.tid == _statements.tid,
        )
        .exists()
        .label("voted")
    )
    return (
        sa.select(_statements.tid, voted, _NEWEST_RESULT_ID.label("newest_result_id"))
        .where(_statements.conversation_id == sa.bindparam("conversation_id"), visible)
        .order_by(_statements.tid)
    )


# Strict moderation shows accepted statements only; otherwise all but the rejected ones.
_VISIBLE = _visible_statements(_statements.moderation != ModerationState.REJECTED)
_VISIBLE_TO_STRICT = _visible_statements(_statements.moderation == ModerationState.ACCEPTED)
_PRIORITIES = sa.select(_results.comment_priorities).where(_results.id == sa.bindparam("result_id"))
# The drawn statement; translations are read only if the reader asks for a language.
_STATEMENT = (
    sa.select(Statement)
    .where(
        Statement.conversation_id == sa.bindparam("conversation_id"),
        Statement.tid == sa.bindparam("tid"),
    )
    .options(lazyload(Statement.translations))
)


@dataclass(frozen=True)
class NextStatement:
    """The statement to show (None when all are voted), how many are left, and how many exist.

    `remaining` and `total` count statements the participant may see: accepted ones under
    strict moderation, all but rejected ones otherwise.
    """

    statement: Statement | None
    remaining: int
    total: int


def next_statement(
    conversation_id: str, pid: int, *, rng: random.Random | None = None
) -> NextStatement:
    """Draw one statement the participant has not voted on, weighted by comment priority.

    Priorities come from the newest stored math result; a statement without a positive
    priority (none stored yet, new since the last recompute, or exactly 0) weighs 1, as in
    Polis. Meta statements are routed like any other.
    """
    conversation = find_conversation(conversation_id)
    find_participant(conversation, pid)
    return draw_next(conversation.id, conversation.strict_moderation, pid, rng=rng)


def draw_next(
    conversation_pk: int, strict_moderation: bool, pid: int, *, rng: random.Random | None = None
) -> NextStatement:
    """`next_statement` for a caller that has just found the conversation and the participant
    (casting a vote does): two queries, or three when a new math result came in."""
    query = _VISIBLE_TO_STRICT if strict_moderation else _VISIBLE
    visible = db.session.execute(query, {"conversation_id": conversation_pk, "pid": pid}).all()
    candidates = [row.tid for row in visible if not row.voted]
    total = len(visible)
    if not candidates:
        return NextStatement(None, 0, total)

    priorities = _priorities(conversation_pk, visible[0].newest_result_id)
    weights = [routing_weight(priorities.get(tid)) for tid in candidates]
    tid = weighted_choice(candidates, weights, rng or _shared_random)
    statement = db.session.scalar(_STATEMENT, {"conversation_id": conversation_pk, "tid": tid})
    return NextStatement(statement, len(candidates), total)


class _PriorityCache:
    """Comment priorities by math result: a result is never changed once stored, and every
    vote of every participant routes by the newest one, so each process reads it once.

    Keyed by (conversation, result row); holds the newest result of the last conversations
    routed, at most `size`. Shared by a process's threads.
    """

    def __init__(self, size: int = 256):
        self.size = size
        self._entries: dict[tuple[int, int], dict[int, float]] = {}
        self._lock = threading.Lock()

    def get(self, conversation_pk: int, result_id: int) -> dict[int, float]:
        key = (conversation_pk, result_id)
        cached = self._entries.get(key)
        if cached is not None:
            return cached
        stored = db.session.scalar(_PRIORITIES, {"result_id": result_id})
        priorities = {int(tid): priority for tid, priority in (stored or {}).items()}
        with self._lock:
            for old in [k for k in self._entries if k[0] == conversation_pk]:
                del self._entries[old]  # only the newest result of a conversation is routed by
            if len(self._entries) >= self.size:
                del self._entries[next(iter(self._entries))]
            self._entries[key] = priorities
        return priorities


_PRIORITY_CACHE = _PriorityCache()


def _priorities(conversation_pk: int, newest_result_id: int | None) -> dict[int, float]:
    """Priority per tid from the newest result of either kind; empty before the first one."""
    if newest_result_id is None:
        return {}
    return _PRIORITY_CACHE.get(conversation_pk, newest_result_id)


def routing_weight(priority: float | None) -> float:
    """Polis uses the priority when truthy and 1 otherwise; NaN or negative also fall back to 1."""
    if priority and math.isfinite(priority) and priority > 0:
        return priority
    return 1.0


def weighted_choice(items: Sequence[int], weights: Sequence[float], rng: random.Random) -> int:
    """Polis's `selectProbabilistically`: the first item whose cumulative weight exceeds r·total."""
    cumulative = list(itertools.accumulate(weights))
    threshold = rng.random() * cumulative[-1]
    return items[bisect.bisect_right(cumulative, threshold)]
