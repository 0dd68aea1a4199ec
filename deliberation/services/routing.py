"""Choosing the next statement to show a participant, as Polis does (spec §10.2)."""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from deliberation.db import db
from deliberation.models import LatestVote, ModerationState, Statement
from deliberation.services.lookup import find_conversation, find_participant, find_statement
from deliberation.services.math_results import comment_priorities

_shared_random = random.Random()


def _visible_statements(visible: sa.ColumnElement[bool]) -> sa.Select:
    """(tid, voted) of every statement a participant may see, in tid (= creation) order."""
    voted = (
        sa.select(LatestVote.tid)
        .where(
            LatestVote.conversation_id == Statement.conversation_id,
            LatestVote.pid == sa.bindparam("pid"),
            LatestVote.tid == Statement.tid,
        )
        .exists()
        .label("voted")
    )
    return (
        sa.select(Statement.tid, voted)
        .where(Statement.conversation_id == sa.bindparam("conversation_id"), visible)
        .order_by(Statement.tid)
    )


# Strict moderation shows accepted statements only; otherwise all but the rejected ones.
_VISIBLE = _visible_statements(Statement.moderation != ModerationState.REJECTED)
_VISIBLE_TO_STRICT = _visible_statements(Statement.moderation == ModerationState.ACCEPTED)


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
    query = _VISIBLE_TO_STRICT if conversation.strict_moderation else _VISIBLE
    visible = db.session.execute(query, {"conversation_id": conversation.id, "pid": pid}).all()
    candidates = [row.tid for row in visible if not row.voted]
    total = len(visible)
    if not candidates:
        return NextStatement(None, 0, total)

    priorities = comment_priorities(conversation)
    weights = [routing_weight(priorities.get(tid)) for tid in candidates]
    tid = weighted_choice(candidates, weights, rng or _shared_random)
    return NextStatement(find_statement(conversation, tid), len(candidates), total)


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
