"""What the console's topics page shows: each topic with its statements, how they were voted,
what the topic agrees on and what divides it, how each opinion group votes on it, and where
each statement goes.

The conversation, its topics and its newest math result are each read once per page.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa

from clustering.groups import group_label
from clustering.result_view import GroupVotes
from deliberation.db import db
from deliberation.errors import NotFound
from deliberation.models import LatestVote, Statement, Subcommittee
from deliberation.services.authorization import MODERATION_ROLES, require_role
from deliberation.services.lookup import find_conversation
from deliberation.services.math_results import latest_math_stamp, stored_result
from deliberation.services.subcommittees import (
    StatementPlacement,
    placements_of,
    subcommittees_of,
)
from deliberation.services.topic_names import successor
from deliberation.services.topics import Topic, TopicsView, stored_topic_tids, topics_of

# A statement with fewer agree-or-disagree votes says nothing yet about agreement or division.
MIN_VOTES = 5


@dataclass(frozen=True)
class TopicStatement:
    tid: int
    text: str
    share: float  # of this statement that is about the topic
    agrees: int
    disagrees: int
    passes: int
    placement: StatementPlacement

    @property
    def agree_share(self) -> float | None:
        """Agrees over agrees and disagrees, None below MIN_VOTES of them."""
        decided = self.agrees + self.disagrees
        return self.agrees / decided if decided >= MIN_VOTES else None


@dataclass(frozen=True)
class GroupAgreement:
    """How one opinion group voted on a topic's statements, all together: of the `seen` votes
    its members cast on them (passes included), `agrees` agreed. Raw counts from the newest
    math result's group tallies; the share is not smoothed."""

    group_id: int
    label: str
    agrees: int
    disagrees: int
    seen: int

    @property
    def agree_share(self) -> float | None:
        return self.agrees / self.seen if self.seen else None


@dataclass(frozen=True)
class TopicRow:
    index: int
    name: str
    terms: tuple[str, ...]
    coherence: float
    suggested_subcommittee: str | None
    statements: tuple[TopicStatement, ...]
    consensus: TopicStatement | None  # highest agree share
    division: TopicStatement | None  # agree share nearest one half
    groups: tuple[GroupAgreement, ...] = ()  # per opinion group, in the groups' order
    automatic_name: str | None = None  # the name from its terms, when a facilitator renamed it


@dataclass(frozen=True)
class TopicsPage:
    topics: tuple[TopicRow, ...]
    subcommittees: tuple[Subcommittee, ...]
    version: int | None
    view: str | None
    math_version: int | None = None  # the result the groups' agreement comes from


def topics_page(facilitator_id: int, conversation_id: str) -> TopicsPage:
    conversation = find_conversation(conversation_id)
    require_role(facilitator_id, conversation, MODERATION_ROLES)
    subcommittees = tuple(subcommittees_of(conversation))
    topics = topics_of(conversation)
    if topics is None:
        return TopicsPage((), subcommittees, None, None)
    names = {s.id: s.name for s in subcommittees}
    stamp = latest_math_stamp(conversation)
    group_votes = stored_result(conversation, stamp).agenda_votes if stamp else None
    texts = dict(
        db.session.execute(
            sa.select(Statement.tid, Statement.text).where(
                Statement.conversation_id == conversation.id
            )
        ).all()
    )
    tallies = _tallies(conversation.id)
    placements = placements_of(conversation, topics)
    rows = [
        _row(topic, topics, texts, tallies, placements, names, group_votes)
        for topic in topics.topics
    ]
    return TopicsPage(
        tuple(rows), subcommittees, topics.version, topics.view, stamp.version if stamp else None
    )


@dataclass(frozen=True)
class TopicFilter:
    """A page's topic filter: the newest topics to choose from (`version`: theirs, None before
    any), the topic chosen (None: all), and `lost`: the request named a topic of older topics
    that no newest topic continues, so all are shown."""

    choices: tuple[Topic, ...]
    version: int | None
    chosen: Topic | None
    lost: bool = False


def topic_filter(
    facilitator_id: int, conversation_id: str, index: int | None, version: int | None = None
) -> TopicFilter:
    """The filter of a page that names topic `index` of the topics of `version` (the newest
    when None). The worker recomputes topics whenever statements arrive, and numbers them
    anew; a filter made on older topics follows its topic as a facilitator's name does
    (`topic_names.successor`), so a moderation queue kept open through the evening keeps
    showing the same subject. NotFound: no such topic. Owners and moderators."""
    conversation = find_conversation(conversation_id)
    require_role(facilitator_id, conversation, MODERATION_ROLES)
    newest = topics_of(conversation)
    choices = newest.topics if newest is not None else ()
    newest_version = newest.version if newest is not None else None
    if index is None:
        return TopicFilter(choices, newest_version, None)
    if newest is None or (version is not None and version > newest.version):
        raise NotFound(f"no topic {index} here", code="topic_not_found")
    if version is None or version == newest.version:
        if not 0 <= index < len(choices):
            raise NotFound(f"no topic {index} here", code="topic_not_found")
        return TopicFilter(choices, newest.version, choices[index])
    followed = successor(stored_topic_tids(conversation, version, index), newest)
    return TopicFilter(choices, newest.version, followed, lost=followed is None)


def group_agreement(votes: GroupVotes | None, tids: tuple[int, ...]) -> tuple[GroupAgreement, ...]:
    """Each group's agree, disagree and seen votes summed over the statements `tids`."""
    if votes is None or not len(votes.group_ids):
        return ()
    columns = np.flatnonzero(np.isin(votes.tids, np.asarray(tids, dtype=votes.tids.dtype)))
    agree = votes.agree[:, columns].sum(axis=1)
    disagree = votes.disagree[:, columns].sum(axis=1)
    seen = votes.seen[:, columns].sum(axis=1)
    return tuple(
        GroupAgreement(int(gid), group_label(int(gid)), int(a), int(d), int(n))
        for gid, a, d, n in zip(votes.group_ids, agree, disagree, seen, strict=True)
    )


def _row(topic, topics: TopicsView, texts, tallies, placements, names, group_votes) -> TopicRow:
    statements = tuple(
        TopicStatement(
            tid=tid,
            text=texts.get(tid, ""),
            share=topics.shares[tid][topic.index],
            agrees=tallies.get((tid, 1), 0),
            disagrees=tallies.get((tid, -1), 0),
            passes=tallies.get((tid, 0), 0),
            placement=placements.get(tid, StatementPlacement(None, "none")),
        )
        for tid in topic.tids
        if tid in texts
    )
    voted = [s for s in statements if s.agree_share is not None]
    consensus = max(voted, key=lambda s: s.agree_share, default=None)
    division = min(voted, key=lambda s: abs(s.agree_share - 0.5), default=None)
    return TopicRow(
        index=topic.index,
        name=topic.name,
        terms=topic.terms,
        coherence=topic.coherence,
        suggested_subcommittee=names.get(topic.suggested_subcommittee_id),
        statements=statements,
        consensus=consensus,
        division=division,
        groups=group_agreement(group_votes, topic.tids),
        automatic_name=topic.automatic_name,
    )


def _tallies(conversation_pk: int) -> dict[tuple[int, int], int]:
    rows = db.session.execute(
        sa.select(LatestVote.tid, LatestVote.vote, sa.func.count())
        .where(LatestVote.conversation_id == conversation_pk)
        .group_by(LatestVote.tid, LatestVote.vote)
    )
    return {(tid, int(vote)): count for tid, vote, count in rows}
