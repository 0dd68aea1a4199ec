"""A conversation's topics: computed from its statements (and votes), stored, read back typed.

Topics follow the statements, not the votes: the worker (`refresh_stale_topics`, from the slow
loop) recomputes them when a statement is added, moderated, edited or erased, or a
subcommittee is added (`stale_topic_conversations` is the one rule), and reads the votes as
they are then for the co-vote signal. A vote alone never triggers it.

What is computed, and where: `topic_inputs` reads the statements, votes and subcommittees here;
`clustering.topic_document.topic_document` computes the stored document, in the worker's child
process when the worker calls (its `Runner.topics`). Rejected statements are left out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import sqlalchemy as sa

from clustering.subcommittees import charter_text
from clustering.topic_document import TopicInputs, topic_document
from deliberation.db import db, now_ms, unit_of_work
from deliberation.errors import NotFound
from deliberation.math_inputs import latest_votes
from deliberation.models import (
    Conversation,
    ModerationState,
    Statement,
    Subcommittee,
    TopicResult,
)
from deliberation.services.lookup import find_conversation
from deliberation.services.topic_names import with_given_names

log = logging.getLogger(__name__)

# Below this many statements there is nothing to group: a single topic would say nothing.
MIN_STATEMENTS = 4


@dataclass(frozen=True)
class Topic:
    index: int
    name: str
    terms: tuple[str, ...]
    coherence: float  # NPMI of its top terms, −1..1
    tids: tuple[int, ...]  # member statements, largest share first
    suggested_subcommittee_id: int | None
    # The name from its terms when a facilitator renamed it (`name` is then theirs), else None.
    automatic_name: str | None = None


@dataclass(frozen=True)
class TopicsView:
    """The newest stored topics of a conversation (see `TopicResult`)."""

    version: int
    view: str  # "text" or "both"
    topics: tuple[Topic, ...]
    shares: dict[int, tuple[float, ...]]  # tid -> share of each topic (sums to 1 or is all 0)
    suggested_subcommittee: dict[int, int | None]  # tid -> subcommittee id
    computed_ms: int


def _latest_result(conversation_pk: int) -> TopicResult | None:
    return db.session.scalar(
        sa.select(TopicResult)
        .where(TopicResult.conversation_id == conversation_pk)
        .order_by(TopicResult.version.desc())
        .limit(1)
    )


def _stale_topics(conversation_pk: int | None = None) -> list[sa.Row]:
    """The one staleness rule: conversations of at least MIN_STATEMENTS statements with no
    topics yet, or whose statements' newest `updated_ms` or count differ from what their newest
    topics saw (a statement added, moderated, edited or erased), or that got a subcommittee
    since (suggestions compare with the charters). Rows (conversation_id, updated_ms, count,
    version: of the newest topics, None before any), by conversation."""
    newest = sa.select(
        Statement.conversation_id,
        sa.func.max(Statement.updated_ms).label("updated_ms"),
        sa.func.count().label("count"),
    )
    if conversation_pk is not None:
        newest = newest.where(Statement.conversation_id == conversation_pk)
    newest = newest.group_by(Statement.conversation_id).subquery()
    latest_version = (
        sa.select(TopicResult.conversation_id, sa.func.max(TopicResult.version).label("version"))
        .group_by(TopicResult.conversation_id)
        .subquery()
    )
    charters = (
        sa.select(
            Subcommittee.conversation_id, sa.func.max(Subcommittee.created_ms).label("created_ms")
        )
        .group_by(Subcommittee.conversation_id)
        .subquery()
    )
    stored = (
        sa.select(TopicResult)
        .join(
            latest_version,
            sa.and_(
                TopicResult.conversation_id == latest_version.c.conversation_id,
                TopicResult.version == latest_version.c.version,
            ),
        )
        .subquery()
    )
    return db.session.execute(
        sa.select(newest.c.conversation_id, newest.c.updated_ms, newest.c.count, stored.c.version)
        .outerjoin(stored, stored.c.conversation_id == newest.c.conversation_id)
        .outerjoin(charters, charters.c.conversation_id == newest.c.conversation_id)
        .where(
            newest.c.count >= MIN_STATEMENTS,
            sa.or_(
                stored.c.id.is_(None),
                stored.c.statements_updated_ms != newest.c.updated_ms,
                stored.c.statement_count != newest.c.count,
                charters.c.created_ms > stored.c.created_ms,
            ),
        )
        .order_by(newest.c.conversation_id)
    ).all()


def stale_topic_conversations() -> list[int]:
    """Primary keys of the conversations whose topics are stale (`_stale_topics`)."""
    return [row.conversation_id for row in _stale_topics()]


def refresh_stale_topics(call: Callable[..., Any] | None = None) -> int:
    """Recompute the topics of every conversation whose topics are stale; how many were.

    `call(topic_document, inputs)` runs the computation (the worker passes its
    `Runner.topics`, which runs it in the child process); None runs it here. A conversation
    that fails is logged and skipped: topics must never stop the math.
    """
    refreshed = 0
    for pk in stale_topic_conversations():
        try:
            if refresh_topics(pk, call) is not None:
                refreshed += 1
        except Exception:
            db.session.rollback()
            log.exception("topics of conversation %s failed", pk)
    db.session.rollback()
    return refreshed


def refresh_topics(
    conversation_pk: int, call: Callable[..., Any] | None = None
) -> TopicResult | None:
    """Compute and store the conversation's topics if they are stale (`_stale_topics`); else
    None. The state is read before the inputs, so a change made meanwhile is computed again
    on the next refresh rather than missed."""
    stale = _stale_topics(conversation_pk)
    if not stale:
        db.session.rollback()
        return None
    state = stale[0]
    inputs = topic_inputs(db.session.get(Conversation, conversation_pk))
    db.session.rollback()  # no read transaction held while computing and storing
    document = topic_document(inputs) if call is None else call(topic_document, inputs)
    with unit_of_work() as session:
        stored = TopicResult(
            conversation_id=conversation_pk,
            version=(state.version or 0) + 1,
            statements_updated_ms=state.updated_ms,
            statement_count=state.count,
            document=document,
            created_ms=now_ms(),
        )
        session.add(stored)
    return stored


def unrejected_texts(conversation_pk: int) -> list[tuple[int, str]]:
    """(tid, text) of the statements not moderated out, by tid: what topics and near-duplicate
    checks look at."""
    rows = db.session.execute(
        sa.select(Statement.tid, Statement.text)
        .where(
            Statement.conversation_id == conversation_pk,
            Statement.moderation != ModerationState.REJECTED,
        )
        .order_by(Statement.tid)
    )
    return [(tid, text) for tid, text in rows]


def topic_inputs(conversation: Conversation) -> TopicInputs:
    """What a topics computation of the conversation reads (`clustering.topic_document`)."""
    rows = unrejected_texts(conversation.id)
    tids = [tid for tid, _ in rows]
    subcommittees = db.session.execute(
        sa.select(Subcommittee.id, Subcommittee.name, Subcommittee.description)
        .where(Subcommittee.conversation_id == conversation.id)
        .order_by(Subcommittee.position, Subcommittee.id)
    ).all()
    return TopicInputs(
        tids=tids,
        texts=[body for _, body in rows],
        votes=_votes(conversation, tids),
        subcommittee_ids=[row.id for row in subcommittees],
        charters=[charter_text(row.name, row.description) for row in subcommittees],
        seed=conversation.math_seed,
    )


def _votes(conversation: Conversation, tids: list[int]) -> sp.csr_matrix | None:
    """Latest votes on `tids` (participants x statements, +1 agree), None without votes."""
    records = latest_votes(conversation)
    if len(records) == 0:
        return None
    column = {tid: j for j, tid in enumerate(tids)}
    keep = np.isin(records.statement_ids, np.asarray(tids, dtype=records.statement_ids.dtype))
    pids, rows = np.unique(records.participant_ids[keep], return_inverse=True)
    cols = np.array([column[t] for t in records.statement_ids[keep].tolist()], dtype=np.int64)
    return sp.csr_matrix(
        (records.votes[keep].astype(np.float64), (rows, cols)), shape=(len(pids), len(tids))
    )


def stored_topic_tids(conversation: Conversation, version: int, index: int) -> frozenset[int]:
    """The statements of topic `index` in the conversation's topics of `version` (every
    computation is kept); NotFound when there is no such computation or topic."""
    stored = db.session.scalar(
        sa.select(TopicResult).where(
            TopicResult.conversation_id == conversation.id, TopicResult.version == version
        )
    )
    topics = stored.document["topics"] if stored is not None else []
    if not 0 <= index < len(topics):
        raise NotFound(f"no topic {index} in topics {version}", code="topic_not_found")
    return frozenset(int(tid) for tid in topics[index]["tids"])


def latest_topics(conversation_id: str) -> TopicsView | None:
    """The newest topics of a conversation, or None before the worker has computed any."""
    return topics_of(find_conversation(conversation_id))


def topics_of(conversation: Conversation) -> TopicsView | None:
    """`latest_topics` of a conversation in hand; topics carry the names facilitators gave
    them (deliberation.services.topic_names)."""
    stored = _latest_result(conversation.id)
    if stored is None:
        return None
    document = stored.document
    topics = tuple(
        Topic(
            index=k,
            name=topic["name"],
            terms=tuple(topic["terms"]),
            coherence=topic["coherence"] if topic["coherence"] is not None else float("nan"),
            tids=tuple(topic["tids"]),
            suggested_subcommittee_id=topic["suggested_subcommittee_id"],
        )
        for k, topic in enumerate(document["topics"])
    )
    statements = document["statements"]
    view = TopicsView(
        version=stored.version,
        view=document["view"],
        topics=topics,
        shares={int(tid): tuple(s["shares"]) for tid, s in statements.items()},
        suggested_subcommittee={
            int(tid): s["suggested_subcommittee_id"] for tid, s in statements.items()
        },
        computed_ms=stored.created_ms,
    )
    return with_given_names(conversation.id, view)
