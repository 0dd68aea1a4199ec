"""Choosing the next statement to show a participant, as Polis does (spec §10.2).

A draw needs the statements a participant may see, their weights (the newest math result's
comment priorities) and the participant's own votes. Only the last is the participant's: the
rest is the same for everyone in the room and changes when a statement, a translation, the
moderation mode or the newest result does. Each process therefore keeps it, as a `RoutingState`
per conversation, keyed by the versions that move with those changes (the conversation's
`statements_version`, its newest result's id, its moderation mode), which the caller reads with
the rules it checks anyway. A draw is then one query for the participant's votes, a set
difference and a weighted pick, and the drawn statement's shown form is built once per process.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sqlalchemy as sa

from deliberation.db import db
from deliberation.errors import NotFound
from deliberation.hot_path import HotStatement
from deliberation.models import (
    Conversation,
    LatestVote,
    MathResult,
    ModerationState,
    Participant,
    Statement,
    StatementTranslation,
)
from deliberation.remembered import Remembered

_shared_random = random.Random()
T = TypeVar("T")

# A state older than this is rebuilt even if its versions did not move: a bound on the harm of
# a write that moved no version (every ORM write does, see deliberation.models.statement).
STATE_MAX_AGE_S = 30.0

# Table columns, not mapped attributes: a select of them returns plain rows, and the session
# then skips its ORM result handling, about a third of these queries' cost on the vote's path.
_conversations = Conversation.__table__.c
_participants = Participant.__table__.c
_statements = Statement.__table__.c
_translations = StatementTranslation.__table__.c
_latest = LatestVote.__table__.c
_results = MathResult.__table__.c


def newest_result_id(conversation_pk: sa.ColumnElement[int]) -> sa.ScalarSelect:
    """The id of the conversation's newest math result (of either kind), whose priorities
    weigh the draw; a column for the caller's own query."""
    return (
        sa.select(_results.id)
        .where(_results.conversation_id == conversation_pk)
        .order_by(_results.version.desc())
        .limit(1)
        .scalar_subquery()
    )


def conversation_and_participant(*columns: sa.ColumnElement) -> sa.Select:
    """`columns` of the conversation :public_id, outer-joined to its participant :pid (whose
    columns are None when there is no such participant): the start of every vote's lookup."""
    return (
        sa.select(*columns)
        .select_from(Conversation.__table__)
        .outerjoin(
            Participant.__table__,
            sa.and_(
                _participants.conversation_id == _conversations.id,
                _participants.pid == sa.bindparam("pid", type_=sa.Integer),
            ),
        )
        .where(_conversations.public_id == sa.bindparam("public_id", type_=sa.String))
    )


# What a draw outside a vote needs to know first: the conversation, its routing versions and
# whether the participant exists. One round trip.
_ROUTING_CONTEXT = conversation_and_participant(
    _conversations.id.label("conversation_pk"),
    _conversations.public_id,
    _conversations.strict_moderation,
    _conversations.statements_version,
    newest_result_id(_conversations.id).label("newest_result_id"),
    _participants.id.label("participant_pk"),
)
_VOTED = HotStatement(
    lambda _insert: sa.select(_latest.tid).where(
        _latest.conversation_id == sa.bindparam("conversation_id"),
        _latest.pid == sa.bindparam("pid"),
    )
)
_SHOWN_COLUMNS = (
    _statements.id,
    _statements.tid,
    _statements.text,
    _statements.language,
    _statements.is_seed,
    _statements.is_meta,
    _statements.created_ms,
)
_VISIBLE = (
    sa.select(*_SHOWN_COLUMNS)
    .where(
        _statements.conversation_id == sa.bindparam("conversation_id"),
        _statements.moderation != ModerationState.REJECTED,
    )
    .order_by(_statements.tid)
)
_VISIBLE_TO_STRICT = (
    sa.select(*_SHOWN_COLUMNS)
    .where(
        _statements.conversation_id == sa.bindparam("conversation_id"),
        _statements.moderation == ModerationState.ACCEPTED,
    )
    .order_by(_statements.tid)
)
_TRANSLATIONS = (
    sa.select(_translations.statement_id, _translations.language, _translations.text)
    .join(Statement.__table__, _statements.id == _translations.statement_id)
    .where(_statements.conversation_id == sa.bindparam("conversation_id"))
)
_PRIORITIES = sa.select(_results.comment_priorities).where(_results.id == sa.bindparam("result_id"))


@dataclass(frozen=True)
class ShownStatement:
    """A statement as a participant is shown it: what `Statement` offers a reader, read once
    per process and shared by every draw (never a live row)."""

    tid: int
    text: str
    language: str | None
    is_seed: bool
    is_meta: bool
    created_ms: int
    translated: Mapping[str, str] = field(default_factory=dict)
    _shown: dict[tuple[Callable, str | None], Any] = field(
        default_factory=dict, compare=False, repr=False
    )

    def text_in(self, language: str | None) -> str:
        """The text to show a reader of `language`: its translation if there is one."""
        return self.translated.get(language, self.text) if language else self.text

    def shown_language(self, language: str | None) -> str | None:
        """The language `text_in(language)` is in (None when unknown)."""
        return language if language in self.translated else self.language

    def shown_as(self, build: Callable[[ShownStatement, str | None], T], language: str | None) -> T:
        """`build(self, language)` (the API's answer for a reader of `language`), built once per
        builder and language in this process and then shared: the caller must not change it."""
        key = (build, language)
        shown = self._shown.get(key)
        if shown is None:
            shown = self._shown[key] = build(self, language)
        return shown


@dataclass(frozen=True)
class NextStatement:
    """The statement to show (None when all are voted), how many are left, and how many exist.

    `remaining` and `total` count statements the participant may see: accepted ones under
    strict moderation, all but rejected ones otherwise.
    """

    statement: ShownStatement | None
    remaining: int
    total: int


RoutingKey = tuple[str, int, int | None, bool]


@dataclass(frozen=True)
class RoutingState:
    """What every participant of a conversation is routed by, as of `key`: the visible
    statements in tid order, and each one's weight."""

    key: RoutingKey
    statements: tuple[ShownStatement, ...]
    weights: tuple[float, ...]
    built_at: float  # when its statements were read (a new result alone keeps them)
    priorities: Mapping[int, float] = field(default_factory=dict, repr=False)

    def draw(self, voted: Iterable[int], rng: random.Random) -> NextStatement:
        """A weighted draw among the visible statements not in `voted`."""
        voted = set(voted)
        candidates = [i for i, shown in enumerate(self.statements) if shown.tid not in voted]
        total = len(self.statements)
        if not candidates:
            return NextStatement(None, 0, total)
        weights = self.weights
        drawn = weighted_choice(candidates, [weights[i] for i in candidates], rng)
        return NextStatement(self.statements[drawn], len(candidates), total)


class _RoutingStates:
    """Each process's routing states, one per conversation routed lately (at most `size`).
    Shared by a process's threads: a state is built outside any lock and swapped in whole."""

    def __init__(self, size: int = 256):
        self._states: Remembered[int, RoutingState] = Remembered(size)

    def get(self, conversation_pk: int, key: RoutingKey) -> RoutingState:
        state = self._states.get(conversation_pk)
        now = time.monotonic()
        if state is not None and state.key == key and now - state.built_at < STATE_MAX_AGE_S:
            return state
        state = _build_state(conversation_pk, key, now, previous=state)
        self._states.keep(conversation_pk, state)
        return state


_STATES = _RoutingStates()


def routing_key(
    public_id: str, statements_version: int, newest_result: int | None, strict: bool
) -> RoutingKey:
    return (public_id, int(statements_version), newest_result, bool(strict))


def next_statement(
    conversation_id: str, pid: int, *, rng: random.Random | None = None
) -> NextStatement:
    """Draw one statement the participant has not voted on, weighted by comment priority.

    Priorities come from the newest stored math result; a statement without a positive
    priority (none stored yet, new since the last recompute, or exactly 0) weighs 1, as in
    Polis. Meta statements are routed like any other.
    """
    context = db.session.execute(
        _ROUTING_CONTEXT, {"public_id": conversation_id, "pid": pid}
    ).first()
    if context is None:
        raise NotFound(f"no conversation {conversation_id!r}", code="conversation_not_found")
    if context.participant_pk is None:
        raise NotFound(f"no participant {pid} in {conversation_id}", code="participant_not_found")
    key = routing_key(
        context.public_id,
        context.statements_version,
        context.newest_result_id,
        context.strict_moderation,
    )
    return draw_next(context.conversation_pk, key, pid, rng=rng)


def draw_next(
    conversation_pk: int,
    key: RoutingKey,
    pid: int,
    *,
    voted: Iterable[int] | None = None,
    rng: random.Random | None = None,
) -> NextStatement:
    """`next_statement` for a caller that has found the conversation, the participant and the
    routing key (casting a vote does, in its own lookup): one query, for the participant's
    votes, unless the caller read them too (`voted`), or the conversation's state moved."""
    state = _STATES.get(conversation_pk, key)
    if voted is None:
        voted = standing_votes(conversation_pk, pid)
    return state.draw(voted, rng or _shared_random)


def standing_votes(conversation_pk: int, pid: int) -> list[int]:
    """The tids the participant has a standing vote on, in the caller's unit of work."""
    return _VOTED.scalars({"conversation_id": conversation_pk, "pid": pid})


def _build_state(
    conversation_pk: int, key: RoutingKey, now: float, previous: RoutingState | None = None
) -> RoutingState:
    """The state as of `key`, reading only what moved since `previous`.

    A new result (the recompute worker stores one every few seconds while people vote, and
    every web process then rebuilds) keeps the previous state's statements, so only the
    priorities are read, while the statements are younger than STATE_MAX_AGE_S (`built_at`
    says when they were read). A new statement or moderation keeps the previous priorities
    (a result never changes once stored), which are read again only with a new result.
    """
    public_id, version, result_id, strict = key
    same_conversation = previous is not None and previous.key[0] == public_id
    if (
        same_conversation
        and previous.key[1] == version
        and previous.key[3] == strict
        and now - previous.built_at < STATE_MAX_AGE_S
    ):
        statements, built_at = previous.statements, previous.built_at
    else:
        statements, built_at = _shown_statements(conversation_pk, strict), now
    if same_conversation and previous.key[2] == result_id:
        priorities = previous.priorities
    else:
        priorities = _priorities(result_id)
    weights = tuple(routing_weight(priorities.get(shown.tid)) for shown in statements)
    return RoutingState(key, statements, weights, built_at, priorities)


def _shown_statements(conversation_pk: int, strict: bool) -> tuple[ShownStatement, ...]:
    query = _VISIBLE_TO_STRICT if strict else _VISIBLE
    rows = db.session.execute(query, {"conversation_id": conversation_pk}).all()
    translated: dict[int, dict[str, str]] = {}
    if rows:
        for row in db.session.execute(_TRANSLATIONS, {"conversation_id": conversation_pk}):
            translated.setdefault(row.statement_id, {})[row.language] = row.text
    return tuple(
        ShownStatement(
            tid=row.tid,
            text=row.text,
            language=row.language,
            is_seed=row.is_seed,
            is_meta=row.is_meta,
            created_ms=row.created_ms,
            translated=translated.get(row.id, {}),
        )
        for row in rows
    )


def _priorities(result_id: int | None) -> dict[int, float]:
    """Priority per tid from the newest result of either kind; empty before the first one."""
    if result_id is None:
        return {}
    stored = db.session.scalar(_PRIORITIES, {"result_id": result_id})
    return {int(tid): priority for tid, priority in (stored or {}).items()}


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
