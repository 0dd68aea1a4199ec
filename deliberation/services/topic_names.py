"""Facilitators rename topics; a name outlives the topic result it was given in.

The worker computes topics afresh whenever statements change (deliberation.services.topics), and
a new computation numbers and names its topics by itself. A facilitator's name is therefore tied
to the statements the topic had when it was named, not to its number: a topic of a newer
computation takes the name when its statements and the named ones overlap by at least
`KEPT_AT` (Jaccard: shared statements over statements in either). Each name goes to at most one
topic, the closest first; a topic that drifted further falls back to its automatic name, and the
facilitator can name it again. Renaming a topic replaces the names it had taken; an empty name
gives it back its automatic one. Every change is audited as "topic.rename".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

import sqlalchemy as sa

from deliberation.db import db, now_ms, unit_of_work
from deliberation.errors import Invalid, NotFound
from deliberation.models import TopicName
from deliberation.services.audit import record_audit
from deliberation.services.authorization import MODERATION_ROLES, require_role
from deliberation.services.lookup import find_conversation

if TYPE_CHECKING:
    from deliberation.services.topics import Topic, TopicsView

KEPT_AT = 0.5
NAME_LENGTH = 200


def jaccard(a: frozenset[int] | set[int], b: frozenset[int] | set[int]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def _rows(conversation_pk: int) -> list[TopicName]:
    return list(
        db.session.scalars(
            sa.select(TopicName)
            .where(TopicName.conversation_id == conversation_pk)
            .order_by(TopicName.id.desc())
        )
    )


def _matches(topics: TopicsView, rows: list[TopicName]) -> dict[int, TopicName]:
    """topic index -> the name row it takes: pairs at or above KEPT_AT, closest first (newest
    first among equals), each topic and each row used once."""
    pairs = [
        (-overlap, -row.id, topic.index, row)
        for row in rows
        for overlap, topic in _kept_by(frozenset(row.tids), topics)
    ]
    pairs.sort(key=lambda pair: pair[:3])
    taken: dict[int, TopicName] = {}
    used: set[int] = set()
    for _, _, index, row in pairs:
        if index not in taken and row.id not in used:
            taken[index] = row
            used.add(row.id)
    return taken


def successor(named: frozenset[int], topics: TopicsView) -> Topic | None:
    """The topic of `topics` that statements `named` (a topic of an older computation) became,
    by the rule names follow: the closest by Jaccard at KEPT_AT or above (the lower index
    among equals); None when none is that close."""
    best = max(_kept_by(named, topics), key=lambda pair: pair[0], default=None)
    return best[1] if best is not None else None


def _kept_by(named: frozenset[int], topics: TopicsView) -> Iterator[tuple[float, Topic]]:
    """(Jaccard, topic) for each topic of `topics` close enough to statements `named` to keep
    what was attached to them (a name, a filter), in index order."""
    for topic in topics.topics:
        overlap = jaccard(named, frozenset(topic.tids))
        if overlap >= KEPT_AT:
            yield overlap, topic


def with_given_names(conversation_pk: int, topics: TopicsView) -> TopicsView:
    """The topics with the names facilitators gave them (see the module doc)."""
    rows = _rows(conversation_pk)
    if not rows:
        return topics
    taken = _matches(topics, rows)
    return replace(
        topics,
        topics=tuple(
            replace(topic, name=taken[topic.index].name, automatic_name=topic.name)
            if topic.index in taken
            else topic
            for topic in topics.topics
        ),
    )


def rename_topic(
    facilitator_id: int,
    conversation_id: str,
    topic_index: int,
    name: str,
    *,
    reason: str | None = None,
) -> str:
    """Name topic `topic_index` of the newest topics `name` ("" gives back its automatic name);
    the name it has now. Owners and moderators; audited with the names before and after."""
    from deliberation.services.topics import latest_topics  # topics reads names too

    name = " ".join((name or "").split())
    if len(name) > NAME_LENGTH:
        raise Invalid(f"a topic's name has at most {NAME_LENGTH} characters", code="name_too_long")
    with unit_of_work() as session:
        conversation = find_conversation(conversation_id)
        require_role(facilitator_id, conversation, MODERATION_ROLES)
        topics = latest_topics(conversation_id)
        if topics is None or not 0 <= topic_index < len(topics.topics):
            raise NotFound(f"no topic {topic_index} in {conversation_id}", code="topic_not_found")
        topic = topics.topics[topic_index]
        members = frozenset(topic.tids)
        for row in _rows(conversation.id):
            if jaccard(frozenset(row.tids), members) >= KEPT_AT:
                session.delete(row)
        if name:
            session.add(
                TopicName(
                    conversation_id=conversation.id,
                    name=name,
                    tids=list(topic.tids),
                    topics_version=topics.version,
                    facilitator_id=facilitator_id,
                    created_ms=now_ms(),
                )
            )
        after = name or topic.automatic_name or topic.name
        record_audit(
            conversation,
            facilitator_id,
            "topic.rename",
            {
                "topic": topic_index,
                "topics_version": topics.version,
                "before": topic.name,
                "after": after,
                "automatic_name": topic.automatic_name or topic.name,
                "tids": list(topic.tids),
            },
            reason,
        )
    return after
