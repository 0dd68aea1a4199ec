"""The newest math result as a participant reads it: the opinion groups, what each group tends to
believe, the statements most groups agree on, and where the reader stands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from clustering.inconv import MIN_VOTES
from deliberation.db import db
from deliberation.models import Conversation, LatestVote, MathResult, Statement
from deliberation.services.lookup import find_conversation, find_participant
from deliberation.services.own_activity import takes_votes
from deliberation.services.participant_state import Placement, placement_in

# Enough to read on a phone; the facilitators' report shows the full lists.
STATEMENTS_PER_LIST = 5


@dataclass(frozen=True)
class GroupStance:
    """A statement that sets a group apart (Polis's repness): `agrees` says which way the group
    leans, `share` how many of its voters voted so (p-success, with a Beta(1,1) prior)."""

    statement: Statement
    agrees: bool
    share: float


@dataclass(frozen=True)
class GroupSummary:
    """One opinion group: its id (0 reads "A"), members, stances, and members' map positions."""

    id: int
    size: int
    stances: list[GroupStance]
    points: list[tuple[float, float]]


@dataclass(frozen=True)
class CommonGround:
    """A statement that more than half of the voters in most groups agreed with.

    `consensus` is Polis's group-aware consensus: the product over groups of
    (agrees + 1) / (votes + 2), i.e. the chance that every group agrees.
    """

    statement: Statement
    groups_agreeing: int
    groups: int
    consensus: float


@dataclass(frozen=True)
class OpinionSummary:
    """`math_version` is None before the first recompute; then everything else is empty.

    For a reader (a pid was given): `placement` in the newest result, `votes_cast` so far, and
    `votes_to_be_placed`, the in-conv threshold min(7, statements open to votes).
    """

    math_version: int | None
    computed_ms: int | None
    participants: int
    groups: list[GroupSummary]
    common_ground: list[CommonGround]
    placement: Placement | None = None
    votes_cast: int = 0
    votes_to_be_placed: int = MIN_VOTES

    @property
    def reader_group(self) -> GroupSummary | None:
        if self.placement is None or self.placement.group is None:
            return None
        return next((g for g in self.groups if g.id == self.placement.group), None)


def opinion_summary(conversation_id: str, pid: int | None = None) -> OpinionSummary:
    """The groups of the newest math result, and the reader's place among them if `pid` is given.

    Statements a participant may not see (moderated out; unaccepted under strict moderation)
    and meta statements are left out of every list.
    """
    conversation = find_conversation(conversation_id)
    if pid is not None:
        find_participant(conversation, pid)
    newest = db.session.scalar(
        sa.select(MathResult)
        .where(MathResult.conversation_id == conversation.id)
        .order_by(MathResult.version.desc())
        .limit(1)
    )
    statements = _shown_statements(conversation)
    reader = _reader(conversation, pid, len(statements)) if pid is not None else {}
    if newest is None:
        return OpinionSummary(None, None, 0, [], [], **reader)
    document = newest.result
    if pid is not None:
        reader["placement"] = placement_in(newest.version, document, pid)
    return OpinionSummary(
        math_version=newest.version,
        computed_ms=newest.created_ms,
        participants=int(document.get("n", 0)),
        groups=_groups(document, statements),
        common_ground=_common_ground(document, statements),
        **reader,
    )


def _shown_statements(conversation: Conversation) -> dict[int, Statement]:
    rows = db.session.scalars(
        sa.select(Statement).where(
            Statement.conversation_id == conversation.id, Statement.is_meta.is_(False)
        )
    )
    return {s.tid: s for s in rows if takes_votes(conversation, s)}


def _reader(conversation: Conversation, pid: int, shown: int) -> dict[str, Any]:
    votes = db.session.scalar(
        sa.select(sa.func.count()).where(
            LatestVote.conversation_id == conversation.id, LatestVote.pid == pid
        )
    )
    return {"votes_cast": votes, "votes_to_be_placed": min(MIN_VOTES, max(shown, 1))}


def _groups(document: Mapping[str, Any], statements: dict[int, Statement]) -> list[GroupSummary]:
    people = (document.get("mesa") or {}).get("participants") or {}
    points: dict[int, list[tuple[float, float]]] = {}
    for x, y, group in zip(
        people.get("x", []), people.get("y", []), people.get("group", []), strict=False
    ):
        if group is not None:
            points.setdefault(int(group), []).append((float(x), float(y)))
    repness = document.get("repness") or {}
    groups = []
    for key, votes in sorted((document.get("group-votes") or {}).items(), key=_int_key):
        stances = [
            GroupStance(
                statements[entry["tid"]], entry["repful-for"] == "agree", entry["p-success"]
            )
            for entry in repness.get(key, [])
            if entry["tid"] in statements
        ]
        groups.append(
            GroupSummary(
                id=int(key),
                size=int(votes.get("n-members", 0)),
                stances=stances[:STATEMENTS_PER_LIST],
                points=points.get(int(key), []),
            )
        )
    return groups


def _common_ground(
    document: Mapping[str, Any], statements: dict[int, Statement]
) -> list[CommonGround]:
    """Statements that a majority of the voters of most groups agreed with, the most agreed
    first (by number of groups, then by group-aware consensus)."""
    group_votes = [g.get("votes") or {} for g in (document.get("group-votes") or {}).values()]
    if not group_votes:
        return []
    consensus = document.get("group-aware-consensus") or {}
    found = []
    for tid, statement in statements.items():
        key = str(tid)
        agreeing = sum(
            1
            for votes in group_votes
            if key in votes and votes[key].get("A", 0) * 2 > votes[key].get("S", 0)
        )
        if agreeing * 2 > len(group_votes):
            found.append(
                CommonGround(statement, agreeing, len(group_votes), float(consensus.get(key, 0)))
            )
    found.sort(key=lambda c: (-c.groups_agreeing, -c.consensus, c.statement.tid))
    return found[:STATEMENTS_PER_LIST]


def _int_key(item: tuple[str, Any]) -> int:
    return int(item[0])
