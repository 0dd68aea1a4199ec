"""A conversation's topics: computed from its statements (and votes), stored, read back typed.

Topics follow the statements, not the votes: the worker (`refresh_stale_topics`, called from
the slow stage's pass) recomputes them when a statement is added, moderated or edited, or a
subcommittee is added, and reads the votes as they are then for the co-vote signal. A vote
alone never triggers it.

What is computed (clustering.topics, clustering.subcommittees): NMF topics of the "both" view
(text and co-votes) once the conversation has votes, else of the text; each topic's suggested
subcommittee from the subcommittees' descriptions; each statement's suggestion from its words
and its co-vote neighbours'. Rejected statements are left out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import sqlalchemy as sa

from clustering.subcommittees import best_subcommittee, statement_scores, topic_fit
from clustering.text_features import text_features
from clustering.topics import TopicModel, covote_affinity, statement_features
from deliberation.db import db, now_ms, unit_of_work
from deliberation.math_inputs import latest_votes
from deliberation.models import (
    Conversation,
    ModerationState,
    Statement,
    Subcommittee,
    TopicResult,
)
from deliberation.services.lookup import find_conversation

log = logging.getLogger(__name__)

# Below this many statements there is nothing to group: a single topic would say nothing.
MIN_STATEMENTS = 4
DOCUMENT_FORMAT = 1


@dataclass(frozen=True)
class Topic:
    index: int
    name: str
    terms: tuple[str, ...]
    coherence: float  # NPMI of its top terms, −1..1
    tids: tuple[int, ...]  # member statements, largest share first
    suggested_subcommittee_id: int | None


@dataclass(frozen=True)
class TopicsView:
    """The newest stored topics of a conversation (see `TopicResult`)."""

    version: int
    view: str  # "text" or "both"
    topics: tuple[Topic, ...]
    shares: dict[int, tuple[float, ...]]  # tid -> share of each topic (sums to 1 or is all 0)
    suggested_subcommittee: dict[int, int | None]  # tid -> subcommittee id
    computed_ms: int


def _statements_state(conversation_pk: int) -> tuple[int, int]:
    """(newest updated_ms, count) of the conversation's statements: what topics depend on."""
    newest, count = db.session.execute(
        sa.select(sa.func.max(Statement.updated_ms), sa.func.count()).where(
            Statement.conversation_id == conversation_pk
        )
    ).one()
    return int(newest or 0), int(count)


def _latest_result(conversation_pk: int) -> TopicResult | None:
    return db.session.scalar(
        sa.select(TopicResult)
        .where(TopicResult.conversation_id == conversation_pk)
        .order_by(TopicResult.version.desc())
        .limit(1)
    )


def stale_topic_conversations() -> list[int]:
    """Primary keys of conversations whose statements changed since their newest topics, or
    that got a subcommittee since (suggestions compare with the subcommittees' charters)."""
    newest = (
        sa.select(
            Statement.conversation_id,
            sa.func.max(Statement.updated_ms).label("updated_ms"),
            sa.func.count().label("count"),
        )
        .group_by(Statement.conversation_id)
        .subquery()
    )
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
    rows = db.session.execute(
        sa.select(newest.c.conversation_id)
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
    )
    return [row[0] for row in rows]


def refresh_stale_topics() -> int:
    """Recompute the topics of every conversation whose statements changed; how many were.

    A conversation that fails is logged and skipped: topics must never stop the math.
    """
    refreshed = 0
    for pk in stale_topic_conversations():
        try:
            if refresh_topics(pk) is not None:
                refreshed += 1
        except Exception:
            db.session.rollback()
            log.exception("topics of conversation %s failed", pk)
    db.session.rollback()
    return refreshed


def refresh_topics(conversation_pk: int) -> TopicResult | None:
    """Compute and store the conversation's topics if its statements (or subcommittees)
    changed; else None."""
    updated_ms, count = _statements_state(conversation_pk)
    latest = _latest_result(conversation_pk)
    newest_charter = db.session.scalar(
        sa.select(sa.func.max(Subcommittee.created_ms)).where(
            Subcommittee.conversation_id == conversation_pk
        )
    )
    if count < MIN_STATEMENTS or (
        latest is not None
        and latest.statements_updated_ms == updated_ms
        and latest.statement_count == count
        and (newest_charter is None or newest_charter <= latest.created_ms)
    ):
        db.session.rollback()
        return None
    conversation = db.session.get(Conversation, conversation_pk)
    document = compute_topics(conversation)
    db.session.rollback()  # no read transaction held while storing
    with unit_of_work() as session:
        stored = TopicResult(
            conversation_id=conversation_pk,
            version=(latest.version + 1) if latest else 1,
            statements_updated_ms=updated_ms,
            statement_count=count,
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


def compute_topics(conversation: Conversation) -> dict:
    """The stored document of the conversation's topics (read it back with `latest_topics`)."""
    rows = unrejected_texts(conversation.id)
    tids = [tid for tid, _ in rows]
    text = text_features([body for _, body in rows])
    subcommittees = db.session.execute(
        sa.select(Subcommittee.id, Subcommittee.name, Subcommittee.description)
        .where(Subcommittee.conversation_id == conversation.id)
        .order_by(Subcommittee.position, Subcommittee.id)
    ).all()
    affinity = _covote(conversation, tids)
    view = "both" if affinity is not None and affinity.nnz else "text"
    model = TopicModel(random_state=conversation.math_seed).fit(
        statement_features(view, text=text, covote=affinity if view == "both" else None), text
    )
    ids = [row.id for row in subcommittees]
    if ids:
        charters = text.transform([f"{row.name}. {row.description}" for row in subcommittees])
        topic_choice = best_subcommittee(topic_fit(model.term_weights_, charters))
        statement_choice = best_subcommittee(
            statement_scores(text.matrix, charters, covote=affinity if view == "both" else None)
        )
    else:  # nothing to suggest (scikit-learn refuses to normalise zero charters)
        topic_choice = np.full(model.n_topics_, -1)
        statement_choice = np.full(len(tids), -1)
    topics = []
    for k in range(model.n_topics_):
        members = np.flatnonzero(model.membership_[:, k])
        members = members[np.argsort(-model.shares_[members, k], kind="stable")]
        topics.append(
            {
                "name": model.names_[k],
                "terms": [str(text.labels[t]) for t in model.top_terms_[k]],
                "coherence": _finite(model.coherence_[k]),
                "tids": [tids[j] for j in members],
                "suggested_subcommittee_id": ids[topic_choice[k]] if topic_choice[k] >= 0 else None,
            }
        )
    return {
        "format": DOCUMENT_FORMAT,
        "method": "nmf",
        "view": view,
        "selection": {str(k): _finite(v) for k, v in model.selection_.items()},
        "topics": topics,
        "statements": {
            str(tid): {
                "shares": [round(float(s), 4) for s in model.shares_[j]],
                "suggested_subcommittee_id": (
                    ids[statement_choice[j]] if statement_choice[j] >= 0 else None
                ),
            }
            for j, tid in enumerate(tids)
        },
    }


def _finite(value: float) -> float | None:
    return None if not np.isfinite(value) else round(float(value), 4)


def _covote(conversation: Conversation, tids: list[int]) -> sp.csr_matrix | None:
    """Co-vote affinities among `tids` from the latest votes (+1 agree), None without votes."""
    records = latest_votes(conversation)
    if len(records) == 0:
        return None
    column = {tid: j for j, tid in enumerate(tids)}
    keep = np.isin(records.statement_ids, np.asarray(tids, dtype=records.statement_ids.dtype))
    pids, rows = np.unique(records.participant_ids[keep], return_inverse=True)
    cols = np.array([column[t] for t in records.statement_ids[keep].tolist()], dtype=np.int64)
    votes = sp.csr_matrix(
        (records.votes[keep].astype(np.float64), (rows, cols)), shape=(len(pids), len(tids))
    )
    return covote_affinity(votes)


def latest_topics(conversation_id: str) -> TopicsView | None:
    """The newest topics of a conversation, or None before the worker has computed any."""
    conversation = find_conversation(conversation_id)
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
    return TopicsView(
        version=stored.version,
        view=document["view"],
        topics=topics,
        shares={int(tid): tuple(s["shares"]) for tid, s in statements.items()},
        suggested_subcommittee={
            int(tid): s["suggested_subcommittee_id"] for tid, s in statements.items()
        },
        computed_ms=stored.created_ms,
    )
